"""The sealed mode's leaver: whoever kept the room passphrase opens every message the server stores, forever.

    read_with_passphrase(stage, "the room passphrase")   # [(sender, text), ...] of every stored row

In the sealed mode the passphrase is the membership: one key, derived from it and the parameters the server keeps
(chatkit/crypto/room_params.py), seals every message of the room. Leaving the room changes no key, so a former
member who kept the passphrase reads what is said after they left, from a copy of the server's rows or the network
(notebook 12; docs/security.md, the sealed mode's limits).
"""

import json

from chatkit import protocol
from chatkit.crypto import labels, lengths, room_params, sealed
from chatkit.lab.stage import Stage


def read_with_passphrase(
    stage: Stage, passphrase: str, room: str = "general", limit: int = 200
) -> list[tuple[str, str]]:
    """Open the room's stored rows (the last `limit`) with a passphrase: return (sender, text) for each."""
    stage.server.log.flush()  # the server writes on its own thread: make sure every row is there
    record = stage.server.log.room(room)
    if record.kdf is None:
        raise ValueError(f"the server keeps no key derivation for room {room!r}: is it a sealed room?")
    params = room_params.from_fields(json.loads(record.kdf))
    key = room_params.room_key(passphrase, room, params)
    return [(row.sender, _open_row(key, row.room, row.sender, row.payload)) for row in stage.server.recent(limit, room)]


def _open_row(key: bytes, room: str, sender: str, payload: str) -> str:
    """Open one stored sealed row with the room key, as the members' clients do."""
    stored = json.loads(payload)
    header = protocol.header_bytes(room, sender, stored["counter"], stored["time"])
    nonce, ciphertext = protocol.unb64(stored, "nonce"), protocol.unb64(stored, "ciphertext")
    padded = sealed.open_sealed(key, nonce, ciphertext, labels.MESSAGE_AD, header)
    return lengths.unpad_bucket(padded).decode()
