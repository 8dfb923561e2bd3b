"""Notebook 15's attacks, live: sealed clients whose nonces count from 1 at every connection (chatkit.lab.nonce_bug)
give away the XOR of their plaintexts and the GHASH key H, and H forges a line a real client accepts. The normal
sealed client draws random nonces, and the same steps get nothing. The attack code is the instructor's solution."""

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESGCMSIV

from chatkit.client import ChatClient
from chatkit.crypto import lengths, room_check, signing
from chatkit.lab import TO_CLIENT, Relay, Stage, gcm_forbidden, gf128
from chatkit.lab.gcm_forbidden import SealedBlob
from chatkit.lab.nonce_bug import NonceBugStage, say_as_outsider
from tests.test_attacks_nb05 import SEALED_ITERATIONS, connection_of, solution, wait_problem

PEOPLE = ("alice", "bob", "carol")
Frame = dict[str, object]


@contextmanager
def first_lines(stage: Stage) -> Iterator[tuple[Relay, ChatClient, list[Frame], list[str]]]:
    """Let Alice, Bob and Carol each say a random first line while Dave reads through a relay; stop the stage after.

    Yield the relay, Dave, the three message lines Dave received and their texts.
    """
    with stage:
        relay = stage.relay()
        dave = stage.client("dave", via=relay)
        texts = [f"{name} says {secrets.token_hex(4)}" for name in PEOPLE]
        for name, text in zip(PEOPLE, texts, strict=True):
            stage.client(name).send(text)
            dave.wait_for_message(text, sender=name, timeout=5)
        yield relay, dave, [json.loads(seen.line) for seen in relay.lines(TO_CLIENT, '"message"')], texts


def buggy() -> NonceBugStage:
    """Start a sealed stage of counting-nonce clients that derive keys fast."""
    return NonceBugStage(iterations=SEALED_ITERATIONS)


def deliver(relay: Relay, line: Frame) -> None:
    """Hand a line to Dave's client as if the server relayed it."""
    relay.inject(connection_of(relay, "dave"), TO_CLIENT, json.dumps(line).encode())


def test_a_repeated_nonce_gives_the_xor_of_the_plaintexts_and_one_text_from_the_other() -> None:
    ex = solution("nb15_nonces")
    with first_lines(buggy()) as (_, _, lines, texts):
        assert len({line["nonce"] for line in lines}) == 1, "every member's first line under the nonce 00...01"
        xor = ex.plaintext_xor(lines[0], lines[1])
        padded = [lengths.pad_to_bucket(text.encode()) for text in texts[:2]]
        assert xor == bytes(a ^ b for a, b in zip(*padded, strict=True))
        assert ex.other_text(xor, texts[0]) == texts[1]


def test_three_lines_under_one_nonce_give_the_ghash_key() -> None:
    ex = solution("nb15_nonces")
    with first_lines(buggy()) as (_, dave, lines, _):
        key = dave.codec.keys["general"]  # type: ignore[attr-defined]
        assert ex.recover_h(lines) == gcm_forbidden.key_and_mask(key, bytes(11) + b"\x01")[0]


def test_h_forges_a_newcomers_line_that_a_real_client_shows() -> None:
    ex = solution("nb15_nonces")
    with first_lines(buggy()) as (relay, dave, lines, texts):
        wanted = f"meet {secrets.randbelow(100)} at the gate"
        deliver(relay, ex.forge(lines, texts[0], wanted, "erin", signing.new_identity()))
        assert dave.wait_for_message(wanted, sender="erin", timeout=5).text == wanted


def test_an_outsider_sends_the_forged_line_through_the_kits_server_to_the_whole_room() -> None:
    ex = solution("nb15_nonces")
    stage = buggy()
    with first_lines(stage) as (_, dave, lines, texts):
        wanted = f"the code is now {secrets.randbelow(10**4)}"
        say_as_outsider(stage.address, ex.forge(lines, texts[0], wanted, "erin", signing.new_identity()))
        for member in [dave, *stage.clients[1:]]:  # every member, each with the kit's own checks
            assert member.wait_for_message(wanted, sender="erin", timeout=5).text == wanted


