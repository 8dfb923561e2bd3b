"""The hybrid exchange (chatkit/crypto/hybrid.py): attacks first, then the refusals of bad messages.

A relay sits between alice (the initiator) and bob (the responder) and may change any message. With signatures
and key confirmation (signed=True) every change is caught; without them (signed=False) the relay ends up holding
both keys. A recorded X25519-only exchange falls to whoever learns one X25519 private key (a quantum computer,
notebook 13); the hybrid one does not.
"""

from base64 import b64decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chatkit.crypto import hybrid, hybrid_keys, hybrid_messages, labels, signing
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.fields import b64, raw_field
from chatkit.crypto.hybrid_messages import Answer, Offer

Message = dict[str, Any]
Tamper = Callable[[Message], Message]


@dataclass
class People:
    """Two members and a relay, each with a lasting identity key."""

    alice: signing.Identity
    bob: signing.Identity
    mallory: signing.Identity

    def key(self, name: str) -> bytes:
        """Return a member's public identity key."""
        return signing.public_bytes(getattr(self, name))

    def initiator(self, pq: bool = True, signed: bool = True) -> hybrid.Initiator:
        """Return alice, ready to start an exchange with bob."""
        return hybrid.Initiator(self.alice, "alice", "bob", self.key("bob"), pq=pq, signed=signed)

    def responder(self, pq: bool = True, signed: bool = True) -> hybrid.Responder:
        """Return bob, ready to answer alice."""
        return hybrid.Responder(self.bob, "bob", "alice", self.key("alice"), pq=pq, signed=signed)


@pytest.fixture
def people() -> People:
    return People(signing.new_identity(), signing.new_identity(), signing.new_identity())


def unchanged(message: Message) -> Message:
    return message


def run(
    alice: hybrid.Initiator,
    bob: hybrid.Responder,
    offer: Tamper = unchanged,
    answer: Tamper = unchanged,
    finish: Tamper = unchanged,
) -> tuple[bytes, bytes]:
    """Run the three messages through a relay that may change each one; return (alice's key, bob's key)."""
    finish_message, alice_key = alice.on_answer(answer(bob.on_offer(offer(alice.offer()))))
    return alice_key, bob.on_finish(finish(finish_message))


def replaced(field: str, value: bytes) -> Tamper:
    """Return a relay step that puts its own bytes in one field."""
    return lambda message: message | {field: b64(value)}


def mallory_x25519() -> bytes:
    return X25519PrivateKey.generate().public_key().public_bytes_raw()


def mallory_mlkem() -> bytes:
    return MLKEM768PrivateKey.generate().public_key().public_bytes_raw()


@pytest.mark.parametrize("pq", [True, False])
@pytest.mark.parametrize("signed", [True, False])
def test_both_sides_get_the_same_chain_key_and_session(people: People, pq: bool, signed: bool) -> None:
    alice, bob = people.initiator(pq, signed), people.responder(pq, signed)
    alice_key, bob_key = run(alice, bob)
    assert alice_key == bob_key and len(alice_key) == 32
    assert alice.session == bob.session is not None


def test_two_exchanges_give_two_different_keys(people: People) -> None:
    assert run(people.initiator(), people.responder())[0] != run(people.initiator(), people.responder())[0]


# -- a relay that changes a value: caught by the signatures and the confirmations (signed=True) --------------------


def answer_with_mallory_ciphertext(alice_offer_key: list[bytes]) -> Tamper:
    """Return a relay step that replaces bob's ciphertext by one mallory made to alice's ML-KEM key."""

    def tamper(message: Message) -> Message:
        _, ciphertext = hybrid_keys.encapsulate(alice_offer_key[0])
        return message | {"mlkem_ciphertext": b64(ciphertext)}

    return tamper


@pytest.mark.parametrize(
    "where, tamper",
    [
        ("offer", replaced("x25519", mallory_x25519())),
        ("offer", replaced("mlkem", mallory_mlkem())),
        ("answer", replaced("x25519", mallory_x25519())),
        ("answer", replaced("signature", bytes(64))),
    ],
)
def test_a_relay_that_swaps_a_public_value_is_caught_by_the_answer_signature(
    people: People, where: str, tamper: Tamper
) -> None:
    with pytest.raises(HandshakeFailed, match="the answer's signature does not match bob's identity key"):
        run(people.initiator(), people.responder(), **{where: tamper})


