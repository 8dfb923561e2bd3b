"""A capstone scoreboard: points per team, each with its reason, as a table or a bar chart (notebook 12)."""

from dataclasses import dataclass, field

POINTS = {"attack": 3, "fix": 2, "report": 1, "rule broken": -3}


@dataclass
class Scoreboard:
    """Points awarded to teams, in the order they were given."""

    awards: list[tuple[str, int, str]] = field(default_factory=list)  # (team, points, reason)

    def award(self, team: str, kind: str, reason: str) -> None:
        """Give a team the points of one kind of success (see POINTS), with the reason shown on the board."""
        if kind not in POINTS:
            raise ValueError(f"kind should be one of {sorted(POINTS)}, got {kind!r}")
        self.awards.append((team, POINTS[kind], f"{kind}: {reason}"))

    def totals(self) -> dict[str, int]:
        """Return each team's total, best first."""
        totals: dict[str, int] = {}
        for team, points, _ in self.awards:
            totals[team] = totals.get(team, 0) + points
        return dict(sorted(totals.items(), key=lambda item: -item[1]))

    def table(self) -> str:
        """Return the board as text: one line per team, then every award."""
        lines = [f"{team:<12} {total:>4}" for team, total in self.totals().items()]
        lines += ["", *(f"{team:<12} {points:+d}  {reason}" for team, points, reason in self.awards)]
        return "\n".join(lines)
