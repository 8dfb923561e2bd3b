"""Notebook 12's attacks, on the kit's own servers: who can still read a group after it changed (S15).

Sealed: a member who leaves keeps the passphrase and reads every later message. Ratchet: a removed member, still
connected and holding every key it had, opens nothing new; a newcomer opens nothing stored from before it came; a
server that shows two sides of a room different changes is caught by the group hash in every message.
"""

import secrets
import time
from collections.abc import Iterator
from typing import cast

import pytest

from chatkit.client import ChatClient
from chatkit.client.events import Wire
from chatkit.crypto import group_state, signing
from chatkit.lab import Stage
from chatkit.lab.fork import ForkingRules, forked, forking_stage
from chatkit.lab.leaver import read_with_passphrase
from chatkit.lab.memory_parts import Seat
from chatkit.lab.stored import stored_lines
from chatkit.lab.thief import Thief
from chatkit.protocol import Refused, b64
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules

FAST = 1_000  # PBKDF2 iterations for the sealed clients (the kit's default is 600,000)


@pytest.fixture
def stages() -> Iterator[list[Stage]]:
    made: list[Stage] = []
    yield made
    for stage in made:
        stage.stop()


@pytest.fixture
def thieves() -> Iterator[list[Thief]]:
    made: list[Thief] = []
    yield made
    for thief in made:
        thief.close()


def group_of(stage: Stage, names: list[str]) -> dict[str, ChatClient]:
    """Connect the people one after the other; each is added by the group before the next comes."""
    people: dict[str, ChatClient] = {}
    for name in names:
        people[name] = stage.client(name)
        for person in people.values():
            person.wait_for_group(people)
    return people


def message_lines(person: ChatClient) -> list[bytes]:
    return [e.line for e in list(person.history) if isinstance(e, Wire) and b'"type": "message"' in e.line]


def wait_for_lines(person: ChatClient, count: int, timeout: float = 10.0) -> list[bytes]:
    """Wait until a client has received at least `count` message lines (opened or not); return them."""
    deadline = time.monotonic() + timeout
    while len(lines := message_lines(person)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{person.name} got {len(lines)} message lines in {timeout} s, expected {count}")
        time.sleep(0.02)
    return lines


def test_a_sealed_member_who_left_reads_what_is_said_after(stages: list[Stage]) -> None:
    stages.append(stage := Stage("sealed", iterations=FAST))
    alice, eve = stage.client("alice"), stage.client("eve")
    kept = stage.password
    eve.close()
    secret = f"after eve left: {secrets.token_hex(4)}"
    alice.send(secret)
    alice.wait_for_message(secret, own=True)
    assert ("alice", secret) in read_with_passphrase(stage, kept)


def test_a_removed_member_reads_nothing_new_even_with_every_key_it_held(
    stages: list[Stage], thieves: list[Thief]
) -> None:
    stages.append(stage := Stage("ratchet"))
    people = group_of(stage, ["alice", "bob", "eve"])
    thieves.append(thief := Thief(people["eve"].snapshot()))
    thief.watch_client(people["eve"])
    before = len(message_lines(people["eve"]))
    people["alice"].remove("eve")
    for name in ("alice", "bob"):
        people[name].wait_for_group(["alice", "bob"])
    secret = f"eve is gone: {secrets.token_hex(4)}"
    people["bob"].send(secret)
    people["alice"].wait_for_message(secret)
    people["bob"].send("last line")
    people["alice"].wait_for_message("last line")
    wait_for_lines(people["eve"], before + 2)  # both lines reached eve's client
    assert people["eve"].connected, "eve stays connected: the server still sends her every line"
    assert all(message.text != secret for message in people["eve"].messages())
    assert thief.opened == []


def test_a_newcomer_opens_nothing_stored_from_before_it_came(stages: list[Stage], thieves: list[Thief]) -> None:
    stages.append(stage := Stage("ratchet"))
    people = group_of(stage, ["alice", "bob"])
    older = [f"before frank: {secrets.token_hex(4)}" for _ in range(3)]
    for text in older:
        people["alice"].send(text)
        people["bob"].wait_for_message(text)
    people.update(group_of_more(stage, people, "frank"))
    history = stored_lines(stage)
    assert len(history) == len(older)
    thieves.append(newcomer := Thief(people["frank"].snapshot()))
    assert newcomer.watch_lines(history) == []
    people["alice"].send("welcome frank")
    assert people["frank"].wait_for_message("welcome frank").sender == "alice"


def group_of_more(stage: Stage, people: dict[str, ChatClient], name: str) -> dict[str, ChatClient]:
    """Connect one more person and wait until everyone's group has them."""
    everyone = {**people, name: stage.client(name)}
    for person in everyone.values():
        person.wait_for_group(everyone)
    return everyone


def test_a_server_that_forks_the_group_is_caught(stages: list[Stage]) -> None:
    stages.append(stage := forking_stage())
    people = group_of(stage, ["alice", "bob", "carol", "dave"])
    with forked(stage, {"alice": "A", "bob": "A", "carol": "B", "dave": "B"}):
        people["alice"].remove("carol")
        for name in ("alice", "bob"):
            people[name].wait_for_group(["alice", "bob", "dave"])
        people["dave"].update()
        for name in ("carol", "dave"):
            people[name].wait_for_group(["alice", "bob", "carol", "dave"], epoch=4)
        states = {name: person.group for name, person in people.items()}
        assert {state.epoch for state in states.values() if state} == {4}
        assert states["alice"] and states["dave"] and states["alice"].hash != states["dave"].hash
        secret = f"carol is out: {secrets.token_hex(4)}"
        people["alice"].send(secret)
        assert "fork" in people["dave"].wait_for_problem("fork").text
        people["dave"].send("from side B")
        assert "fork" in people["bob"].wait_for_problem("fork").text
    assert all(message.text != secret for message in people["dave"].messages())


def test_an_honest_server_refuses_the_stale_change_the_forking_one_takes() -> None:
    creator = signing.new_identity()
    state, created = group_state.create(creator, "alice", "general")
    later = group_state.make_change(creator, "alice", state, "update", "alice", signing.public_bytes(creator))
    stale = {**later, "epoch": 5}  # not the next epoch of the room's head
    member = cast(Member, Seat("alice", "general"))  # the rules read only name, room and pubkey
    honest, forking = RatchetRules(), ForkingRules()
    heads = [b64(hashed.hash) for hashed in (state, group_state.apply(state, later, "general"))]
    for rules in (honest, forking):
        rules.order(member, {"type": "change", "room": "general", "change": created, "head": heads[0]})
    with pytest.raises(Refused, match="another group state"):
        honest.order(member, {"type": "change", "room": "general", "change": stale, "head": heads[1]})
    forking.forking = True
    assert forking.order(member, {"type": "change", "room": "general", "change": stale, "head": heads[1]})["id"] == 2