def test_a_relay_that_swaps_the_ml_kem_ciphertext_is_caught(people: People) -> None:
    recorded: list[bytes] = []

    def record(offer: Message) -> Message:
        recorded.append(Offer.parse(offer, pq=True).mlkem)
        return offer

    with pytest.raises(HandshakeFailed, match="the answer's signature does not match bob's identity key"):
        run(people.initiator(), people.responder(), offer=record, answer=answer_with_mallory_ciphertext(recorded))


def test_a_relay_that_answers_with_its_own_identity_is_caught(people: People) -> None:
    alice = people.initiator()
    mallory = hybrid.Responder(people.mallory, "bob", "alice", people.key("alice"))  # signs as bob, with her own key
    with pytest.raises(HandshakeFailed, match="the answer's signature does not match bob's identity key"):
        alice.on_answer(mallory.on_offer(alice.offer()))


def test_a_finish_signed_by_another_identity_is_caught(people: People) -> None:
    alice, bob = people.initiator(), people.responder()
    offer = alice.offer()
    answer = bob.on_offer(offer)
    finish, _ = alice.on_answer(answer)
    # mallory saw every public value, so she can sign exactly what bob checks, but only with her own key
    parsed_offer, parsed_answer = Offer.parse(offer, pq=True), Answer.parse(answer, pq=True, signed=True)
    record = hybrid_keys.transcript(
        "alice", "bob", (people.key("alice"), people.key("bob")), parsed_offer, parsed_answer
    )
    record += hybrid_keys.framed(parsed_answer.confirmation)
    forged = signing.sign(people.mallory, labels.HYBRID_FINISH_SIGNATURE, record)
    assert signing.sign(people.alice, labels.HYBRID_FINISH_SIGNATURE, record) == b64decode(finish["signature"])
    with pytest.raises(HandshakeFailed, match="the finish's signature does not match alice's identity key"):
        bob.on_finish(finish | {"signature": b64(forged)})


@pytest.mark.parametrize("where", ["answer", "finish"])
def test_a_changed_confirmation_fails_key_confirmation(people: People, where: str) -> None:
    with pytest.raises(HandshakeFailed, match="key confirmation failed"):
        run(people.initiator(), people.responder(), **{where: replaced("confirmation", bytes(32))})


def test_a_key_swapping_relay_wins_without_signatures_and_computes_both_keys(people: People) -> None:
    alice, bob = people.initiator(signed=False), people.responder(signed=False)
    relay_x25519, relay_mlkem = X25519PrivateKey.generate(), MLKEM768PrivateKey.generate()
    relay_public = relay_x25519.public_key().public_bytes_raw()
    offer = alice.offer()
    offer_to_bob = offer | {"x25519": b64(relay_public), "mlkem": b64(relay_mlkem.public_key().public_bytes_raw())}
    answer = bob.on_offer(offer_to_bob)
    secret_with_bob = relay_mlkem.decapsulate(Answer.parse(answer, pq=True, signed=False).ciphertext)
    secret_with_alice, ciphertext = hybrid_keys.encapsulate(Offer.parse(offer, pq=True).mlkem)
    answer_to_alice = answer | {"x25519": b64(relay_public), "mlkem_ciphertext": b64(ciphertext)}
    finish, alice_key = alice.on_answer(answer_to_alice)
    bob_key = bob.on_finish(finish)
    # the relay knows everything public (names, identity keys), so it computes the key each side holds
    names, keys = ("alice", "bob"), (people.key("alice"), people.key("bob"))
    recompute = hybrid_keys.recompute_chain_key
    assert recompute(names, keys, offer, answer_to_alice, relay_x25519, secret_with_alice) == alice_key
    assert recompute(names, keys, offer_to_bob, answer, relay_x25519, secret_with_bob) == bob_key
    assert alice_key != bob_key  # two sessions, both the relay's, and nothing told alice or bob


def test_without_confirmation_a_changed_ciphertext_goes_unnoticed_and_the_keys_differ(people: People) -> None:
    recorded: list[bytes] = []

    def record(offer: Message) -> Message:
        recorded.append(Offer.parse(offer, pq=True).mlkem)
        return offer

    # ML-KEM rejects implicitly: a changed ciphertext opens to another secret, never to an error
    alice_key, bob_key = run(
        people.initiator(signed=False),
        people.responder(signed=False),
        offer=record,
        answer=answer_with_mallory_ciphertext(recorded),
    )
    assert alice_key != bob_key


