"""Checks for notebook 08's AEAD exercises, on messages from a live sealed stage (random texts and keys)."""

import base64
import json
import os
import secrets
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from chatkit import protocol
from chatkit.client.events import ChatMessage
from chatkit.crypto import CannotDecrypt, labels, lengths, signing
from chatkit.lab import Stage

Load = Callable[[str], ModuleType]
Frame = dict[str, Any]


def a_sealed_message(stage_factory: Callable[..., Stage]) -> tuple[str, Frame, bytes]:
    """Start a sealed stage, let Alice say something random; return (text, the frame Bob got, Bob's room key)."""
    stage = stage_factory("sealed", iterations=1000)
    alice, bob = stage.client("alice"), stage.client("bob")
    text = f"meet at dock {secrets.randbelow(100)}, {secrets.token_hex(4)}"
    alice.send(text)
    got = bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.sender == "alice", timeout=5)
    assert isinstance(got, ChatMessage)
    return text, json.loads(got.line), bob.codec.keys["general"]  # type: ignore[union-attr]


def flipped(field: str, frame: Frame) -> Frame:
    """Return a copy of the frame with one random bit of a base64 field flipped."""
    raw = bytearray(base64.b64decode(frame[field]))
    raw[secrets.randbelow(len(raw))] ^= 1 << secrets.randbelow(8)
    return {**frame, field: base64.b64encode(bytes(raw)).decode()}


def test_parts_of_a_sealed_line(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb08_aead")
    text, frame, _ = a_sealed_message(stage_factory)
    part = ex.parts(frame)
    assert json.loads(part["header"]) == [frame["room"], frame["sender"], frame["counter"], frame["time"]]
    sizes = {name: len(part[name]) for name in ("nonce", "ciphertext", "tag", "signature", "pubkey")}
    padded = len(lengths.pad_to_bucket(text.encode()))  # the sealed client pads every text to a 32-byte bucket
    assert sizes == {"nonce": 12, "ciphertext": padded, "tag": 16, "signature": 64, "pubkey": 32}


def test_open_message_reads_a_genuine_message(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb08_aead")
    text, frame, key = a_sealed_message(stage_factory)
    assert ex.open_message(key, frame) == text


def test_open_message_rejects_every_change(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb08_aead")
    _, frame, key = a_sealed_message(stage_factory)
    changes = [
        flipped("ciphertext", frame),
        flipped("nonce", frame),
        {**frame, "room": "board"},
        {**frame, "sender": "mallory"},
        {**frame, "counter": frame["counter"] + 1},
    ]
    for changed in changes:
        with pytest.raises(CannotDecrypt):
            ex.open_message(key, changed)
    with pytest.raises(CannotDecrypt):
        ex.open_message(os.urandom(32), frame)


def resigned(frame: Frame, identity: signing.Identity) -> Frame:
    """Return the frame signed again by another key, with that key attached (what a malicious server can do)."""
    header = protocol.header_bytes(frame["room"], frame["sender"], frame["counter"], frame["time"])
    data = header + base64.b64decode(frame["nonce"]) + base64.b64decode(frame["ciphertext"])
    signature = signing.sign(identity, labels.MESSAGE_SIGNATURE, data)
    return {**frame, "signature": protocol.b64(signature), "pubkey": protocol.b64(signing.public_bytes(identity))}


def test_sender_signed(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb08_aead")
    _, frame, _ = a_sealed_message(stage_factory)
    pinned = base64.b64decode(frame["pubkey"])  # what Bob pinned for Alice the first time
    assert ex.sender_signed(frame, pinned) is True
    assert ex.sender_signed({**frame, "sender": "mallory"}, pinned) is False
    assert ex.sender_signed(flipped("ciphertext", frame), pinned) is False
    assert ex.sender_signed(flipped("signature", frame), pinned) is False
    forged = resigned(frame, signing.new_identity())  # a valid signature, by the key the server attached
    assert ex.sender_signed(forged, pinned) is False, "checked against the attached key, not the pinned one"
    assert ex.sender_signed(forged, base64.b64decode(forged["pubkey"])) is True


def test_is_fresh_accepts_each_counter_once(exercise: Load) -> None:
    ex = exercise("nb08_aead")
    seen: dict[tuple[str, str], int] = {}
    start = secrets.randbelow(10**9)

    def frame(sender: str, counter: int) -> Frame:
        return {"room": "general", "sender": sender, "counter": counter}

    assert ex.is_fresh(seen, frame("alice", start)) is True
    assert ex.is_fresh(seen, frame("alice", start)) is False  # a replay
    assert ex.is_fresh(seen, frame("alice", start - 1)) is False  # an older one
    assert ex.is_fresh(seen, frame("bob", start - 1)) is True  # another sender counts on its own
    assert ex.is_fresh(seen, frame("alice", start + 5)) is True
