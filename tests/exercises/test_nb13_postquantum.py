"""Checks for notebook 13's exercises: a live ratchet chat recorded through a relay, random names and texts per run.

The oracle records X25519 keys only while the chat runs (a stand-in for a quantum computer that would compute them
from the public keys later); the checks then ask the exercise to open the recording.
"""

import base64
import json
import secrets
from collections.abc import Callable
from types import ModuleType

from chatkit.client.pairwise import envelope_header
from chatkit.crypto import sealed
from chatkit.crypto.chains import ReceivingChain
from chatkit.crypto.hybrid_keys import recompute_chain_key
from chatkit.crypto.labels import ENVELOPE_AD
from chatkit.lab import Stage
from chatkit.lab.quantum import QuantumOracle
from chatkit.lab.recording import Exchange, Recording
from chatkit.lab.x25519_only import member

Load = Callable[[str], ModuleType]
StageFactory = Callable[..., Stage]


def record_a_chat(stage: Stage, oracle: QuantumOracle, pq: bool) -> tuple[Recording, list[tuple[str, str]]]:
    """Three members with random names chat through a relay; return the recording and (sender, text) said."""
    relay = stage.relay()
    names = [f"m{secrets.token_hex(3)}" for _ in range(3)]
    members, said = [], []
    for name in names:
        members.append(member(stage, name, pq=pq, via=relay))
        for joined in members:
            joined.wait_for_group(names[: len(members)])
        if len(members) == 2:  # before the third joins: the third gets the first's chain at a later index
            said.append((names[0], secrets.token_hex(8)))
            members[0].send(said[0][1])
            members[1].wait_for_message(said[0][1], sender=names[0])
    said += [(person.name, secrets.token_hex(secrets.randbelow(20) + 4)) for person in members * 2]
    for name, text in said[1:]:
        next(person for person in members if person.name == name).send(text)
    for name, text in said:
        members[0].wait_for_message(text, sender=name)
    return Recording(relay.captured), said


def envelopes_open(exchange: Exchange, recording: Recording, chain_key: bytes) -> list[str]:
    """Open every envelope of an exchange's session with a chain key, as its receiver does; return their kinds."""
    chain, kinds = ReceivingChain(chain_key), []
    for envelope in (e for e in recording.envelopes if e.body["session"] == exchange.session):
        body = envelope.body
        header = envelope_header(envelope.sender, envelope.to, envelope.room, body["session"])
        key = chain.key_for(body["n"])
        nonce, ciphertext = base64.b64decode(body["nonce"]), base64.b64decode(body["ciphertext"])
        kinds.append(json.loads(sealed.open_sealed(key, nonce, ciphertext, ENVELOPE_AD, header))["kind"])
    return kinds


def true_chain_key(exchange: Exchange, recording: Recording, oracle: QuantumOracle) -> bytes:
    """The chain key as the kit recomputes it (the reference the exercise is checked against)."""
    private = oracle.private_key(base64.b64decode(exchange.offer.body["x25519"]))
    initiator, responder = exchange.names
    keys = (recording.identity_keys[initiator], recording.identity_keys[responder])
    return recompute_chain_key(exchange.names, keys, exchange.offer.body, exchange.answer.body, private)


def test_session_chain_key_opens_every_x25519_only_session(exercise: Load, stage_factory: StageFactory) -> None:
    with QuantumOracle() as oracle:
        recording, _ = record_a_chat(stage_factory("ratchet"), oracle, pq=False)
    solve = exercise("nb13_postquantum").session_chain_key
    assert recording.exchanges
    kinds = [
        kind
        for e in recording.exchanges
        for kind in envelopes_open(e, recording, solve(e, recording.identity_keys, oracle))
    ]
    assert "sender_key" in kinds  # every envelope of every session opened (a welcome may come first)


def test_open_envelope_gives_the_sender_keys(exercise: Load, stage_factory: StageFactory) -> None:
    with QuantumOracle() as oracle:
        recording, _ = record_a_chat(stage_factory("ratchet"), oracle, pq=False)
    solve = exercise("nb13_postquantum").open_envelope
    opened = []
    for exchange in recording.exchanges:  # an exchange started again under load carries no envelope: skip it
        chain = ReceivingChain(true_chain_key(exchange, recording, oracle))
        envelopes = [e for e in recording.envelopes if e.body["session"] == exchange.session]
        opened += [solve(chain, envelope) for envelope in envelopes]
    assert opened and all(item["kind"] == "sender_key" for item in opened)


def test_read_later_opens_the_x25519_only_chat(exercise: Load, stage_factory: StageFactory) -> None:
    with QuantumOracle() as oracle:
        recording, said = record_a_chat(stage_factory("ratchet"), oracle, pq=False)
    assert sorted(exercise("nb13_postquantum").read_later(recording, oracle)) == sorted(said)


def test_read_later_leaves_the_hybrid_chat_closed(exercise: Load, stage_factory: StageFactory) -> None:
    with QuantumOracle() as oracle:
        recording, _ = record_a_chat(stage_factory("ratchet"), oracle, pq=True)
    module = exercise("nb13_postquantum")
    assert module.sender_keys_of(recording, oracle) == {}
    assert module.read_later(recording, oracle) == []
