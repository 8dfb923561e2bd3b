"""The ratchet mode on the server: order the group's changes, route pairwise lines, relay ciphertext. No key.

The members keep the group themselves: a signed list of who is in it, changed only by signed changes
(docs/ratchet-mode.md). The server only puts those changes in one order per room: it accepts a change if it was
made on the room's head (the latest state it relayed), else it refuses it as `stale_change`, so two members who
change the group at once cannot split it. It refuses a change made in another name than its sender's, or whose
parent or head is not a 32-byte hash (such a head no member reaches, and the group would freeze). It checks no
signature and derives nothing: a change it accepted is checked again by every member, and a server that lies about
the order is caught by the members (a fork). The head lives in memory only and is forgotten when the room empties:
the group lives in its members' memory.
"""

import base64
import binascii
import json
import threading
from dataclasses import dataclass

from chatkit.protocol import DIRECT_KINDS, Frame, ProtocolError, Refused, require
from chatkit.server.member import Member
from chatkit.storage import ChatLog, RoomRecord

RATCHET_FIELDS = ("room", "epoch", "group", "generation", "index", "nonce", "signature")
HASH_BYTES = 32  # a group state's hash (SHA-256), which a change names as its parent and its head


@dataclass(frozen=True)
class Head:
    """The latest group state of a room, as its last accepted change named it."""

    epoch: int
    hash: str  # base64, as the member who made the change computed it

    def frame(self) -> Frame:
        """Return the head as the 'joined' line carries it."""
        return {"epoch": self.epoch, "hash": self.hash}


class RatchetRules:
    """Order changes, route direct lines, and store and relay sealed messages exactly as sent."""

    name = "ratchet"

    def __init__(self) -> None:
        self._heads: dict[str, Head] = {}  # room -> its group's head; no entry: the room has no group yet
        self._changes = 0  # numbers the changes relayed, so students can follow them in the wire view
        self._lock = threading.Lock()  # member threads propose changes at once

    def use_log(self, log: ChatLog) -> None:
        """Keep nothing in the log besides the messages: the heads live in memory only."""

    def check_hello(self, member: Member, hello: Frame) -> None:
        """Accept a newcomer in the ratchet mode who brings a public identity key."""
        if hello.get("mode") != "ratchet" or "pubkey" not in hello:
            raise Refused("wrong_mode", "this server runs in ratchet mode: start your client with --mode ratchet")
        member.pubkey = hello["pubkey"]

    def joined(self, record: RoomRecord) -> Frame:
        """Announce a room and its group's head; no head means the newcomer creates the group."""
        head = self.head(record.name)
        return {"room": record.name} if head is None else {"room": record.name, "head": head.frame()}

    def head(self, room: str) -> Head | None:
        """Return the head of a room's group (None: no group yet)."""
        with self._lock:
            return self._heads.get(room)

    def heads(self) -> dict[str, Head]:
        """Return every room's head (what the server panel shows: the server knows epochs and hashes, no keys)."""
        with self._lock:
            return dict(self._heads)

    def accept(self, member: Member, say: Frame) -> tuple[str, Frame]:
        """Check the header's room, then pass the sealed fields on unchanged (the members refuse replays)."""
        require(say, *RATCHET_FIELDS)
        if say["room"] != member.room:
            raise Refused("wrong_room", f"message is for room {say['room']!r} but you are in {member.room!r}")
        fields = {name: say[name] for name in (*RATCHET_FIELDS[1:], "ciphertext")}
        fields["pubkey"] = member.pubkey
        return json.dumps(fields, sort_keys=True), fields

    def order(self, member: Member, frame: Frame) -> Frame:
        """Accept a change made on the room's head and make it the new head; return the line to relay."""
        require(frame, "head")
        change, room = frame["change"], member.room
        if frame["room"] != room:
            raise Refused("wrong_room", f"change is for room {frame['room']!r} but you are in {room!r}")
        epoch, parent = change.get("epoch"), change.get("parent")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or not isinstance(parent, str):
            raise ProtocolError("a change needs a whole-number 'epoch' and a base64 'parent'")
        _check_shape(member, change, frame["head"])
        with self._lock:
            self._check_place(room, epoch, parent)
            self._heads[room] = Head(epoch, frame["head"])
            self._changes += 1
            number = self._changes
        return {"type": "change", "room": room, "id": number, "sender": member.name, "change": change}

    def _check_place(self, room: str, epoch: int, parent: str) -> None:
        """Raise stale_change unless a change's parent is the head (for a new group: any epoch-0 'create')."""
        head = self._heads.get(room)
        on_head = epoch == 0 if head is None else (parent == head.hash and epoch == head.epoch + 1)
        if not on_head:
            now = "no group yet" if head is None else f"epoch {head.epoch}"
            raise Refused("stale_change", f"the change was made on another group state than the room's ({now})")

    def forget(self, room: str) -> None:
        """Forget the head of a room nobody is in any more (its group lived in its members' memory)."""
        with self._lock:
            self._heads.pop(room, None)


def _is_hash(text: object) -> bool:
    """Return whether text is the base64 of a 32-byte state hash."""
    try:
        return isinstance(text, str) and len(base64.b64decode(text, validate=True)) == HASH_BYTES
    except (binascii.Error, ValueError):
        return False


def _check_shape(member: Member, change: Frame, head: object) -> None:
    """Refuse a change its sender did not sign as themselves, or whose parent or head is not a state hash.

    The server cannot check the signature (it holds no crypto), but a change made in another name than its
    sender's, or naming no real state, would move the head to a state no member can reach: the group would freeze.
    """
    if change.get("by") != member.name:
        raise ProtocolError(f"a change is made by its sender: 'by' should be {member.name!r}, got {change.get('by')!r}")
    if not _is_hash(change["parent"]) or not _is_hash(head):
        raise ProtocolError(f"a change's 'parent' and 'head' are the base64 of {HASH_BYTES} bytes (a state hash)")


def direct_line(member: Member, frame: Frame) -> Frame:
    """Check a member's 'direct' line and return it as its recipient gets it (with who sent it)."""
    require(frame, "to")
    if frame["kind"] not in DIRECT_KINDS:
        raise ProtocolError(f"a direct line's kind should be one of {', '.join(DIRECT_KINDS)}, got {frame['kind']!r}")
    if frame["room"] != member.room:
        raise Refused("wrong_room", f"direct line is for room {frame['room']!r} but you are in {member.room!r}")
    return {"type": "direct", "room": member.room, "from": member.name, "kind": frame["kind"], "body": frame["body"]}
