"""Notebook 11's attacks on the ratchet mode's own chains and exchange (the instructor's solution).

A thief who copies a member's sending chain at message n reads every message from n on and none before it; a key
update (a fresh exchange, a fresh sender key sent in an envelope) locks out a thief who only watches; a thief who
also holds the identity key and answers the update's exchange as the victim defeats the heal.
"""

import json
import os
import secrets
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from chatkit.client import ChatClient
from chatkit.crypto import CannotDecrypt, labels, ratchet, sealed, signing
from chatkit.crypto.chains import WINDOW, ReceivingChain, SendingChain
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.hybrid import Initiator, Responder
from chatkit.lab import TO_CLIENT, TO_SERVER, Relay, Stage
from chatkit.lab.active_thief import ActiveThief
from chatkit.lab.exercises import load_solution
from chatkit.lab.thief import Thief
from chatkit.protocol import b64
from tests.conftest import eventually

Message = dict[str, Any]


@pytest.fixture
def solution() -> ModuleType:
    return load_solution("nb11_ratchet")


def seal_next(chain: SendingChain, text: str) -> Message:
    """Seal a text under the chain's next message key, as captured (bytes as base64)."""
    index, key = chain.next()
    header = json.dumps(["general", "alice", index]).encode()
    nonce, ciphertext = sealed.seal(key, text.encode(), labels.SENDER_MESSAGE_AD, header)
    return {"index": index, "header": b64(header), "nonce": b64(nonce), "ciphertext": b64(ciphertext)}


def talk(chain: SendingChain, count: int) -> tuple[list[str], list[Message]]:
    """Seal `count` fresh texts; return the texts and what a network attacker captured."""
    texts = [secrets.token_hex(6) for _ in range(count)]
    return texts, [seal_next(chain, text) for text in texts]


def test_a_stolen_chain_reads_from_the_theft_on_and_nothing_before(solution: ModuleType) -> None:
    alice = SendingChain.fresh()
    _, before = talk(alice, 5)
    stolen = alice.snapshot()
    after_texts, after = talk(alice, 5)
    assert solution.read_after_theft(stolen, before + after) == dict(zip(range(5, 10), after_texts, strict=True))


def test_a_stolen_chain_gives_no_key_of_an_earlier_message(solution: ModuleType) -> None:
    alice = SendingChain.fresh()
    used = [alice.next()[1] for _ in range(secrets.randbelow(30) + 1)]
    computed = solution.message_keys(alice.snapshot(), WINDOW)
    assert not set(computed.values()) & set(used)


def fresh_exchange(initiator: Initiator, responder: Responder) -> tuple[list[dict[str, str]], bytes]:
    """Run an exchange; return the three messages (what a watching thief records) and the session's chain key."""
    offer = initiator.offer()
    answer = responder.on_offer(offer)
    finish, key = initiator.on_answer(answer)
    if responder.on_finish(finish) != key:
        raise AssertionError("both sides of an honest exchange hold one key")
    return [offer, answer, finish], key


def test_an_update_locks_out_a_thief_who_only_watches(solution: ModuleType) -> None:
    alice_id, bob_id = signing.new_identity(), signing.new_identity()
    alice = SendingChain.fresh()
    talk(alice, 5)
    stolen = alice.snapshot()  # and Alice's identity key: it only signs, it opens nothing
    recorded, session_key = fresh_exchange(
        Initiator(alice_id, "alice", "bob", signing.public_bytes(bob_id)),
        Responder(bob_id, "bob", "alice", signing.public_bytes(alice_id)),
    )
    assert session_key not in json.dumps(recorded).encode(), "the session key never crosses the wire"
    alice = SendingChain.fresh()  # the update's new sender key, sent to Bob under the session's keys
    _, after = talk(alice, 5)
    assert solution.read_after_theft(stolen, after) == {}


def test_an_active_thief_with_the_identity_key_defeats_the_update(solution: ModuleType) -> None:
    alice_id, bob_id = signing.new_identity(), signing.new_identity()
    bob = Initiator(bob_id, "bob", "alice", signing.public_bytes(alice_id))  # Bob heals: a fresh exchange with alice
    thief, answer = solution.answer_as(alice_id, "alice", "bob", signing.public_bytes(bob_id), bob.offer())
    finish, bobs_key = bob.on_answer(answer)
    assert thief.on_finish(finish) == bobs_key, (
        "Bob's fresh session, and the sender key he sends over it, are the thief's"
    )


def test_a_thief_without_the_identity_key_is_refused_in_the_update(solution: ModuleType) -> None:
    alice_id, bob_id = signing.new_identity(), signing.new_identity()
    bob = Initiator(bob_id, "bob", "alice", signing.public_bytes(alice_id))
    thief, answer = solution.answer_as(
        signing.new_identity(), "alice", "bob", signing.public_bytes(bob_id), bob.offer()
    )
    with pytest.raises(HandshakeFailed, match="signature does not match alice's identity key"):
        bob.on_answer(answer)


def test_the_chain_refuses_a_replayed_message_key() -> None:
    alice = SendingChain.fresh()
    bob = ReceivingChain(*alice.position)
    alice.next()
    bob.key_for(0)
    with pytest.raises(CannotDecrypt, match="replay"):
        bob.key_for(0)


