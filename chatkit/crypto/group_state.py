"""The group: who is in a room, at which epoch, and the signed changes that move it on (S15).

The server orders the changes but cannot make one: every change is signed by a current member's identity key and
names the hash of the state it changes (its parent), so each member checks it against the group it knows. Two
members shown different groups by the server hold states with different hashes; each message carries that hash,
so they notice (a fork). A 'create' names 32 random bytes as its parent (the group's id): a group made again in
the same room has other hashes, so no change or message of the old group fits the new one.

>>> from chatkit.crypto import signing
>>> alice, bob = signing.new_identity(), signing.new_identity()
>>> group, created = create(alice, "alice", "lab")
>>> apply(None, created, "lab") == group                  # anyone can check the creation
True
>>> create(alice, "alice", "lab")[0].hash != group.hash  # the room emptied and alice makes it again: another group
True
>>> added = make_change(alice, "alice", group, "add", "bob", signing.public_bytes(bob))
>>> later = apply(group, added, "lab")
>>> later.epoch, later.names, later.parent == group.hash, later.hash != group.hash
(1, ('alice', 'bob'), True, True)

The same change again is refused: the state it was made on is gone.

>>> apply(later, added, "lab")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
chatkit.crypto.errors.BadChange: group change refused: this change was made on another group state: ...
"""

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chatkit.crypto import labels, signing
from chatkit.crypto.errors import BadChange, BadSignature
from chatkit.crypto.fields import b64, message_fields, number_field, raw_field, text_field

KINDS = ("create", "add", "remove", "update")
HASH_BYTES = 32  # a state's hash, which the next state names as its parent


def _framed(text_or_bytes: str | bytes | int) -> bytes:
    """Encode one value with its length in front, so that no two lists of values give the same bytes."""
    data = text_or_bytes.to_bytes(8, "big") if isinstance(text_or_bytes, int) else text_or_bytes
    data = data.encode() if isinstance(data, str) else data
    return len(data).to_bytes(4, "big") + data


@dataclass(frozen=True)
class GroupState:
    """One epoch of a group: its members in the order they joined, and the hash of the state before."""

    room: str
    epoch: int
    members: tuple[tuple[str, bytes], ...]  # (name, Ed25519 identity key)
    parent: bytes

    @property
    def hash(self) -> bytes:
        """Return SHA-256 over a label and all of the state: any other member, key or epoch gives another hash."""
        parts = [self.room, self.epoch, len(self.members), *(part for member in self.members for part in member)]
        return hashlib.sha256(labels.GROUP_STATE_HASH + b"".join(map(_framed, [*parts, self.parent]))).digest()

    @property
    def names(self) -> tuple[str, ...]:
        """Return the members' names, in the order they joined."""
        return tuple(name for name, _ in self.members)

    def key_of(self, name: str) -> bytes | None:
        """Return a member's identity key, or None if they are not a member."""
        return dict(self.members).get(name)

    def is_member(self, name: str) -> bool:
        """Return whether name is a member of this state."""
        return self.key_of(name) is not None


def _signed_bytes(room: str, fields: Mapping[str, Any]) -> bytes:
    """Return what a change's signature covers: the room and every field but the signature, in a fixed order."""
    values = [room, fields["kind"], fields["name"], fields["pubkey"], fields["epoch"], fields["parent"], fields["by"]]
    return b"".join(map(_framed, values))


