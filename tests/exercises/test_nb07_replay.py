"""Checks for notebook 07's replay and impersonation exercises, against a live classic stage (random texts)."""

import secrets
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage
from chatkit.lab import TO_CLIENT, TO_SERVER, Captured, Relay, Stage

Load = Callable[[str], ModuleType]
StageFactory = Callable[..., Stage]


def connection_of(relay: Relay, name: str) -> int:
    """Return the relay's connection number that said hello as `name`."""
    return next(seen.connection for seen in relay.lines(TO_SERVER, '"hello"') if f'"{name}"'.encode() in seen.line)


def copies(client: ChatClient, text: str, count: int) -> list[ChatMessage]:
    """Wait until `client` has received `text` at least `count` times; return those messages."""
    client.wait_for(lambda _: len([m for m in client.messages() if m.text == text]) >= count, timeout=5)
    return [m for m in client.messages() if m.text == text]


def test_replay_repeats_a_message(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb07_replay")
    stage = stage_factory("classic")
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    text = f"transfer {secrets.randbelow(1000)} to mallory"
    alice.send(text)
    copies(bob, text, 1)
    seen = relay.lines(TO_SERVER, '"say"')[-1]
    ex.replay(relay, seen, seen.connection, times=2)
    assert [m.sender for m in copies(bob, text, 3)] == ["alice"] * 3
    with pytest.raises(ValueError):
        ex.replay(relay, seen, seen.connection, times=ex.MAX_REPLAYS + 1)


def test_replay_moves_a_message_to_another_room(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb07_replay")
    stage = stage_factory("classic")
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    stage.client("carol", room="board", via=relay)
    dave = stage.client("dave", room="board")
    text = f"the board meets at {secrets.randbelow(24)}h"
    alice.send(text)
    copies(bob, text, 1)
    ex.replay(relay, relay.lines(TO_SERVER, '"say"')[-1], connection_of(relay, "carol"))
    moved = copies(dave, text, 1)[0]
    assert (moved.room, moved.sender) == ("board", "carol")


def test_relabel_changes_the_sender_bob_sees(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb07_replay")
    notice = b'{"type": "notice", "text": "alice joined general"}\n'
    assert ex.relabel(notice, "alice") == notice
    stage = stage_factory("classic")
    relay = stage.relay()

    def tamper(seen: Captured) -> bytes:
        line = seen.line
        return bytes(ex.relabel(line, "alice")) if seen.direction == TO_CLIENT else line

    relay.tamper = tamper
    bob = stage.client("bob", via=relay)
    mallory = stage.client("mallory")
    text = f"ignore my last message, {secrets.token_hex(3)}"
    mallory.send(text)
    assert copies(bob, text, 1)[0].sender == "alice"


def test_forge_message_shows_as_someone_else(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb07_replay")
    stage = stage_factory("classic")
    relay = stage.relay()
    bob = stage.client("bob", via=relay)
    text = f"send the files to mallory, {secrets.token_hex(3)}"
    line = ex.forge_message(stage.password, "general", "alice", text)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    relay.inject(connection_of(relay, "bob"), TO_CLIENT, line)
    forged = copies(bob, text, 1)[0]
    assert (forged.sender, forged.room) == ("alice", "general")
