"""What a ratchet server keeps of a room's messages, turned back into the lines it sent (notebook 12's newcomer).

    lines = stored_lines(stage)                    # every stored message of 'general', as a member received it
    newcomer = Thief(frank.snapshot())             # every key frank holds, in a copy that opens what it can
    newcomer.watch_lines(lines)                    # [] : the history stays closed to him

The server stores each message's sealed fields exactly as sent (chatkit/server/ratchet.py); the time it adds on
relaying is not stored, so the rebuilt lines carry 0.
"""

import json

from chatkit import protocol
from chatkit.lab.stage import Stage
from chatkit.storage import StoredMessage


def stored_lines(stage: Stage, room: str = "general", limit: int = 200) -> list[bytes]:
    """Return the room's stored messages (the last `limit`) as the 'message' lines the server relayed."""
    stage.server.log.flush()  # the server writes on its own thread: make sure every row is there
    return [as_relayed(row) for row in stage.server.recent(limit, room) if row.room == room]


def as_relayed(row: StoredMessage) -> bytes:
    """Return one stored row as the 'message' line the server made of it (with time 0: it is not stored)."""
    fields = {"time": 0.0, **json.loads(row.payload), "type": "message", "id": row.id}
    return protocol.encode({**fields, "room": row.room, "sender": row.sender})
