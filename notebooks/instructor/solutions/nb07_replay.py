"""Notebook 07, exercises: no freshness, no sender authentication.

A classic message is base64(IV || AES-CBC(text)) and nothing else: nothing in it says who wrote it, for which room,
or when. The server fills in sender, room and time from the connection the line arrived on.
"""

import json  # noqa: F401 (the stub keeps the imports a solution needs)
import time  # noqa: F401

from chatkit.crypto import classic, kdf  # noqa: F401
from chatkit.lab import TO_SERVER, Captured, Relay  # noqa: F401

MAX_REPLAYS = 10


def replay(relay: Relay, seen: Captured, connection: int, times: int = 1) -> None:
    """Send a captured line to the server again, `times` times, down the relay's connection number `connection`.

    Raise ValueError unless 1 <= times <= MAX_REPLAYS (every loop bounded). Hint: relay.inject(...).
    """
    # BEGIN SOLUTION
    if not 1 <= times <= MAX_REPLAYS:
        raise ValueError(f"times should be 1 to {MAX_REPLAYS}, got {times}")
    for _ in range(times):
        relay.inject(connection, TO_SERVER, seen.line)
    # END SOLUTION


def relabel(line: bytes, sender: str) -> bytes:
    """Return a `message` line (server to client) with its sender replaced by `sender`; other lines unchanged.

    The result must still be one line ending in b"\\n".
    """
    # BEGIN SOLUTION
    frame = json.loads(line)
    if frame.get("type") != "message":
        return line
    frame["sender"] = sender
    return json.dumps(frame).encode() + b"\n"
    # END SOLUTION


def forge_message(password: str, room: str, sender: str, text: str) -> bytes:
    """Return a whole `message` line, as the server would send it, in which `sender` says `text` in `room`.

    Any member can write one: the shared password is all a classic client checks. A message line needs the fields
    type ("message"), id (any int), room, sender, time (a float) and ciphertext, and ends in b"\\n".
    """
    # BEGIN SOLUTION
    frame = {
        "type": "message",
        "id": 0,
        "room": room,
        "sender": sender,
        "time": time.time(),
        "ciphertext": classic.encrypt(kdf.classic_key(password), text),
    }
    return json.dumps(frame).encode() + b"\n"
    # END SOLUTION
