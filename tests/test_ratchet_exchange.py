"""Attack first: a relay that swaps keys in the exchange, and a member who sends a low-order key (S13).

Both attack the pairwise exchange through which sender keys travel (chatkit/crypto/hybrid.py). The members must be
told which exchange failed and why, and everyone else must go on chatting.
"""

import json

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chatkit import protocol
from chatkit.crypto import signing
from chatkit.crypto.hybrid import Initiator
from chatkit.lab import Stage
from chatkit.lab.relay import Captured
from chatkit.protocol import b64

MALLORY_KEY = X25519PrivateKey.generate().public_key().public_bytes_raw()


def swap_offered_keys(seen: Captured) -> bytes:
    """Put the relay's own X25519 key in every offer, both ways (a man in the middle of the exchange)."""
    frame = json.loads(seen.line)
    if frame.get("type") == "direct" and frame.get("kind") == "offer":
        frame["body"]["x25519"] = b64(MALLORY_KEY)
        return protocol.encode(frame)
    return seen.line


def test_a_relay_that_swaps_a_key_in_the_exchange_is_caught_and_the_members_told(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob = stage.client("alice"), stage.client("bob")
    bob.wait_for_group({"alice", "bob"})
    relay = stage.relay()
    relay.tamper = swap_offered_keys
    carol = stage.client("carol", via=relay)
    caught_by_alice = alice.wait_for_problem("handshake_failed")
    caught_by_carol = carol.wait_for_problem("handshake_failed")
    assert "carol" in caught_by_alice.text and "signature" in caught_by_alice.text
    assert "signature" in caught_by_carol.text
    alice.send("the relay learns nothing")
    assert bob.wait_for_message("the relay learns nothing")
    assert not any(message.text == "the relay learns nothing" for message in carol.messages())


def test_a_low_order_key_from_a_hostile_member_fails_only_that_exchange(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob, mallory = (stage.client(name) for name in ("alice", "bob", "mallory"))
    for member in (alice, bob, mallory):
        member.wait_for_group({"alice", "bob", "mallory"})
    alice_key = signing.public_bytes(alice.codec.identity)  # type: ignore[attr-defined]
    offer = Initiator(mallory.codec.identity, "mallory", "alice", alice_key).offer()  # type: ignore[attr-defined]
    offer["x25519"] = b64(bytes(32))  # the all-zero point: its shared secret is all zeros, whoever answers
    hostile = {"type": "direct", "room": "general", "to": "alice", "kind": "offer", "body": offer}
    mallory.send_line(protocol.encode(hostile))
    refused = alice.wait_for_problem("handshake_failed")
    assert "mallory" in refused.text and "low-order" in refused.text
    alice.send("still here")
    bob.send("me too")
    assert bob.wait_for_message("still here") and alice.wait_for_message("me too")
    assert mallory.wait_for_message("still here"), "mallory's honest exchanges still work"


def test_a_room_of_x25519_only_exchanges_chats_and_a_hybrid_member_refuses_them(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob = stage.client("alice", pq=False), stage.client("bob", pq=False)
    alice.send("only X25519 between us")
    assert bob.wait_for_message("only X25519 between us")
    carol = stage.client("carol")  # a full hybrid member: no downgrade
    assert "ML-KEM" in carol.wait_for_problem("handshake_failed").text
