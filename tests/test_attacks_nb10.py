"""Notebook 10's attacks on the ratchet mode's own exchange (chatkit/crypto/hybrid.py), and in the live chat.

A relay that swaps the keys reads an unsigned exchange (the instructor's Mallory) and is caught once the
transcript is signed; last session's signed answer is refused in a new exchange; a low-order X25519 key is
refused; the safety number is computed over the identity keys only, so it is the same in every session.
"""

import contextlib
import json
import secrets
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chatkit.client import ChatClient
from chatkit.client.pairwise import envelope_header
from chatkit.client.sender_keys import SenderKeys
from chatkit.crypto import safety, sealed, signing
from chatkit.crypto.chains import ReceivingChain
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.hybrid import Initiator, Responder
from chatkit.crypto.labels import ENVELOPE_AD
from chatkit.lab import TO_CLIENT, TO_SERVER, Captured, Relay, Stage
from chatkit.lab.exercises import load_solution
from chatkit.protocol import ChatError, b64, unb64
from tests.conftest import eventually

# X25519 public keys of small order (and their non-canonical twins): each forces a shared secret anyone knows.
LOW_ORDER_POINTS = [
    bytes(32),
    (1).to_bytes(32, "little"),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    bytes.fromhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
]


@pytest.fixture
def solution() -> ModuleType:
    return load_solution("nb10_exchange")


class Pair:
    """Alice and Bob with fresh identities, who know each other's identity key (from the signed group state)."""

    def __init__(self) -> None:
        self.names = "alice", "bob"
        self.alice_id, self.bob_id = signing.new_identity(), signing.new_identity()
        self.keys = signing.public_bytes(self.alice_id), signing.public_bytes(self.bob_id)

    def sides(self, signed: bool = True) -> tuple[Initiator, Responder]:
        """Return a fresh exchange: Alice's initiator and Bob's responder."""
        alice = Initiator(self.alice_id, "alice", "bob", self.keys[1], signed=signed)
        return alice, Responder(self.bob_id, "bob", "alice", self.keys[0], signed=signed)


def test_a_relay_holds_both_keys_of_an_unsigned_exchange(solution: ModuleType) -> None:
    pair = Pair()
    alice, bob = pair.sides(signed=False)
    mallory = solution.Mallory(pair.names, pair.keys)
    finish, alice_key = alice.on_answer(mallory.on_answer(bob.on_offer(mallory.on_offer(alice.offer()))))
    bob_key = bob.on_finish(finish)
    assert (mallory.with_alice, mallory.with_bob) == (alice_key, bob_key), "Mallory reads both directions"
    assert alice_key != bob_key, "Alice and Bob share no key with each other, and neither noticed"


def test_the_signed_exchange_refuses_mallorys_answer(solution: ModuleType) -> None:
    pair = Pair()
    alice, bob = pair.sides(signed=True)
    mallory = solution.Mallory(pair.names, pair.keys)
    with pytest.raises(HandshakeFailed, match="not signed"):
        alice.on_answer(mallory.on_answer(bob.on_offer(mallory.on_offer(alice.offer()))))


@pytest.mark.parametrize("field", ["x25519", "mlkem"])
def test_a_swapped_offer_key_breaks_the_answers_signature(field: str) -> None:
    alice, bob = Pair().sides()
    offer = alice.offer()
    other, _ = Pair().sides()
    offer[field] = other.offer()[field]  # a genuine key, but not Alice's: the transcripts now differ
    with pytest.raises(HandshakeFailed, match="answer's signature does not match bob's identity key"):
        alice.on_answer(bob.on_offer(offer))


def test_a_swapped_answer_key_is_caught_by_both_checks() -> None:
    alice, bob = Pair().sides()
    answer = bob.on_offer(alice.offer())
    answer["x25519"] = b64(secrets.token_bytes(31) + b"\x01")
    with pytest.raises(HandshakeFailed, match="signature does not match|low-order"):
        alice.on_answer(answer)


def test_last_sessions_signed_answer_is_refused_in_a_new_exchange() -> None:
    pair = Pair()
    yesterday_alice, yesterday_bob = pair.sides()
    old_answer = yesterday_bob.on_offer(yesterday_alice.offer())
    alice, _ = pair.sides()
    alice.offer()
    with pytest.raises(HandshakeFailed, match="another session"):
        alice.on_answer(old_answer)
    alice, _ = pair.sides()
    new_offer = alice.offer()
    forged = {**old_answer, "session": new_offer["session"]}  # even with today's session id pasted in
    with pytest.raises(HandshakeFailed, match="signature does not match"):
        alice.on_answer(forged)


@pytest.mark.parametrize("point", LOW_ORDER_POINTS, ids=lambda point: point.hex()[:8])
def test_a_low_order_x25519_key_is_refused(point: bytes) -> None:
    alice, bob = Pair().sides()
    offer = {**alice.offer(), "x25519": b64(point)}
    with pytest.raises(HandshakeFailed, match="low-order X25519 public key refused"):
        bob.on_offer(offer)


