"""Checks for notebook 12's exercises: signed changes from a live ratchet stage, forks, envelopes counted for real.

Names, identities and group sizes are random per run, so a hard-coded answer cannot pass.
"""

import base64
import json
import os
import secrets
from collections.abc import Callable
from types import ModuleType
from typing import Any

from chatkit.client.events import Wire
from chatkit.crypto import group_state, signing
from chatkit.lab import Stage
from chatkit.lab.memory_relay import MemoryRelay

Load = Callable[[str], ModuleType]
StageFactory = Callable[..., Stage]


def random_names(count: int) -> list[str]:
    return [f"p{secrets.token_hex(3)}" for _ in range(count)]


def received(person: Any, kind: str) -> list[dict[str, Any]]:
    """Return the frames of one type a live client received, in order."""
    frames = [json.loads(e.line) for e in list(person.history) if isinstance(e, Wire) and e.direction == "received"]
    return [frame for frame in frames if frame.get("type") == kind]


def test_members_from_the_changes_a_live_member_received(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("ratchet")
    names = random_names(3)
    people = []
    for name in names:
        people.append(stage.client(name))
        for person in people:
            person.wait_for_group(names[: len(people)])
    people[0].remove(names[1])
    people[0].wait_for_group([names[0], names[2]])
    changes = [frame["change"] for frame in received(people[0], "change")]
    assert exercise("nb12_groups").members_from_changes("general", changes) == (names[0], names[2])


def test_members_from_changes_skips_what_no_member_signed(exercise: Load) -> None:
    room, (first, second, outsider) = f"r{secrets.token_hex(2)}", random_names(3)
    keys = {name: signing.new_identity() for name in (first, second, outsider)}
    state, created = group_state.create(keys[first], first, room)
    added = group_state.make_change(keys[first], first, state, "add", second, signing.public_bytes(keys[second]))
    # The server slips in a change signed by someone who is not a member, naming the right state:
    forged = group_state.make_change(
        keys[outsider], first, state, "add", outsider, signing.public_bytes(keys[outsider])
    )
    result = exercise("nb12_groups").members_from_changes(room, [created, forged, added])
    assert result == (first, second)


def test_is_fork_on_live_messages(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("ratchet")
    names = random_names(2)
    first, second = stage.client(names[0]), stage.client(names[1])
    for person in (first, second):
        person.wait_for_group(names)
    text = secrets.token_hex(4)
    first.send(text)
    second.wait_for_message(text)
    (message,) = [frame for frame in received(second, "message") if frame["sender"] == names[0]]
    state = second.group
    assert state is not None
    other = base64.b64encode(os.urandom(32)).decode()
    is_fork = exercise("nb12_groups").is_fork
    assert is_fork(message, state) is False
    assert is_fork({**message, "group": other}, state) is True
    assert is_fork({**message, "group": other, "epoch": state.epoch + 1}, state) is False


def test_pairwise_envelopes_as_the_real_members_send_them(exercise: Load) -> None:
    size = 4 + secrets.randbelow(4)
    relay = MemoryRelay()
    try:
        for name in random_names(size - 1):
            relay.join(name)
        before = relay.sent["envelope"]
        newcomer = f"n{secrets.token_hex(3)}"
        relay.join(newcomer)
        added = relay.sent["envelope"] - before
        first = next(iter(relay.sessions))
        relay.act(first, relay.codec(first).remove(newcomer))
        removed = relay.sent["envelope"] - before - added
    finally:
        relay.close()
    count = exercise("nb12_groups").pairwise_envelopes
    assert (count("add", size), count("remove", size)) == (added, removed)
