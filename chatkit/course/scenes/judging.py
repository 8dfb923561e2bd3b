"""What every scene shares: it says when it is ready, and judges one answer only."""


class OneJudgement:
    """A scene's judge: the first answer is judged, every later one refused."""

    judged = False

    def answer_ready(self) -> bool:
        """Say the scene is set."""
        return True

    def judge_once(self) -> None:
        """Refuse a second judgement (raise), or note the first."""
        if self.judged:
            raise ValueError("this referee judges one answer only")
        self.judged = True

    def stop(self) -> None:
        """Stop what the scene started (nothing, unless a scene says otherwise)."""
