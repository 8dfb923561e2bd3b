"""Checks for notebook 15's nonce-reuse exercises (random texts, keys and identities each run).

The room key stays in a referee process (chatkit.course.referee): the student's code gets the lines a relay
captured, and the referee hands the forged line to a member's client and says what that member reads.
"""

import os
import secrets
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatkit.course.referee import Referee
from chatkit.crypto import labels, lengths, signing
from chatkit.protocol import b64, header_bytes

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]
Frame = dict[str, Any]


def line_under(key: bytes, nonce: bytes, text: str, sender: str) -> Frame:
    """Seal a text as a sealed client would, under a nonce chosen here (the bug), and return its message line."""
    header = header_bytes("general", sender, 1, 1_700_000_000.5)
    sealed = AESGCM(key).encrypt(nonce, lengths.pad_to_bucket(text.encode()), labels.MESSAGE_AD + header)
    fields = {"nonce": b64(nonce), "ciphertext": b64(sealed), "signature": b64(bytes(64)), "pubkey": b64(bytes(32))}
    return {"type": "message", "room": "general", "sender": sender, "counter": 1, "time": 1_700_000_000.5, **fields}


def test_plaintext_xor_of_two_lines_under_one_nonce(exercise: Load) -> None:
    ex = exercise("nb15_nonces")
    key, nonce = os.urandom(32), os.urandom(12)
    one, other = secrets.token_hex(10), secrets.token_hex(20)
    got = ex.plaintext_xor(line_under(key, nonce, one, "alice"), line_under(key, nonce, other, "bob"))
    padded = lengths.pad_to_bucket(one.encode()), lengths.pad_to_bucket(other.encode())
    assert got == bytes(a ^ b for a, b in zip(*padded, strict=False))
    with pytest.raises(ValueError):
        ex.plaintext_xor(line_under(key, nonce, one, "alice"), line_under(key, os.urandom(12), other, "bob"))


def test_other_text_from_the_xor_and_one_known_text(exercise: Load) -> None:
    ex = exercise("nb15_nonces")
    known, secret = f"hi all, {secrets.token_hex(3)}", f"the code is {secrets.randbelow(10**6)}"
    xor = bytes(
        a ^ b
        for a, b in zip(lengths.pad_to_bucket(known.encode()), lengths.pad_to_bucket(secret.encode()), strict=True)
    )
    assert ex.other_text(xor, known) == secret
    assert ex.other_text(xor, secret) == known


def test_recover_h_from_three_lines_under_one_nonce(exercise: Load) -> None:
    ex = exercise("nb15_nonces")
    key, nonce = os.urandom(32), os.urandom(12)
    lines = [line_under(key, nonce, secrets.token_hex(8), name) for name in ("alice", "bob", "carol")]
    assert ex.recover_h(lines) == ghash_key(key)


def ghash_key(key: bytes) -> int:
    """Return H = AES_K(0^128), the GHASH key, with cryptography's AES (to check the student's answer)."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return int.from_bytes(encryptor.update(bytes(16)) + encryptor.finalize(), "big")


@pytest.mark.points(3)
@pytest.mark.timeout(120)
def test_forge_a_line_the_room_accepts(exercise: Load, referee: Referees) -> None:
    ex = exercise("nb15_nonces")
    judge = referee("repeated_nonce_room")  # the room key stays in the referee's process
    captured = judge.ask("captured")
    lines, newcomer = captured["lines"], f"erin{secrets.randbelow(100)}"
    forged = ex.forge(lines, captured["known"], captured["wanted"], newcomer, signing.new_identity())
    read = judge.ask("deliver", forged)
    assert read == {"text": captured["wanted"], "sender": newcomer}, f"Dave's client read {read}"
