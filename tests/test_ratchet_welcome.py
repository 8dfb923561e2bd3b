"""Attack first: forged welcomes, from a malicious server or a member (docs/security.md, the ratchet mode's limits).

A newcomer cannot check the group's history before it joined: it takes the state its welcome describes. What it
can check, it does: the state's hash must be the parent of the add it saw and, at the epoch the server announced,
that head; the add must be signed by a member of that state and add the newcomer with its own key; and no member's
key may contradict a pin. A refused welcome loses nothing: the genuine one after it is still taken. What it cannot
check is a limit: a server may welcome a newcomer who has pinned nobody into a group of names it invented.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chatkit import protocol
from chatkit.client.events import Problem
from chatkit.client.keystore import KeyStore
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.ratchet_group import welcome_body
from chatkit.client.session import ClientSession, Outcome
from chatkit.crypto import group_state, signing
from chatkit.crypto.group_state import GroupState
from chatkit.protocol import Frame, b64

ROOM = "lab"


@dataclass
class Newcomer:
    """Carol, joining a room whose group (alice and bob) exists, fed lines by hand as the server would send them."""

    session: ClientSession
    public: bytes
    store: KeyStore

    def receive(self, frame: Frame) -> Outcome:
        return self.session.receive(protocol.encode(frame))

    def joined(self, head: GroupState) -> None:
        self.receive({"type": "joined", "room": ROOM, "head": {"epoch": head.epoch, "hash": b64(head.hash)}})

    def added(self, change: dict[str, object], welcome: GroupState, sender: str = "alice") -> list[Problem]:
        """Receive an add and then a welcome; return the problems reported."""
        self.receive({"type": "change", "room": ROOM, "id": 7, "sender": sender, "change": change})
        body = welcome_body(welcome)
        outcome = self.receive({"type": "direct", "room": ROOM, "from": sender, "kind": "welcome", "body": body})
        return [event for event in outcome.events if isinstance(event, Problem)]

    def group(self) -> GroupState | None:
        codec = self.session.codec
        return codec.group.state if isinstance(codec, RatchetCodec) else None


@dataclass
class Room:
    """The real group of alice and bob, at epoch 1."""

    alice: signing.Identity
    bob: signing.Identity
    state: GroupState

    def add(
        self, state: GroupState, name: str, key: bytes, by: signing.Identity, signer: str = "alice"
    ) -> dict[str, Any]:
        return group_state.make_change(by, signer, state, "add", name, key)


@pytest.fixture
def room() -> Room:
    alice, bob = signing.new_identity(), signing.new_identity()
    created, _ = group_state.create(alice, "alice", ROOM)
    state = group_state.apply(created, group_state.make_change(alice, "alice", created, "add", "bob", key(bob)), ROOM)
    return Room(alice, bob, state)


@pytest.fixture
def carol(tmp_path: Path) -> Newcomer:
    store = KeyStore(tmp_path / "carol")
    session = ClientSession("carol", ROOM, RatchetCodec(store.identity(), store))
    session.hello()
    return Newcomer(session, key(store.identity()), store)


def key(identity: signing.Identity) -> bytes:
    return signing.public_bytes(identity)


def forged_state(members: list[tuple[str, bytes]], epoch: int = 1) -> GroupState:
    """A state the server made up: any members, any keys, a parent of its choice."""
    return GroupState(ROOM, epoch, tuple(members), bytes(range(32)))


def test_control_the_genuine_welcome_is_taken(room: Room, carol: Newcomer) -> None:
    carol.joined(room.state)
    problems = carol.added(room.add(room.state, "carol", carol.public, room.alice), room.state)
    state = carol.group()
    assert not problems and state is not None and state.names == ("alice", "bob", "carol") and state.epoch == 2


def test_a_welcome_that_is_not_the_state_the_add_was_made_on_is_refused(room: Room, carol: Newcomer) -> None:
    carol.joined(room.state)
    other = forged_state([("alice", key(room.alice)), ("mallory", key(signing.new_identity()))])
    problems = carol.added(room.add(room.state, "carol", carol.public, room.alice), other)
    assert [p.code for p in problems] == ["bad_change"] and "not the state" in problems[0].text
    assert carol.group() is None
    later = {"type": "direct", "room": ROOM, "from": "alice", "kind": "welcome", "body": welcome_body(room.state)}
    carol.receive(later)  # the genuine welcome, after the forged one, is still taken
    assert (state := carol.group()) is not None and state.names == ("alice", "bob", "carol")


def test_a_welcome_at_the_announced_epoch_with_another_hash_is_refused(room: Room, carol: Newcomer) -> None:
    mallory = signing.new_identity()
    carol.joined(room.state)
    other = forged_state([("mallory", key(mallory)), ("bob", key(room.bob))])
    problems = carol.added(room.add(other, "carol", carol.public, mallory, "mallory"), other, "mallory")
    assert [p.code for p in problems] == ["bad_change"] and "head the server announced" in problems[0].text
    assert carol.group() is None
    problems = carol.added(room.add(room.state, "carol", carol.public, room.alice), room.state)
    assert not problems and (state := carol.group()) is not None and state.names == ("alice", "bob", "carol")


def test_a_welcome_whose_add_no_member_of_it_signed_is_refused(room: Room, carol: Newcomer) -> None:
    carol.joined(room.state)
    outsider = signing.new_identity()  # signs as alice, but alice's key in the state is the real one
    problems = carol.added(room.add(room.state, "carol", carol.public, outsider), room.state)
    assert [p.code for p in problems] == ["bad_change"] and "signature" in problems[0].text
    assert carol.group() is None


def test_an_add_of_the_newcomer_with_another_key_is_refused(room: Room, carol: Newcomer) -> None:
    server_key = key(signing.new_identity())  # the server put its own key in carol's knock; alice added that
    carol.joined(room.state)
    problems = carol.added(room.add(room.state, "carol", server_key, room.alice), room.state)
    assert [p.code for p in problems] == ["key_changed"] and "not yours" in problems[0].text
    assert carol.group() is None


def test_a_welcome_with_a_key_that_contradicts_a_pin_is_refused(room: Room, carol: Newcomer) -> None:
    carol.store.accept("alice", key(room.alice))  # carol met alice before (another room, or the sealed mode)
    server = signing.new_identity()
    other = forged_state([("alice", key(server)), ("bob", key(room.bob))])
    carol.joined(other)  # the server announces the head of its own state: that check cannot help here
    problems = carol.added(room.add(other, "carol", carol.public, server), other)
    assert [p.code for p in problems] == ["key_changed"] and "alice" in problems[0].text
    assert carol.group() is None


def test_limit_a_server_can_welcome_a_newcomer_into_a_group_of_names_it_has_not_met(
    room: Room, carol: Newcomer
) -> None:
    carol.store.accept("alice", key(room.alice))  # a pin protects alice's name only
    server = signing.new_identity()
    invented = forged_state([("mallory", key(server)), ("trent", key(signing.new_identity()))], epoch=0)
    carol.joined(invented)
    problems = carol.added(room.add(invented, "carol", carol.public, server, "mallory"), invented, "mallory")
    state = carol.group()
    assert not problems and state is not None and state.names == ("mallory", "trent", "carol")
    pin = carol.store.pin("mallory")
    assert pin is not None and pin.public == key(server)  # pinned on first use: the server's key, for now
    # what carol can do: see the signed member list (no alice, no bob) and compare safety numbers with each name