def test_the_safety_number_is_over_the_identity_keys_only() -> None:
    pair = Pair()
    today = safety.safety_number("alice", pair.keys[0], "bob", pair.keys[1])
    for _ in range(2):  # two fresh exchanges: new ephemeral keys, new chain keys, the same number
        alice, bob = pair.sides()
        finish, _ = alice.on_answer(bob.on_offer(alice.offer()))
        bob.on_finish(finish)
        assert safety.safety_number("bob", pair.keys[1], "alice", pair.keys[0]) == today
    new_laptop = signing.public_bytes(signing.new_identity())
    assert safety.safety_number("alice", new_laptop, "bob", pair.keys[1]) != today


# --- the same attacks in the live chat: a ratchet server on loopback, members through the kit's relay ---


def offers_with(x25519: bytes) -> Callable[[Captured], bytes | None]:
    """Return a relay's tamper function that puts this X25519 key into every offer on its way to the server."""

    def tamper(seen: Captured) -> bytes | None:
        frame = json.loads(seen.line)
        if seen.direction == TO_SERVER and frame.get("type") == "direct" and frame.get("kind") == "offer":
            frame["body"]["x25519"] = b64(x25519)
            return (json.dumps(frame) + "\n").encode()
        return seen.line

    return tamper


def chatting(stages: list[Stage], *names: str) -> tuple[Stage, list[ChatClient]]:
    """Start a ratchet stage with these members, all in one group."""
    stage = Stage("ratchet")
    stages.append(stage)
    members = [stage.client(name) for name in names]
    for member in members:
        member.wait_for_group(set(names))
    return stage, members


def test_live_a_relay_that_swaps_the_offers_key_is_caught_and_the_member_told(stages: list[Stage]) -> None:
    stage, (alice, bob) = chatting(stages, "alice", "bob")
    relay = stage.relay()
    relay.tamper = offers_with(X25519PrivateKey.generate().public_key().public_bytes_raw())
    carol = stage.client("carol", via=relay)
    told = carol.wait_for_problem("handshake_failed")
    assert "signature does not match" in told.text
    alice.send("still fine")
    assert bob.wait_for_message("still fine", sender="alice").text == "still fine"


def test_live_a_low_order_key_is_refused_and_the_others_chat_on(stages: list[Stage]) -> None:
    stage, (alice, bob) = chatting(stages, "alice", "bob")
    relay = stage.relay()
    relay.tamper = offers_with(bytes(32))
    stage.client("mallory", via=relay)
    refused = alice.wait_for_problem("handshake_failed")
    assert "low-order X25519 public key refused" in refused.text
    bob.send("we carry on")
    assert alice.wait_for_message("we carry on", sender="bob").text == "we carry on"


def yesterdays_answer(old: bytes, paste_session: bool) -> Callable[[Captured], bytes | None]:
    """Return a tamper function that puts yesterday's answer in place of every answer (with today's session id)."""
    yesterday = json.loads(old)

    def tamper(seen: Captured) -> bytes | None:
        if seen.direction != TO_SERVER or b'"kind": "answer"' not in seen.line:
            return seen.line
        today = json.loads(seen.line)
        session = today["body"]["session"] if paste_session else yesterday["body"]["session"]
        return (json.dumps({**yesterday, "body": {**yesterday["body"], "session": session}}) + "\n").encode()

    return tamper


def told(member: ChatClient, reason: str, looked_at: int = 4) -> bool:
    """Return whether one of the member's first few exchange problems says `reason` (an update runs several at once)."""
    for count in range(1, looked_at + 1):
        if reason in member.wait_for_problem("handshake_failed", count=count).text:
            return True
    return False


@pytest.mark.parametrize(("paste_session", "reason"), [(False, "no exchange of ours"), (True, "signature does not")])
def test_live_yesterdays_answer_is_refused_in_todays_exchange(
    stages: list[Stage], paste_session: bool, reason: str
) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice = stage.client("alice")
    bob = stage.client("bob", via=relay)
    alice.wait_for_group({"alice", "bob"})
    alice.send("yesterday")
    bob.wait_for_message("yesterday", sender="alice")  # their exchanges are done: bob's answer was on the wire
    relay.tamper = yesterdays_answer(next(seen.line for seen in relay.lines(TO_SERVER, '"answer"')), paste_session)
    alice.update()  # fresh exchanges: bob's new answer to alice is replaced by yesterday's
    assert told(alice, reason), f"alice should be told: {reason}"


def test_live_the_safety_number_is_the_same_tomorrow(stages: list[Stage]) -> None:
    stage, (alice, bob) = chatting(stages, "alice", "bob")
    today = bob.safety_number("alice")
    alice.close()
    alice = stage.client("alice")  # tomorrow: the same key store, fresh exchanges
    alice.wait_for_group({"alice", "bob"})
    assert alice.safety_number("bob") == bob.safety_number("alice") == today
    group = alice.group
    assert group is not None
    keys = {name: group.key_of(name) or b"" for name in ("alice", "bob")}
    assert safety.safety_number("alice", keys["alice"], "bob", keys["bob"]) == today