def labels_used(monkeypatch: pytest.MonkeyPatch, derive: Callable[[], object]) -> set[bytes]:
    """Run one ratchet derivation and return the labels it gave HMAC and HKDF."""
    seen: set[bytes] = set()
    real_hmac, real_hkdf = ratchet._hmac_sha256, ratchet.hkdf_sha256

    def spy_hmac(key: bytes, data: bytes) -> bytes:
        seen.add(data)
        return real_hmac(key, data)

    def spy_hkdf(secret: bytes, info: bytes, **options: Any) -> bytes:
        seen.add(info)
        return real_hkdf(secret, info, **options)

    monkeypatch.setattr(ratchet, "_hmac_sha256", spy_hmac)
    monkeypatch.setattr(ratchet, "hkdf_sha256", spy_hkdf)
    derive()
    monkeypatch.undo()
    return seen


def test_s8_each_ratchet_derivation_has_a_label_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain step, the message key and the heal each start from their own label (docs/security.md, S8)."""
    chain_key = os.urandom(32)
    step = labels_used(monkeypatch, lambda: ratchet.ratchet_step(chain_key))
    healing = labels_used(monkeypatch, lambda: ratchet.heal(chain_key, os.urandom(32)))
    assert len(step) == 2, f"the step should use two labels (chain key, message key), used {step}"
    assert not step & healing, f"the heal reuses a label of the chain step: {step & healing}"
    every = {value for name, value in vars(labels).items() if name.isupper()}
    assert step | healing <= every, "every ratchet label is one of chatkit.crypto.labels"


# --- the same attacks in the live chat: a ratchet server on loopback, a member's state copied mid-conversation ---


def say(person: ChatClient, text: str, to: ChatClient) -> None:
    """Send a message and wait until the other member has read it."""
    person.send(text)
    to.wait_for_message(text, sender=person.name)


def live_pair(stages: list[Stage]) -> tuple[Stage, Relay, ChatClient, ChatClient]:
    """Start a ratchet stage with alice and bob in one group, both through one relay (the network attacker)."""
    stage = Stage("ratchet")
    stages.append(stage)
    wire = stage.relay()
    alice, bob = stage.client("alice", via=wire), stage.client("bob", via=wire)
    bob.wait_for_group({"alice", "bob"})
    return stage, wire, alice, bob


def lines_to(wire: Relay, name: str, start: int = 0, end: int | None = None) -> list[bytes]:
    """Return every line the server sent `name` through the relay, captures number `start` to `end`."""
    hellos = [seen for seen in wire.lines(TO_SERVER, '"hello"') if json.loads(seen.line)["name"] == name]
    return [seen.line for seen in wire.lines(TO_CLIENT)[start:end] if seen.connection == hellos[0].connection]


def opened(stolen: dict[str, Any], lines: list[bytes]) -> list[str]:
    """Return what a thief holding the stolen state opens of these lines, in order."""
    thief = Thief(stolen)
    try:
        return thief.watch_lines(lines)
    finally:
        thief.close()


def heal(alice: ChatClient, bob: ChatClient) -> None:
    """Let alice update her keys, and wait until both have applied the update."""
    group = alice.group
    assert group is not None
    alice.update()
    for member in (alice, bob):
        member.wait_for_group({"alice", "bob"}, epoch=group.epoch + 1)


def test_live_a_stolen_state_opens_nothing_sent_before_the_theft(stages: list[Stage]) -> None:
    _, wire, alice, bob = live_pair(stages)
    before = [f"before {secrets.token_hex(3)}" for _ in range(4)]
    for text in before:
        say(alice, text, bob)
    say(bob, "bob before", alice)
    stolen, theft = alice.snapshot(), len(wire.lines(TO_CLIENT))
    after = [f"after {secrets.token_hex(3)}" for _ in range(3)]
    for text in after:
        say(alice, text, bob)
    assert opened(stolen, lines_to(wire, "alice", 0, theft)) == [], "nothing sent before the theft"
    assert opened(stolen, lines_to(wire, "alice", theft)) == after, "everything after it"


def test_live_an_update_locks_out_a_thief_who_only_watches(stages: list[Stage]) -> None:
    _, wire, alice, bob = live_pair(stages)
    say(alice, "before the theft", bob)
    stolen, theft = alice.snapshot(), len(wire.lines(TO_CLIENT))
    heal(alice, bob)
    for text in ("after the update", "still after"):
        say(alice, text, bob)
    say(bob, "bob after the update", alice)
    assert opened(stolen, lines_to(wire, "alice", theft)) == [], "the update's exchanges and envelopes, too"


def test_live_an_active_thief_with_the_identity_key_defeats_the_update(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    wire = stage.relay()  # on alice's path only: the thief takes over her connection
    alice, bob = stage.client("alice", via=wire), stage.client("bob")
    bob.wait_for_group({"alice", "bob"})
    say(alice, "before the theft", bob)
    active = ActiveThief(alice.snapshot(), wire)
    heal(alice, bob)
    texts = [f"bob {secrets.token_hex(3)}" for _ in range(3)]
    for text in texts:
        bob.send(text)
    assert eventually(lambda: set(texts) <= set(active.opened), 10), "the thief reads Bob after the heal"
    assert not [m for m in alice.messages() if m.text in texts], "Bob's new sender key went to the thief, not Alice"
    active.close()