def test_the_same_full_relay_fails_against_signatures(people: People) -> None:
    alice = people.initiator()
    as_bob = hybrid.Responder(people.mallory, "bob", "alice", people.key("alice"))
    with pytest.raises(HandshakeFailed, match="does not match bob's identity key"):
        alice.on_answer(as_bob.on_offer(alice.offer()))


# -- replays and order ---------------------------------------------------------------------------------------------


def test_an_answer_from_an_old_exchange_is_refused_in_a_new_one(people: People) -> None:
    old_alice, old_bob = people.initiator(), people.responder()
    old_answer = old_bob.on_offer(old_alice.offer())
    old_alice.on_answer(old_answer)
    alice = people.initiator()
    offer = alice.offer()
    with pytest.raises(HandshakeFailed, match="belongs to another session"):
        alice.on_answer(old_answer)
    rewritten = people.initiator()
    with pytest.raises(HandshakeFailed, match="signature does not match"):  # the session id moved into it: no help
        rewritten.on_answer(old_answer | {"session": rewritten.offer()["session"]})
    assert offer  # alice's own offer is untouched by the failed replay


def test_a_finish_from_an_old_exchange_is_refused(people: People) -> None:
    old_alice, old_bob = people.initiator(), people.responder()
    old_finish, _ = old_alice.on_answer(old_bob.on_offer(old_alice.offer()))
    bob = people.responder()
    bob.on_offer(people.initiator().offer())
    with pytest.raises(HandshakeFailed, match="belongs to another session"):
        bob.on_finish(old_finish)


def test_messages_out_of_order_are_refused(people: People) -> None:
    alice, bob = people.initiator(), people.responder()
    with pytest.raises(HandshakeFailed, match="out of order"):
        alice.on_answer({})
    with pytest.raises(HandshakeFailed, match="out of order"):
        bob.on_finish({})
    offer = alice.offer()
    with pytest.raises(HandshakeFailed, match="out of order"):
        alice.offer()
    answer = bob.on_offer(offer)
    with pytest.raises(HandshakeFailed, match="out of order"):
        bob.on_offer(offer)
    finish, _ = alice.on_answer(answer)
    with pytest.raises(HandshakeFailed, match="out of order"):
        alice.on_answer(answer)
    bob.on_finish(finish)
    with pytest.raises(HandshakeFailed, match="out of order"):
        bob.on_finish(finish)


# -- low-order X25519 points and malformed ML-KEM values -------------------------------------------------------------

P = 2**255 - 19
SMALL_ORDER = [0, 1, P - 1, P, P + 1]  # the points of order 1, 2 and 4 (and p, p+1: non-canonical 0 and 1)
SMALL_ORDER_HEX = [  # the two points of order 8, as libsodium's blocklist writes them
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
]
LOW_ORDER = [value.to_bytes(32, "little") for value in SMALL_ORDER] + [bytes.fromhex(h) for h in SMALL_ORDER_HEX]
LOW_ORDER += [bytes(point[:31]) + bytes([point[31] | 0x80]) for point in LOW_ORDER]  # the top bit is ignored


def ids(points: list[bytes]) -> list[str]:
    return [point.hex()[:8] + ".." + point.hex()[-2:] for point in points]


@pytest.mark.parametrize("point", LOW_ORDER, ids=ids(LOW_ORDER))
def test_a_low_order_x25519_key_in_the_offer_is_refused(people: People, point: bytes) -> None:
    with pytest.raises(HandshakeFailed, match="low-order X25519 public key refused"):
        people.responder().on_offer(replaced("x25519", point)(people.initiator().offer()))


@pytest.mark.parametrize("point", LOW_ORDER, ids=ids(LOW_ORDER))
def test_a_low_order_x25519_key_in_the_answer_is_refused(people: People, point: bytes) -> None:
    alice = people.initiator(signed=False)  # unsigned, so that the point itself is what gets refused
    answer = people.responder(signed=False).on_offer(alice.offer())
    with pytest.raises(HandshakeFailed, match="low-order X25519 public key refused"):
        alice.on_answer(replaced("x25519", point)(answer))


