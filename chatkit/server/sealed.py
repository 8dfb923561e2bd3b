"""The sealed mode: the server relays and stores ciphertext it cannot read.

It holds no key and no password, and it chooses nothing about a room's key: the room's first member chooses the
salt and the key derivation and leaves a check made with the key; the server stores them and hands them, unchanged,
to everyone who joins (S5). It drops replays: a counter not above the sender's high-water mark in that room, kept in
the database so a restart changes nothing (S4). A mark belongs to a sender name AND the public key they said hello
with, and it moves only for a line that key signed: checking a signature needs no secret, so the server still holds
no key, and nobody else, not even someone who connects under the same name, can move it. The real protection is in
the clients, which check the parameters, every header, tag and signature themselves (docs/security.md).
"""

import json
import threading

from chatkit.crypto.errors import BadSignature  # public-key checks only: the server holds no key, derives none
from chatkit.crypto.labels import MESSAGE_SIGNATURE
from chatkit.crypto.signing import verify
from chatkit.protocol import Frame, ProtocolError, Refused, b64, header_bytes, require, unb64
from chatkit.server.member import Member
from chatkit.storage import ChatLog, RoomRecord

SEALED_FIELDS = ("room", "counter", "time", "nonce", "signature")


class SealedRules:
    """Relay without reading: store and forward exactly the bytes the sender produced."""

    name = "sealed"

    def __init__(self) -> None:
        self._log: ChatLog | None = None  # where the high-water marks are kept (the running server's database)
        self._lock = threading.Lock()  # many member threads check counters at once

    def use_log(self, log: ChatLog) -> None:
        """Keep the high-water marks in the server's database, so they outlive a restart."""
        self._log = log

    def check_hello(self, member: Member, hello: Frame) -> None:
        """Accept a newcomer who brings a public signing key; the server cannot check a password it never sees."""
        if "pubkey" not in hello or hello.get("mode", "sealed") != "sealed":
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
        if signed_by(member, say):  # only the sender's own key moves their mark; clients refuse the rest anyway
            self._check_fresh(say["room"], owner(member), say["counter"])
        fields = {name: say[name] for name in ("counter", "time", "nonce", "ciphertext", "signature")}
        fields["pubkey"] = member.pubkey
        return json.dumps(fields, sort_keys=True), fields

    def _check_fresh(self, room: str, sender: str, counter: int) -> None:
        """Refuse a counter that is not above the last one this sender (name and key, see owner) used in the room."""
        if self._log is None:
            raise RuntimeError("the sealed rules keep their marks in the server's log: use_log() was not called")
        name, _, pubkey = sender.partition(" ")
        if not self._log.raise_mark((room, name, pubkey), counter):
            last = self._log.mark((room, name, pubkey))
            raise Refused("replay", f"replay rejected: counter {counter} already used (last was {last})")


def owner(member: Member) -> str:
    """Return whose counter a member's message moves: their name and their public key (names cannot hold spaces)."""
    return f"{member.name} {member.pubkey}"


def signed_by(member: Member, say: Frame) -> bool:
    """Return True if the 'say' was signed by the key the member said hello with (needs no secret to check)."""
    header = header_bytes(say["room"], member.name, say["counter"], say["time"])
    try:
        signed = header + unb64(say, "nonce") + unb64(say, "ciphertext")
        verify(unb64({"pubkey": member.pubkey}, "pubkey"), unb64(say, "signature"), MESSAGE_SIGNATURE, signed)
    except (BadSignature, ProtocolError, KeyError, TypeError):
        return False
    return True
