"""Notebook 03's attacks, run against the kit's own stages: what the server and the network see.

The classic server's log gives every message away; the sealed server's does not. Metadata stays visible in both
modes. Lengths give classic answers away; the sealed mode pads every text to 32-byte buckets, so the same guess
fails there. These tests pin both down so the notebook stays true.
"""

import base64
import json
import secrets
from pathlib import Path
from types import ModuleType

import pytest

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Wire
from chatkit.lab import Stage
from chatkit.lab.exercises import load_solution

ANSWERS = ["yes", "no, sorry, I am busy tonight", "maybe later this week, if the weather holds up"]


@pytest.fixture
def attack() -> ModuleType:
    """The instructor's solution module for notebook 03."""
    return load_solution("nb03_eavesdrop")


def send_and_wait(client: ChatClient, text: str) -> None:
    client.send(text)
    client.wait_for(lambda e: isinstance(e, ChatMessage) and e.own and e.text == text)


def wire_lines(client: ChatClient, direction: str) -> list[bytes]:
    """The lines this client sent or received: exactly what an eavesdropper on its connection captures."""
    return [e.line for e in list(client.history) if isinstance(e, Wire) and e.direction == direction]


def database_bytes(db_path: str) -> bytes:
    """Every byte the server's database keeps on disk, journal files included."""
    files = [Path(db_path), Path(db_path + "-wal"), Path(db_path + "-journal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_classic_server_log_gives_every_message_away(attack: ModuleType, stages: list[Stage]) -> None:
    stages.append(stage := Stage("classic"))
    secret = f"the door code is {secrets.randbelow(10_000):04d}"
    send_and_wait(stage.client("alice"), secret)
    stage.server.log.flush()
    assert ("general", "alice", secret) in attack.read_server_log(stage.server.db_path)
    assert secret.encode() in database_bytes(stage.server.db_path)


def test_sealed_server_log_holds_no_plaintext(attack: ModuleType, stages: list[Stage]) -> None:
    stages.append(stage := Stage("sealed"))
    secret = f"the door code is {secrets.token_hex(8)}"
    send_and_wait(stage.client("alice"), secret)
    stage.server.log.flush()
    rows = attack.read_server_log(stage.server.db_path)
    assert len(rows) == 1 and secret not in rows[0][2]
    assert secret.encode() not in database_bytes(stage.server.db_path)


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_who_talked_where_is_visible_in_both_modes(mode: str, attack: ModuleType, stages: list[Stage]) -> None:
    stages.append(stage := Stage(mode))
    room = f"r{secrets.token_hex(3)}"
    alice, bob = stage.client("alice", room=room), stage.client("bob", room=room)
    send_and_wait(alice, "hi")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.sender == "alice")
    assert attack.who_talked_where(wire_lines(bob, "received")) == [(room, "alice")]


def test_classic_lengths_give_multi_block_answers_away(attack: ModuleType, stages: list[Stage]) -> None:
    stages.append(stage := Stage("classic"))
    bob = stage.client("bob")
    sent = [secrets.choice(ANSWERS) for _ in range(6)]
    for text in sent:
        send_and_wait(bob, text)
    tokens = [json.loads(line)["ciphertext"] for line in wire_lines(bob, "sent") if b'"type": "say"' in line]
    assert [attack.guess_from_length(token, ANSWERS) for token in tokens] == sent


def test_sealed_mode_pads_answers_to_the_same_length(attack: ModuleType, stages: list[Stage]) -> None:
    stages.append(stage := Stage("sealed"))
    bob = stage.client("bob")
    for text in ANSWERS:
        send_and_wait(bob, text)
    sizes = {len(base64.b64decode(m.ciphertext)) for m in bob.messages() if m.text in ANSWERS and len(m.text) < 32}
    assert sizes == {32 + 16}, "every answer shorter than a bucket should look alike: 32 padded bytes plus the tag"
