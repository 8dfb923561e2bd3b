"""Notebook 04's attacks, run against the kit's own stages: a password from one captured line, and precomputation.

Against classic stages both succeed; against sealed stages the hello carries nothing to test, and a table of
static-salt keys opens nothing, because every room has its own random salt.
"""

import base64
import json
import random
import secrets
from pathlib import Path
from types import ModuleType

import pytest

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Wire
from chatkit.crypto import CannotDecrypt, labels, room_params, sealed
from chatkit.lab import Stage
from chatkit.lab.exercises import load_solution
from chatkit.protocol import header_bytes

WORDS_FILE = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "passwords.txt"
SAMPLE = 60  # enough to make the point; the notebook runs the whole list


@pytest.fixture
def attack() -> ModuleType:
    """The instructor's solution module for notebook 04."""
    return load_solution("nb04_passwords")


@pytest.fixture
def words() -> list[str]:
    lines = WORDS_FILE.read_text().splitlines()
    return random.sample([line.strip() for line in lines if line.strip() and not line.startswith("#")], SAMPLE)


def sent_line(client: ChatClient, kind: str) -> bytes:
    """The first line of a kind this client sent, as an eavesdropper on its connection captures it."""
    sent = [e.line for e in list(client.history) if isinstance(e, Wire) and e.direction == "sent"]
    return next(line for line in sent if f'"type": "{kind}"'.encode() in line)


def opens_sealed_message(key: bytes, message: ChatMessage) -> bool:
    """Return True if `key` opens a sealed message captured on the wire."""
    frame = json.loads(message.line)
    header = header_bytes(frame["room"], frame["sender"], frame["counter"], frame["time"])
    nonce, ciphertext = (base64.b64decode(frame[name]) for name in ("nonce", "ciphertext"))
    try:
        sealed.open_sealed(key, nonce, ciphertext, labels.MESSAGE_AD, header)
    except CannotDecrypt:
        return False
    return True


def captured_sealed_message(stage: Stage) -> tuple[ChatMessage, room_params.RoomParams]:
    """Have someone say something on a sealed stage; return the message and the room's parameters from the wire."""
    client = stage.client(f"u{secrets.token_hex(3)}")
    client.send("meet at noon")
    message = client.wait_for(lambda e: isinstance(e, ChatMessage) and e.own)
    assert isinstance(message, ChatMessage)
    offer = json.loads(sent_line(client, "check"))  # the first member chose the room's parameters
    return message, room_params.from_fields(offer["kdf"])


def test_one_captured_hello_gives_the_classic_password(
    attack: ModuleType, stages: list[Stage], words: list[str]
) -> None:
    stages.append(stage := Stage("classic", password=secrets.choice(words)))
    hello = sent_line(stage.client("alice"), "hello")
    assert attack.recover_password(hello, words) == stage.password


def test_one_table_opens_two_classic_deployments(attack: ModuleType, stages: list[Stage], words: list[str]) -> None:
    table = attack.precompute(words)
    for _ in range(2):
        stages.append(stage := Stage("classic", password=secrets.choice(words)))
        assert attack.look_up(table, sent_line(stage.client("teacher"), "hello")) == stage.password


def test_a_sealed_hello_carries_nothing_to_test(stages: list[Stage], words: list[str]) -> None:
    stages.append(stage := Stage("sealed", password=secrets.choice(words)))
    hello = json.loads(sent_line(stage.client("alice"), "hello"))
    assert "proof" not in hello and set(hello) == {"type", "name", "room", "pubkey"}


def test_static_salt_table_opens_no_sealed_deployment(
    attack: ModuleType, stages: list[Stage], words: list[str]
) -> None:
    password = secrets.choice(words)
    table = attack.precompute(words)
    salts = []
    for _ in range(2):
        stages.append(stage := Stage("sealed", password=password))
        message, params = captured_sealed_message(stage)
        salts.append(params.salt)
        assert not any(opens_sealed_message(key, message) for key in table.values())
        right_key = room_params.room_key(password, message.room, params)
        assert opens_sealed_message(right_key, message)  # the guess works only with this room's own salt
    assert salts[0] != salts[1]