class LiveMallory:
    """A relay's tamper function around the instructor's Mallory: one Mallory per exchange, envelopes re-sealed.

    Against members whose exchange is unsigned (the lab's signed=False), she sits in every exchange, opens each
    envelope (a sender key) with the key she shares with its sender, seals it again for its receiver, and so holds
    every sender key: she reads every message.
    """

    def __init__(self, solution: ModuleType, relay: Relay) -> None:
        self.solution, self.relay = solution, relay
        self.middles: dict[tuple[str, str], Any] = {}  # (initiator, responder) -> her Mallory in that exchange
        self.keys = SenderKeys()
        self.read: list[str] = []
        self.held: list[dict[str, Any]] = []  # messages that came before their sender key

    def open(self, message: dict[str, Any]) -> None:
        """Read a message with a sender key she took, or hold it until that key comes."""
        if not self.keys.has(message["sender"], message["generation"]):
            self.held.append(message)
            return
        with contextlib.suppress(ValueError, ChatError):  # a copy she read already: its key is spent
            self.read.append(self.keys.open(message, self.identity_key(message["sender"])))

    def name_of(self, connection: int) -> str:
        """Return who said hello on a relay connection."""
        hellos = self.relay.lines(TO_SERVER, '"hello"')
        return next(json.loads(seen.line)["name"] for seen in hellos if seen.connection == connection)

    def tamper(self, seen: Captured) -> bytes | None:
        """Change offers, answers and envelopes on their way to the server; read the messages coming back."""
        frame = json.loads(seen.line)
        if seen.direction == TO_CLIENT and frame.get("type") == "message":
            self.open(frame)
        if seen.direction != TO_SERVER or frame.get("type") != "direct":
            return seen.line
        sender, body = self.name_of(seen.connection), frame["body"]
        if frame["kind"] == "offer":
            pair = sender, frame["to"]
            self.middles[pair] = self.solution.Mallory(pair, tuple(self.identity_key(name) for name in pair))
            frame["body"] = self.middles[pair].on_offer(body)
        elif frame["kind"] == "answer":
            frame["body"] = self.middles[(frame["to"], sender)].on_answer(body)
        elif frame["kind"] == "envelope":
            frame["body"] = self.reseal(sender, frame["to"], frame["room"], body)
        return (json.dumps(frame) + "\n").encode()

    def identity_key(self, name: str) -> bytes:
        """Return a member's identity key as its hello announced it (public)."""
        hellos = self.relay.lines(TO_SERVER, '"hello"')
        return next(unb64(json.loads(seen.line), "pubkey") for seen in hellos if json.loads(seen.line)["name"] == name)

    def reseal(self, sender: str, to: str, room: str, body: dict[str, Any]) -> dict[str, Any]:
        """Open an envelope with the key shared with its sender, keep the sender key, seal it for its receiver."""
        middle, header = self.middles[(sender, to)], envelope_header(sender, to, room, body["session"])
        opening = ReceivingChain(middle.with_alice).key_for(body["n"])
        plain = sealed.open_sealed(opening, unb64(body, "nonce"), unb64(body, "ciphertext"), ENVELOPE_AD, header)
        self.keys.learn(sender, json.loads(plain))
        waiting, self.held = self.held, []
        for message in waiting:
            self.open(message)
        sealing = ReceivingChain(middle.with_bob).key_for(body["n"])  # the same index, under the key Bob holds
        nonce, ciphertext = sealed.seal(sealing, plain, ENVELOPE_AD, header)
        return {**body, "nonce": b64(nonce), "ciphertext": b64(ciphertext)}


def unsigned_member(stage: Stage, name: str, relay: Relay) -> ChatClient:
    """Connect a member whose pairwise exchanges are unsigned (the lab's switch), through the relay."""
    client = ChatClient(*relay.address, name, stage.password, "general", "ratchet", keys=stage.keys_of(name))
    client.codec.signed = False  # type: ignore[attr-defined]  # before connecting: the sessions are made on joining
    stage.clients.append(client)
    return client.connect()


def test_live_a_relay_reads_a_chat_whose_exchanges_are_unsigned(solution: ModuleType, stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    mallory = LiveMallory(solution, relay)
    relay.tamper = mallory.tamper
    alice, bob = unsigned_member(stage, "alice", relay), unsigned_member(stage, "bob", relay)
    bob.wait_for_group({"alice", "bob"})
    texts = [f"secret {secrets.token_hex(3)}" for _ in range(3)]
    for text in texts:
        alice.send(text)
        bob.wait_for_message(text, sender="alice")  # Bob reads them, and notices nothing
    assert eventually(lambda: set(texts) <= set(mallory.read), 5), "Mallory reads every message"