def sign_change(identity: signing.Identity, room: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Sign a change's fields (bytes as raw bytes) and return it ready for the wire (bytes as base64)."""
    signature = signing.sign(identity, labels.GROUP_CHANGE_SIGNATURE, _signed_bytes(room, fields))
    return fields | {"pubkey": b64(fields["pubkey"]), "parent": b64(fields["parent"]), "signature": b64(signature)}


def create(identity: signing.Identity, name: str, room: str) -> tuple[GroupState, dict[str, Any]]:
    """Start a group with me as its only member; return its first state and the signed 'create' change."""
    public = signing.public_bytes(identity)
    group_id = os.urandom(HASH_BYTES)  # epoch 0's parent: a group made again has other hashes, so old changes fail
    fields = {"kind": "create", "name": name, "pubkey": public, "epoch": 0, "parent": group_id, "by": name}
    return GroupState(room, 0, ((name, public),), group_id), sign_change(identity, room, fields)


def make_change(
    identity: signing.Identity, by: str, state: GroupState, kind: str, name: str, pubkey: bytes
) -> dict[str, Any]:
    """Sign a change of state (add, remove or update a member) for the next epoch."""
    fields = {"kind": kind, "name": name, "pubkey": pubkey, "epoch": state.epoch + 1, "parent": state.hash, "by": by}
    return sign_change(identity, state.room, fields)


def _read(change: object) -> dict[str, Any]:
    """Return a change's fields with its bytes decoded, or raise BadChange naming the bad field."""
    fields = message_fields(change, "change", BadChange)
    kind = text_field(fields, "kind", "change", BadChange)
    if kind not in KINDS:
        raise BadChange(f"unknown kind of change {kind!r}: expected one of {', '.join(KINDS)}")
    read: dict[str, Any] = {"kind": kind, "name": text_field(fields, "name", "change", BadChange)}
    read["pubkey"] = raw_field(fields, "pubkey", "change", BadChange, signing.PUBLIC_KEY_BYTES)
    read["epoch"] = number_field(fields, "epoch", "change", BadChange)
    read["parent"] = raw_field(fields, "parent", "change", BadChange, HASH_BYTES)
    read["by"] = text_field(fields, "by", "change", BadChange)
    read["signature"] = raw_field(fields, "signature", "change", BadChange, signing.SIGNATURE_BYTES)
    return read


def _check_signature(room: str, fields: Mapping[str, Any], signer_key: bytes) -> None:
    """Check the change's signature with the signer's key from the group state, or raise BadChange."""
    try:
        signing.verify(signer_key, fields["signature"], labels.GROUP_CHANGE_SIGNATURE, _signed_bytes(room, fields))
    except BadSignature:
        raise BadChange(f"the signature does not match {fields['by']}'s identity key") from None


def _create(change: Mapping[str, Any], room: str) -> GroupState:
    """Check a 'create' change (epoch 0, its group's random id as parent, signed by its only member)."""
    if change["epoch"] != 0 or change["by"] != change["name"]:
        raise BadChange("a 'create' starts epoch 0, made by its only member")
    _check_signature(room, change, change["pubkey"])
    return GroupState(room, 0, ((change["name"], change["pubkey"]),), change["parent"])


def _check_place(state: GroupState, change: Mapping[str, Any]) -> None:
    """Refuse a change not made on this state, not for the next epoch, or not by one of its members."""
    if change["parent"] != state.hash:
        raise BadChange("this change was made on another group state: the server may be showing you a different group")
    if change["epoch"] != state.epoch + 1:
        raise BadChange(f"wrong epoch: the group is at epoch {state.epoch}, so the change should be {state.epoch + 1}")
    signer_key = state.key_of(change["by"])
    if signer_key is None:
        raise BadChange(f"{change['by']} is not a member of the group: only a member can change it")
    _check_signature(state.room, change, signer_key)


def _members_after(state: GroupState, change: Mapping[str, Any]) -> tuple[tuple[str, bytes], ...]:
    """Return the member list once the change is made, or raise BadChange if it cannot be made."""
    kind, name, pubkey = change["kind"], change["name"], change["pubkey"]
    if kind == "add":
        if state.is_member(name):
            raise BadChange(f"{name} is already a member of the group")
        return (*state.members, (name, pubkey))
    if state.key_of(name) != pubkey:
        raise BadChange(f"{name} is not a member of the group with that identity key")
    if kind == "update" and name != change["by"]:
        raise BadChange(f"an update names the member who makes it ({change['by']}), not {name}")
    return tuple(member for member in state.members if member[0] != name) if kind == "remove" else state.members


def apply(state: GroupState | None, change: object, room: str) -> GroupState:
    """Check a signed change against the group state I know and return the next state, or raise BadChange."""
    fields = _read(change)
    if state is not None and state.room != room:
        raise BadChange(f"this group is room {state.room!r}, not {room!r}")
    if fields["kind"] == "create":
        if state is not None:
            raise BadChange("the group already exists: a 'create' cannot change it")
        return _create(fields, room)
    if state is None:
        raise BadChange(f"there is no group yet: only a 'create' can start one, not {fields['kind']!r}")
    _check_place(state, fields)
    return GroupState(room, fields["epoch"], _members_after(state, fields), state.hash)
