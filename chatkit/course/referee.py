"""A referee: a separate process that holds a check's secret and hands the check only what an attacker captures.

The student's code runs in the check's process, where it could look through memory (gc, frames) for a secret the
check holds. So a check that asks the student to find a secret starts a referee: the scene (a live stage, say)
runs there, the check asks it for the captured bytes, and hands it the student's answer, which it judges once.

    with Referee("classic_password", words=words) as referee:
        line = referee.ask("hello", "alice")
        assert referee.ask("judge", student_answer)

Requests and answers cross the pipe as JSON, never pickles: a pickle from the check's process could run code in
the referee's and read the secret.
"""

import json
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

ANSWER_SECONDS = 30


class RefereeError(Exception):
    """The referee refused a request, gave no answer in time, or has stopped."""


class Referee:
    """Start a scene in its own process, and ask it things."""

    def __init__(self, scene: str, **options: Any) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: it inherits none of this one's memory
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=serve, args=(theirs, scene, options), daemon=True)
        self.process.start()
        theirs.close()
        self.ask("ready")

    def ask(self, request: str, *arguments: Any) -> Any:
        """Send one request and return the referee's answer."""
        try:
            self.connection.send_bytes(json.dumps([request, list(arguments)]).encode())
            if not self.connection.poll(ANSWER_SECONDS):
                raise RefereeError(f"the referee gave no answer to {request!r} within {ANSWER_SECONDS} s")
            answer = json.loads(self.connection.recv_bytes())
        except (EOFError, OSError) as error:
            raise RefereeError(f"the referee stopped before answering {request!r} (its error is above)") from error
        if "refused" in answer:
            raise RefereeError(answer["refused"])
        return answer["answer"]

    def close(self) -> None:
        """Stop the scene and its process."""
        self.connection.close()  # the referee sees the end of the pipe, stops its scene and exits
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)

    def __enter__(self) -> "Referee":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def serve(connection: Connection, scene_name: str, options: dict[str, Any]) -> None:
    """Run in the referee's process: set the scene, answer requests until the pipe closes, stop the scene."""
    from chatkit.course.scenes import SCENES  # imported here: only the referee's process needs the scenes

    scene = SCENES[scene_name](**options)
    try:
        while True:
            try:
                request, arguments = json.loads(connection.recv_bytes())
            except EOFError:
                return
            connection.send_bytes(json.dumps(answer(scene, request, arguments)).encode())
    finally:
        scene.stop()


def answer(scene: Any, request: str, arguments: list[Any]) -> dict[str, Any]:
    """Answer one request by calling the scene's method `answer_<request>`; refuse what it does not offer."""
    method = getattr(scene, f"answer_{request}", None)
    if method is None:
        return {"refused": f"this referee answers no {request!r}"}
    try:
        return {"answer": method(*arguments)}
    except Exception as error:  # a bad request (wrong arguments, a spent budget) is refused; the referee goes on
        return {"refused": f"{request}: {error}"}
