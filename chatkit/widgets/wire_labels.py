"""Which room and sender a captured line belongs to, read from the line itself and from what came before it."""

import json
from typing import Any

OUTGOING = ("sent", "to server")  # a client's Wire events say "sent"; a relay's say "to server"


class Labeller:
    """Work out room and sender of each line; remember who each connection said it was (a 'say' line omits it)."""

    def __init__(self, source: object) -> None:
        self._known: dict[object, dict[str, str]] = {}  # connection -> {"name": ..., "room": ...}
        name = getattr(source, "name", None)
        if isinstance(name, str):  # a client: the lines it sends carry no name, but we know whose they are
            self._known[None] = {"name": name, "room": str(getattr(source, "room", ""))}

    def label(self, event: Any) -> tuple[str, str]:
        """Return (room, sender) for a wire event."""
        frame = parse(event.line)
        known = self._known.setdefault(getattr(event, "connection", None), {})
        if frame.get("type") == "hello" and "name" in frame:
            known["name"] = str(frame["name"])
        if frame.get("type") in ("hello", "join", "joined") and "room" in frame:
            known["room"] = str(frame["room"])
        outgoing = event.direction in OUTGOING
        sender = str(
            frame.get("sender") or frame.get("from") or frame.get("name") or (known.get("name", "") if outgoing else "")
        )
        return str(frame.get("room") or known.get("room", "")), sender


def parse(line: bytes | str) -> dict[str, Any]:
    """Read a line as JSON just to find its fields; a line that is not JSON has none."""
    try:
        frame = json.loads(line)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}
