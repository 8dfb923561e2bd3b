"""Notebook 12, exercises: a red-team replay against a variant without replay checks, and the blue-team fix.

Use chatkit.lab.relay (Relay, TO_SERVER) and chatkit.lab.variants (ForgetfulServer).
"""

from chatkit.lab.relay import TO_SERVER, Relay  # noqa: F401 (your solution uses them)
from chatkit.lab.variants import ForgetfulServer
from chatkit.protocol import Refused


def replay_last_say(relay: Relay) -> int:
    """Send the last 'say' line the relay carried to the server once more, on the same connection; return its number."""
    raise NotImplementedError("your code here: replace this line")


def is_fresh(last: dict[tuple[str, str], int], room: str, sender: str, counter: int) -> bool:
    """Return True (and remember the counter) if it is larger than the last one of this sender in this room."""
    raise NotImplementedError("your code here: replace this line")


class PatchedServer(ForgetfulServer):
    """The weak server with your check plugged in: the blue team's fix."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[tuple[str, str], int] = {}

    def _check_fresh(self, room: str, sender: str, counter: int) -> None:
        """Refuse a counter your is_fresh calls stale."""
        with self._lock:  # many member threads check at once
            fresh = is_fresh(self.seen, room, sender, counter)
        if not fresh:
            raise Refused("replay", f"replay rejected: counter {counter} already used")
