"""The sealed mode: the server relays and stores ciphertext it cannot read.

It holds no key and no password, and it chooses nothing about a room's key: the room's first member chooses the
salt and the key derivation and leaves a check made with the key; the server stores them and hands them, unchanged,
to everyone who joins (S5). It drops replays: a (room, sender, counter) it has seen, or an older counter. The real
protection is in the clients, which check the parameters, every header, tag and signature themselves
(docs/security.md).
"""

import json
import threading

from chatkit.protocol import Frame, Refused, b64, require
from chatkit.server.member import Member
from chatkit.storage import RoomRecord

SEALED_FIELDS = ("room", "counter", "time", "nonce", "signature")


class SealedRules:
    """Relay without reading: store and forward exactly the bytes the sender produced."""

    name = "sealed"

    def __init__(self) -> None:
        self._last_counter: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()  # many member threads check counters at once

    def check_hello(self, member: Member, hello: Frame) -> None:
        """Accept a newcomer who brings a public signing key; the server cannot check a password it never sees."""
        if "pubkey" not in hello:
            raise Refused("wrong_mode", "this server runs in sealed mode: start your client in sealed mode")
        member.pubkey = hello["pubkey"]

    def joined(self, record: RoomRecord) -> Frame:
        """Announce the parameters and check the room's creator left; none yet means the room is new."""
        if record.kdf is None or record.check is None:
            return {"room": record.name}
        return {"room": record.name, "kdf": json.loads(record.kdf), "check": b64(record.check)}

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