@pytest.mark.parametrize(
    "value, sentence",
    [(b"\xff" * 1184, "malformed ML-KEM-768 key"), (bytes(1183), "should be 1184 bytes, got 1183"), (b"", "got 0")],
)
def test_a_malformed_ml_kem_key_is_refused(people: People, value: bytes, sentence: str) -> None:
    with pytest.raises(HandshakeFailed, match=sentence):
        people.responder().on_offer(replaced("mlkem", value)(people.initiator().offer()))


@pytest.mark.parametrize("value", [bytes(1087), bytes(1089)])
def test_a_malformed_ml_kem_ciphertext_is_refused(people: People, value: bytes) -> None:
    alice = people.initiator()
    answer = people.responder().on_offer(alice.offer())
    with pytest.raises(HandshakeFailed, match="'mlkem_ciphertext' should be 1088 bytes"):
        alice.on_answer(replaced("mlkem_ciphertext", value)(answer))


# -- no downgrade, no unsigned message into a signed exchange -------------------------------------------------------


def without(field: str) -> Tamper:
    return lambda message: {name: value for name, value in message.items() if name != field}


def test_an_x25519_only_offer_is_refused_by_a_hybrid_responder(people: People) -> None:
    with pytest.raises(HandshakeFailed, match="refuses an X25519-only exchange"):
        people.responder(pq=True).on_offer(people.initiator(pq=False).offer())


def test_a_relay_that_strips_the_ml_kem_key_is_refused(people: People) -> None:
    with pytest.raises(HandshakeFailed, match="refuses an X25519-only exchange"):
        run(people.initiator(), people.responder(), offer=without("mlkem"))


def test_a_relay_that_strips_the_ml_kem_ciphertext_is_refused(people: People) -> None:
    with pytest.raises(HandshakeFailed, match="the answer has no ML-KEM-768 part"):
        run(people.initiator(), people.responder(), answer=without("mlkem_ciphertext"))


def test_an_x25519_only_responder_refuses_a_hybrid_offer(people: People) -> None:
    with pytest.raises(HandshakeFailed, match="runs the X25519-only exchange"):
        people.responder(pq=False).on_offer(people.initiator(pq=True).offer())


def test_a_signed_initiator_refuses_an_unsigned_answer(people: People) -> None:
    alice = people.initiator(signed=True)
    with pytest.raises(HandshakeFailed, match="the answer is not signed"):
        alice.on_answer(people.responder(signed=False).on_offer(alice.offer()))


def test_a_signed_responder_refuses_an_unsigned_finish(people: People) -> None:
    alice, bob = people.initiator(signed=False), people.responder(signed=True)
    finish, _ = alice.on_answer(bob.on_offer(alice.offer()))
    with pytest.raises(HandshakeFailed, match="the finish is not signed"):
        bob.on_finish(finish)


# -- the quantum oracle: what a recorded exchange gives up to someone who learns the X25519 private keys -----------


@pytest.fixture
def recorded_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[bytes, X25519PrivateKey]]:
    """Record every X25519 private key the exchange makes, by its public key (the notebook's oracle)."""
    made: dict[bytes, X25519PrivateKey] = {}

    def recording() -> X25519PrivateKey:
        private = X25519PrivateKey.generate()
        made[private.public_key().public_bytes_raw()] = private
        return private

    monkeypatch.setattr(hybrid, "new_x25519_key", recording)
    yield made


def record_exchange(people: People, pq: bool) -> tuple[Message, Message, bytes]:
    """Run an exchange and return what a passive listener recorded, with the real key."""
    alice, bob = people.initiator(pq), people.responder(pq)
    offer = alice.offer()
    answer = bob.on_offer(offer)
    finish, key = alice.on_answer(answer)
    bob.on_finish(finish)
    return offer, answer, key


@pytest.mark.parametrize("side", ["offer", "answer"])
def test_with_an_x25519_private_key_a_recorded_x25519_only_exchange_gives_up_its_key(
    people: People, recorded_keys: dict[bytes, X25519PrivateKey], side: str
) -> None:
    offer, answer, key = record_exchange(people, pq=False)
    message = Offer.parse(offer, pq=False) if side == "offer" else None
    public = message.x25519 if message else Answer.parse(answer, pq=False, signed=False).x25519
    names, keys = ("alice", "bob"), (people.key("alice"), people.key("bob"))
    assert hybrid_keys.recompute_chain_key(names, keys, offer, answer, recorded_keys[public]) == key


