"""Notebook 13's attack, for real on loopback against the kit's own ratchet server: record now, decrypt later.

A relay records a chat; the quantum oracle (chatkit/lab/quantum.py, a stand-in for a computer that would compute
any X25519 private key from its public key) then opens every message of a chat whose members ran the X25519-only
exchange, and nothing of a hybrid chat (S13: an attacker who breaks X25519 alone learns nothing). A control shows
that the hybrid chat's only missing piece is the ML-KEM secret. And a member who runs the hybrid exchange refuses
an X25519-only peer, or an offer a relay stripped of its ML-KEM part: no downgrade. The attack is the instructor's
solution (notebooks/instructor/solutions/nb13_postquantum.py).
"""

import base64
import json
import secrets
from collections.abc import Iterator
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey

from chatkit.client import ChatClient
from chatkit.client.events import Problem
from chatkit.crypto import hybrid
from chatkit.crypto.chains import ReceivingChain
from chatkit.crypto.errors import CannotDecrypt
from chatkit.crypto.hybrid_keys import recompute_chain_key
from chatkit.lab import Stage
from chatkit.lab.exercises import load_solution
from chatkit.lab.quantum import QuantumOracle
from chatkit.lab.recording import Direct, Exchange, Recording
from chatkit.lab.relay import TO_SERVER, Captured
from chatkit.lab.x25519_only import member


@pytest.fixture
def solution() -> ModuleType:
    return load_solution("nb13_postquantum")


@pytest.fixture
def stage() -> Iterator[Stage]:
    with Stage("ratchet") as started:
        yield started


def chat(stage: Stage, pq: bool, count: int = 3) -> tuple[Recording, list[tuple[str, str]], list[ChatClient]]:
    """Three members chat through a recording relay; return the recording, what was said, and the members."""
    relay = stage.relay()
    names = ["alice", "bob", "carol"]
    members: list[ChatClient] = []
    for name in names:
        members.append(member(stage, name, pq=pq, via=relay))
        for joined in members:
            joined.wait_for_group(names[: len(members)])
    said = [(person.name, f"secret {secrets.token_hex(4)}") for person in members for _ in range(count)]
    for name, text in said:
        members[names.index(name)].send(text)
    for name, text in said:
        for person in members:
            person.wait_for_message(text, sender=name)
    return Recording(relay.captured), said, members


def test_the_oracle_opens_every_message_of_an_x25519_only_chat(solution: ModuleType, stage: Stage) -> None:
    with QuantumOracle() as oracle:
        recording, said, _ = chat(stage, pq=False)
    assert recording.exchanges and not any(exchange.pq for exchange in recording.exchanges)
    assert all(message["ciphertext"] for message in recording.messages), "the wire carried ciphertext only"
    assert sorted(solution.read_later(recording, oracle)) == sorted(said)


def test_the_oracle_opens_nothing_of_a_hybrid_chat(solution: ModuleType, stage: Stage) -> None:
    with QuantumOracle() as oracle:
        recording, said, _ = chat(stage, pq=True)
    assert recording.exchanges and all(exchange.pq for exchange in recording.exchanges)
    assert len(oracle) >= 2 * len(recording.exchanges), "the oracle knows every X25519 key of every exchange"
    assert solution.sender_keys_of(recording, oracle) == {}
    assert solution.read_later(recording, oracle) == []
    with_x25519_alone = solution.session_chain_key(recording.exchanges[0], recording.identity_keys, oracle)
    with pytest.raises(CannotDecrypt):
        solution.open_envelope(ReceivingChain(with_x25519_alone), envelopes_of(recording, recording.exchanges[0])[0])


def test_control_the_hybrid_chat_opens_once_the_ml_kem_secret_is_known_too(
    solution: ModuleType, stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without this, "the hybrid chat stays closed" could mean the attack is broken; it is the ML-KEM part."""
    mlkem_keys: dict[bytes, MLKEM768PrivateKey] = {}

    def recording_mlkem_key() -> MLKEM768PrivateKey:
        key = MLKEM768PrivateKey.generate()
        mlkem_keys[key.public_key().public_bytes_raw()] = key
        return key

    monkeypatch.setattr(hybrid, "new_mlkem_key", recording_mlkem_key)
    with QuantumOracle() as oracle:
        recording, _, _ = chat(stage, pq=True, count=1)
    for exchange in recording.exchanges:
        mlkem_private = mlkem_keys[base64.b64decode(exchange.offer.body["mlkem"])]
        mlkem_shared = mlkem_private.decapsulate(base64.b64decode(exchange.answer.body["mlkem_ciphertext"]))
        chain_key = both_secrets_chain_key(exchange, recording, oracle, mlkem_shared)
        opened = solution.open_envelope(ReceivingChain(chain_key), envelopes_of(recording, exchange)[0])
        assert opened["kind"] == "sender_key"


def test_a_hybrid_member_refuses_an_x25519_only_peer(stage: Stage) -> None:
    alice, bob = member(stage, "alice"), member(stage, "bob", pq=False)
    for person in (alice, bob):
        person.wait_for_group(["alice", "bob"])
    refused = alice.wait_for_problem("handshake_failed")
    assert "refuses an X25519-only exchange" in refused.text
    bob.send("read me without ML-KEM")
    bob.wait_for_message("read me without ML-KEM", own=True)
    alice.send("and this one")
    alice.wait_for_message("and this one", own=True)
    assert not [message for message in alice.messages() if message.sender == "bob"], "no key reached alice"


def test_a_relay_that_strips_the_ml_kem_part_is_refused(stage: Stage) -> None:
    relay = stage.relay()
    stripped: list[str] = []

    def strip_ml_kem(seen: Captured) -> bytes:
        frame = json.loads(seen.line)
        if seen.direction == TO_SERVER and frame.get("kind") in ("offer", "answer"):
            frame["body"] = {k: v for k, v in frame["body"].items() if k not in ("mlkem", "mlkem_ciphertext")}
            stripped.append(frame["kind"])
            return (json.dumps(frame) + "\n").encode()
        return seen.line

    relay.tamper = strip_ml_kem
    alice, bob = member(stage, "alice", via=relay), member(stage, "bob", via=relay)
    for person in (alice, bob):
        person.wait_for_group(["alice", "bob"])
    problems = [person.wait_for_problem("handshake_failed") for person in (alice, bob)]
    assert stripped and all("no ML-KEM-768 part" in problem.text for problem in problems)
    assert not any(isinstance(event, Problem) and event.code == "cannot_decrypt" for event in alice.history)


def envelopes_of(recording: Recording, exchange: Exchange) -> list[Direct]:
    """Return the envelopes sent over one exchange's session."""
    return [envelope for envelope in recording.envelopes if envelope.body["session"] == exchange.session]


def both_secrets_chain_key(exchange: Exchange, recording: Recording, oracle: QuantumOracle, mlkem: bytes) -> bytes:
    """Recompute a hybrid exchange's chain key with its X25519 private key and its ML-KEM secret."""
    private = oracle.private_key(base64.b64decode(exchange.offer.body["x25519"]))
    initiator, responder = exchange.names
    keys = (recording.identity_keys[initiator], recording.identity_keys[responder])
    return recompute_chain_key(exchange.names, keys, exchange.offer.body, exchange.answer.body, private, mlkem)