def test_the_signature_holds_back_a_forgery_under_a_known_members_name(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = solution("nb15_nonces")
    with first_lines(buggy()) as (relay, dave, lines, texts):
        wanted = f"send {secrets.randbelow(100)} to mallory"
        deliver(relay, ex.forge(lines, texts[0], wanted, "alice", signing.new_identity()))
        assert "identity key changed" in wait_problem(dave, "key_changed").text  # held back: its tag was right
        monkeypatch.setattr(ex, "recover_h", lambda captured: secrets.randbits(128))
        deliver(relay, ex.forge(lines, texts[0], wanted, "alice", signing.new_identity()))
        wait_problem(dave, "cannot_decrypt")  # a wrong tag under the same name is refused, not held back
        assert wanted not in [message.text for message in dave.messages()]


def test_normal_sealed_clients_repeat_no_nonce_and_the_forgery_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = solution("nb15_nonces")
    with first_lines(Stage("sealed", iterations=SEALED_ITERATIONS)) as (relay, dave, lines, texts):
        assert len({line["nonce"] for line in lines}) == 3, "random 96-bit nonces"
        with pytest.raises(ValueError):
            ex.plaintext_xor(lines[0], lines[1])
        with pytest.raises(ValueError):  # pairs under different nonces: their polynomials share no root, no H
            ex.forge(lines, texts[0], "meet at the gate", "erin", signing.new_identity())
        monkeypatch.setattr(ex, "recover_h", lambda captured: secrets.randbits(128))  # the same steps, H guessed
        deliver(relay, ex.forge(lines, texts[0], "meet at the gate", "erin", signing.new_identity()))
        wait_problem(dave, "cannot_decrypt")
        assert "meet at the gate" not in [message.text for message in dave.messages()]


# --- the GF(2^128) code against cryptography's AES-GCM ---


@pytest.mark.parametrize("sizes", [(0, 0), (0, 16), (26, 32), (13, 45), (70, 5)])
def test_ghash_tags_match_cryptographys_aes_gcm(sizes: tuple[int, int]) -> None:
    key, nonce = os.urandom(32), os.urandom(12)
    associated, plaintext = os.urandom(sizes[0]), os.urandom(sizes[1])
    sealed = AESGCM(key).encrypt(nonce, plaintext, associated)
    h, mask = gcm_forbidden.key_and_mask(key, nonce)
    assert gcm_forbidden.forged_tag(h, mask, associated, sealed[:-16]) == sealed[-16:]


def test_field_arithmetic_and_roots() -> None:
    a, b, c = (secrets.randbits(128) | 1 for _ in range(3))
    assert gf128.multiply(a, gf128.inverse(a)) == gf128.ONE
    assert gf128.multiply(a, b ^ c) == gf128.multiply(a, b) ^ gf128.multiply(a, c)
    assert gf128.multiply(gf128.multiply(a, b), c) == gf128.multiply(a, gf128.multiply(b, c))
    product = gf128.multiply_polynomials(gf128.multiply_polynomials([a, gf128.ONE], [b, gf128.ONE]), [c, c, c])
    assert set(gf128.roots(product)) >= {a, b}


def test_a_forged_tag_opens_with_aes_gcm() -> None:
    key, nonce = os.urandom(32), os.urandom(12)
    h, mask = gcm_forbidden.key_and_mask(key, nonce)
    ciphertext, associated = os.urandom(40), b"a header the attacker chose"
    forged = ciphertext + gcm_forbidden.forged_tag(h, mask, associated, ciphertext)
    assert len(AESGCM(key).decrypt(nonce, forged, associated)) == 40


# --- AES-GCM-SIV and key commitment ---


def xor(one: bytes, other: bytes) -> bytes:
    """XOR two byte strings of one length."""
    return bytes(a ^ b for a, b in zip(one, other, strict=True))


def gcm_siv(key: bytes) -> AESGCMSIV:
    """Return cryptography's AES-GCM-SIV, or skip the test where this OpenSSL build lacks it."""
    try:
        return AESGCMSIV(key)
    except UnsupportedAlgorithm:
        pytest.skip("this build of OpenSSL has no AES-GCM-SIV")


def test_aes_gcm_siv_under_a_repeated_nonce_shows_only_equal_plaintexts() -> None:
    key, nonce = os.urandom(32), os.urandom(12)
    siv, one, other = gcm_siv(key), os.urandom(32), os.urandom(32)
    assert siv.encrypt(nonce, one, b"") == siv.encrypt(nonce, one, b"")  # equal texts show as equal
    first, second = siv.encrypt(nonce, one, b""), siv.encrypt(nonce, other, b"")
    assert xor(first[:32], second[:32]) != xor(one, other)  # no common keystream: the XOR of the texts stays hidden
    blobs = [
        SealedBlob(b"", sealed[:-16], sealed[-16:]) for sealed in (first, second, siv.encrypt(nonce, one[::-1], b""))
    ]
    for h in gcm_forbidden.candidate_keys((blobs[0], blobs[1]), (blobs[0], blobs[2])):  # roots, if any, are no key
        forged = blobs[0].ciphertext + gcm_forbidden.forged_tag(h, gcm_forbidden.tag_mask(h, blobs[0]), b"", one)
        with pytest.raises(InvalidTag):
            siv.decrypt(nonce, forged, b"")


def test_a_gcm_check_opens_under_two_keys_and_the_rooms_mac_check_under_one() -> None:
    right, guess, nonce, bound = os.urandom(32), os.urandom(32), os.urandom(12), b'["general",{}]'
    crafted = gcm_forbidden.block_for_two_keys(
        gcm_forbidden.key_and_mask(right, nonce), gcm_forbidden.key_and_mask(guess, nonce), bound
    )
    assert AESGCM(right).decrypt(nonce, crafted, bound) != AESGCM(guess).decrypt(nonce, crafted, bound)
    assert room_check.matches(right, bound, room_check.make_check(right, bound))
    assert not room_check.matches(guess, bound, room_check.make_check(right, bound))