def test_with_both_x25519_private_keys_a_recorded_hybrid_exchange_keeps_its_key(
    people: People, recorded_keys: dict[bytes, X25519PrivateKey]
) -> None:
    offer, answer, key = record_exchange(people, pq=True)
    assert len(recorded_keys) == 2  # both ephemeral X25519 keys, as the oracle would give them
    names, keys = ("alice", "bob"), (people.key("alice"), people.key("bob"))
    for private in recorded_keys.values():
        for guess in (b"", bytes(32)):
            assert hybrid_keys.recompute_chain_key(names, keys, offer, answer, private, mlkem_shared=guess) != key


def test_the_recomputation_is_right_when_it_has_the_ml_kem_secret_too(
    people: People, recorded_keys: dict[bytes, X25519PrivateKey], monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[MLKEM768PrivateKey] = []
    monkeypatch.setattr(hybrid, "new_mlkem_key", lambda: made.append(MLKEM768PrivateKey.generate()) or made[-1])
    offer, answer, key = record_exchange(people, pq=True)
    ciphertext = Answer.parse(answer, pq=True, signed=False).ciphertext
    secret = made[0].decapsulate(ciphertext)
    names, keys = ("alice", "bob"), (people.key("alice"), people.key("bob"))
    private = next(iter(recorded_keys.values()))
    assert hybrid_keys.recompute_chain_key(names, keys, offer, answer, private, mlkem_shared=secret) == key


def test_the_ephemeral_private_keys_are_dropped_once_the_exchange_is_done(people: People) -> None:
    alice, bob = people.initiator(), people.responder()
    run(alice, bob)
    held = [*vars(alice).values(), *vars(bob).values()]
    assert not [value for value in held if isinstance(value, X25519PrivateKey | MLKEM768PrivateKey)]


# -- sizes and malformed messages --------------------------------------------------------------------------------


def raw_length(message: Message) -> int:
    """Return how many bytes a message's base64 fields hold."""
    return sum(len(raw_field(message, name, "m", HandshakeFailed)) for name in message)


@pytest.mark.parametrize("pq", [True, False])
@pytest.mark.parametrize("signed", [True, False])
def test_raw_sizes_are_the_sizes_on_the_wire(people: People, pq: bool, signed: bool) -> None:
    alice, bob = people.initiator(pq, signed), people.responder(pq, signed)
    offer = alice.offer()
    answer = bob.on_offer(offer)
    finish, _ = alice.on_answer(answer)
    sizes = {"offer": raw_length(offer), "answer": raw_length(answer), "finish": raw_length(finish)}
    assert sizes == hybrid_messages.raw_sizes(pq, signed)


BAD_VALUES = [None, 7, "", "not base64!", "YWJj", "é"]


@pytest.mark.parametrize("field", ["session", "x25519", "mlkem"])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_bad_offer_field_raises_handshake_failed_only(people: People, field: str, value: object) -> None:
    with pytest.raises(HandshakeFailed, match=f"'{field}'"):
        people.responder().on_offer(people.initiator().offer() | {field: value})


@pytest.mark.parametrize("field", ["session", "x25519", "mlkem_ciphertext", "signature", "confirmation"])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_bad_answer_field_raises_handshake_failed_only(people: People, field: str, value: object) -> None:
    alice = people.initiator()
    answer = people.responder().on_offer(alice.offer())
    with pytest.raises(HandshakeFailed, match=f"'{field}'"):
        alice.on_answer(answer | {field: value})


@pytest.mark.parametrize("field", ["session", "signature", "confirmation"])
def test_a_missing_finish_field_is_named(people: People, field: str) -> None:
    alice, bob = people.initiator(), people.responder()
    finish, _ = alice.on_answer(bob.on_offer(alice.offer()))
    with pytest.raises(HandshakeFailed, match=f"no '{field}' field|is not signed"):
        bob.on_finish(without(field)(finish))


@pytest.mark.parametrize("message", [None, [], "offer", 3])
def test_a_message_that_is_not_an_object_is_refused(people: People, message: object) -> None:
    with pytest.raises(HandshakeFailed, match="should be a JSON object"):
        people.responder().on_offer(message)


def test_a_wrong_identity_key_length_is_refused(people: People) -> None:
    with pytest.raises(HandshakeFailed, match="identity key should be 32 bytes"):
        hybrid.Initiator(people.alice, "alice", "bob", bytes(31))
