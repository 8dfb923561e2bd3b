"""The sealed mode: the server relays and stores ciphertext it cannot read.

It holds no key and no password. It gives each room a random salt (so equal passwords in two rooms give different
keys), keeps the first member's password check so newcomers learn at once if their password is wrong, and drops
replays: a (room, sender, counter) it has seen, or an older counter. The real protection is in the clients, which
check every header, tag and signature themselves (docs/security.md, S1-S8).
"""

import json
import secrets
import threading

from chatkit.protocol import Frame, Refused, b64, require
from chatkit.server.member import Member
from chatkit.storage import RoomRecord

SEALED_FIELDS = ("room", "counter", "time", "nonce", "signature")
# A salt is public and needs no key, only unpredictability: the standard library's `secrets` makes it, so the sealed
# server imports no crypto at all (it holds no key). 16 bytes, as the clients' kdf.new_salt() would make it.
ROOM_SALT_BYTES = 16


class SealedRules:
    """Relay without reading: store and forward exactly the bytes the sender produced."""

    name = "sealed"

    def __init__(self) -> None:
        self._last_counter: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()  # many member threads check counters at once

    def make_salt(self) -> bytes | None:
        """Give a new room its own random salt (S5)."""
        return secrets.token_bytes(ROOM_SALT_BYTES)

    def check_hello(self, member: Member, hello: Frame) -> None:
        """Accept a newcomer who brings a public signing key; the server cannot check a password it never sees."""
        if "pubkey" not in hello:
            raise Refused("wrong_mode", "this server runs in sealed mode: start your client in sealed mode")
        member.pubkey = hello["pubkey"]

    def joined(self, record: RoomRecord) -> Frame:
        """Announce a room's salt and, if a member made one, its password check."""
        fields: Frame = {"room": record.name, "salt": b64(record.salt or b"")}
        if record.check_blob is not None and record.check_nonce is not None:
            fields.update(check_nonce=b64(record.check_nonce), check=b64(record.check_blob))
        return fields

    def accept(self, member: Member, say: Frame) -> tuple[str, Frame]:
        """Check the header's room and counter, then pass the sealed fields on unchanged."""
        require(say, *SEALED_FIELDS)
        if say["room"] != member.room:
            raise Refused("wrong_room", f"message is for room {say['room']!r} but you are in {member.room!r}")
        self._check_fresh(say["room"], member.name, say["counter"])
        fields = {name: say[name] for name in ("counter", "time", "nonce", "ciphertext", "signature")}
        fields["pubkey"] = member.pubkey
        return json.dumps(fields, sort_keys=True), fields

    def _check_fresh(self, room: str, sender: str, counter: int) -> None:
        """Refuse a counter that is not larger than the last one this sender used in this room (S4)."""
        with self._lock:
            last = self._last_counter.get((room, sender), -1)
            if counter <= last:
                raise Refused("replay", f"replay rejected: counter {counter} already used (last was {last})")
            self._last_counter[(room, sender)] = counter
