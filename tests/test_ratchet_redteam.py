"""Red team: the ratchet mode attacked as its adversaries would, against the kit's own server (S13-S15).

Each test is an attack that fails: the network (a relay), the server (a two-faced delivery from chatkit.lab.hostile),
a member who crafts its own lines, and a former member who keeps what it held. Every loop is bounded.
"""

import contextlib
import json
import time
from typing import Any

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.client.pairwise import Pairwise
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.sender_keys import header_bytes
from chatkit.crypto import signing
from chatkit.crypto.chains import WINDOW, SendingChain
from chatkit.crypto.hybrid import Initiator
from chatkit.crypto.labels import SENDER_MESSAGE_SIGNATURE
from chatkit.lab import Stage
from chatkit.lab.hostile import malicious
from chatkit.lab.relay import TO_CLIENT, Captured
from chatkit.protocol import ChatError, Frame, b64
from chatkit.server.member import Member
from tests.conftest import eventually


def three(stages: list[Stage]) -> tuple[Stage, ChatClient, ChatClient, ChatClient]:
    """Start a ratchet stage with alice, bob and carol in one group."""
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob, carol = (stage.client(name) for name in ("alice", "bob", "carol"))
    for member in (alice, bob, carol):
        member.wait_for_group({"alice", "bob", "carol"})
    return stage, alice, bob, carol


def codec(client: ChatClient) -> RatchetCodec:
    """Return a client's ratchet codec (its keys), as a hostile member's own code would reach it."""
    found = client.session.codec
    if not isinstance(found, RatchetCodec):
        raise TypeError(f"expected a ratchet codec, got {type(found).__name__}")
    return found


def texts(client: ChatClient) -> list[str]:
    """Return the texts a client shows."""
    return [message.text for message in client.messages()]


def test_a_server_that_relabels_a_message_as_another_members_shows_nothing_under_that_name(
    stages: list[Stage],
) -> None:
    stage, alice, bob, carol = three(stages)

    def as_bob(frame: Frame, member: Member) -> Frame:
        if frame["type"] == "message" and frame.get("sender") == "alice" and member.name == "carol":
            return {**frame, "sender": "bob", "pubkey": b64(codec(bob).public)}
        return frame

    with malicious(stage, as_bob):
        alice.send("bob owes alice 100")
        bob.wait_for_message("bob owes alice 100")
        time.sleep(0.3)
    alice.send("said by alice, untouched")
    carol.wait_for_message("said by alice, untouched")
    assert not any(m.text == "bob owes alice 100" for m in carol.messages())


def test_an_envelope_relabelled_as_from_another_member_opens_nothing(stages: list[Stage]) -> None:
    stage, alice, bob, carol = three(stages)
    relabelled: list[Frame] = []

    def from_bob(frame: Frame, member: Member) -> Frame:
        is_alices = frame["type"] == "direct" and frame["kind"] == "envelope" and frame["from"] == "alice"
        if is_alices and member.name == "carol" and not relabelled:
            relabelled.append(frame)
            return {**frame, "from": "bob"}  # alice's sender key, handed to carol as if it were bob's
        return frame

    with malicious(stage, from_bob):
        alice.update()  # fresh sessions and sender keys: envelopes from alice to everyone
        problem = carol.wait_for_problem("cannot_decrypt")
    assert relabelled and "envelope from bob" in problem.text
    bob.send("bob's own key is still bob's")
    assert carol.wait_for_message("bob's own key is still bob's")


def test_a_member_who_jumps_far_ahead_in_its_chain_is_refused_and_memory_stays_bounded(stages: list[Stage]) -> None:
    stage, alice, bob, carol = three(stages)
    own = codec(bob).keys.chain
    if own is None:
        raise AssertionError("bob, a member, should hold a sender chain")
    chain_key, index = own.position
    codec(bob).keys.chain = SendingChain(chain_key, index + 10**9)  # a hostile member's own code
    bob.send("a billion messages later")
    refused = alice.wait_for_problem("cannot_decrypt")
    assert "ahead" in refused.text and "replay" not in refused.text  # never seen before: not called a replay
    for receiver in (alice, carol):
        chains = codec(receiver).keys.receiving.values()
        assert all(len(chain.snapshot()["skipped"]) <= WINDOW for chain in chains)
    alice.send("the room goes on")
    assert carol.wait_for_message("the room goes on")


def test_a_message_with_a_confusing_epoch_or_generation_is_refused_and_shows_nothing(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice"), stage.client("bob", via=relay)
    bob.wait_for_group({"alice", "bob"})
    odd: list[Any] = [True, -1, 2**63, 1.5, "1", None, [0]]
    seen = {"n": 0}

    def confuse(captured: Captured) -> bytes:
        frame = json.loads(captured.line)
        if frame.get("type") == "message" and frame.get("sender") == "alice" and seen["n"] < 2 * len(odd):
            field = "epoch" if seen["n"] % 2 == 0 else "generation"
            frame[field] = odd[seen["n"] // 2]
            seen["n"] += 1
        return (json.dumps(frame) + "\n").encode()  # raw: the kit's encoder would refuse these types

    relay.tamper = confuse
    for number in range(2 * len(odd)):
        alice.send(f"confused {number}")
    assert eventually(lambda: seen["n"] == 2 * len(odd), 5)
    relay.tamper = None
    alice.send("plain again")
    assert bob.wait_for_message("plain again")
    assert not any(text.startswith("confused") for text in texts(bob))


def test_divergent_knocks_make_one_add_and_one_group(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob = stage.client("alice"), stage.client("bob")

    def both_first(frame: Frame, member: Member) -> Frame:
        if frame["type"] == "knock":  # each member is told it is the only one present: both add the newcomer
            return {**frame, "present": [member.name, frame["name"]]}
        return frame

    with malicious(stage, both_first):
        carol = stage.client("carol")
        for member in (alice, bob, carol):
            member.wait_for_group({"alice", "bob", "carol"})
    assert alice.group == bob.group == carol.group and alice.group and alice.group.epoch == 2
    carol.send("one group")
    assert alice.wait_for_message("one group") and bob.wait_for_message("one group")


def test_a_former_member_whose_removal_was_withheld_from_it_reads_nothing_new(stages: list[Stage]) -> None:
    stage, alice, bob, carol = three(stages)

    def keep_carol_in_the_past(frame: Frame, member: Member) -> Frame | None:
        return None if member.name == "carol" and frame["type"] == "change" else frame

    with malicious(stage, keep_carol_in_the_past):
        alice.remove("carol")
        bob.wait_for_group({"alice", "bob"})
        alice.wait_for_group({"alice", "bob"})
        time.sleep(0.3)  # alice's and bob's new sender keys went to each other only
        alice.send("carol is out")
        bob.send("carol cannot read this")
        alice.wait_for_message("carol cannot read this")
        bob.wait_for_message("carol is out")
        time.sleep(0.3)
    assert carol.group and carol.group.is_member("carol"), "carol still believes she is in"
    assert "carol is out" not in texts(carol) and "carol cannot read this" not in texts(carol)


def test_a_former_member_who_goes_on_sending_in_the_old_epoch_is_not_shown(stages: list[Stage]) -> None:
    stage, alice, bob, carol = three(stages)

    def keep_carol_in_the_past(frame: Frame, member: Member) -> Frame | None:
        return None if member.name == "carol" and frame["type"] == "change" else frame

    with malicious(stage, keep_carol_in_the_past):
        alice.remove("carol")
        bob.wait_for_group({"alice", "bob"})
        alice.wait_for_group({"alice", "bob"})
        carol.send("carol, removed, still talking")
        alice.send("members only")
        bob.wait_for_message("members only")
        time.sleep(0.3)
    assert "carol, removed, still talking" not in texts(alice) + texts(bob)


def test_a_member_who_reuses_another_members_session_id_reads_nothing_of_theirs() -> None:
    alice_id, bob_id, mallory_id = (signing.new_identity() for _ in range(3))
    alice = Pairwise(alice_id, "alice")
    bob = Pairwise(bob_id, "bob")
    keys = {name: signing.public_bytes(who) for name, who in (("alice", alice_id), ("bob", bob_id))}
    keys["mallory"] = signing.public_bytes(mallory_id)
    offer = alice.send("lab", "bob", keys["bob"], {"kind": "note", "text": "for bob"})[0]
    answer = bob.on_offer("lab", "alice", keys["alice"], offer["body"])[0]
    finish, envelope = alice.on_answer("lab", "bob", answer["body"])
    bob.on_finish("alice", finish["body"])
    session = offer["body"]["session"]
    # mallory runs an exchange with bob under alice's session id, then sends an envelope that names it
    forged = Initiator(mallory_id, "mallory", "bob", keys["bob"])
    forged._session, forged.session = protocol.unb64({"s": session}, "s"), session
    their_answer = bob.on_offer("lab", "mallory", keys["mallory"], forged.offer())[0]
    their_finish, _ = forged.on_answer(their_answer["body"])
    bob.on_finish("mallory", their_finish)
    assert bob.open("lab", "alice", envelope["body"]) == {"kind": "note", "text": "for bob"}
    try:
        bob.open("lab", "mallory", envelope["body"])  # alice's envelope, relabelled as mallory's
    except protocol.Refused as refusal:
        assert refusal.code == "cannot_decrypt"
    else:
        raise AssertionError("an envelope of alice's session opened as mallory's")
    later = alice.send("lab", "bob", keys["bob"], {"kind": "note", "text": "still for bob"})[0]
    assert bob.open("lab", "alice", later["body"]) == {"kind": "note", "text": "still for bob"}


def test_a_network_that_replays_every_message_envelope_and_change_changes_nothing(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice"), stage.client("bob")
    carol = stage.client("carol", via=relay)
    alice.send("one")
    bob.send("two")
    carol.wait_for_message("two")
    alice.update()
    carol.wait_for_group({"alice", "bob", "carol"}, epoch=3)
    alice.send("after the update")
    carol.wait_for_message("after the update")
    group = carol.group
    replayable = ('"type": "message"', '"kind": "envelope"', '"type": "change"', '"kind": "welcome"')
    old = [c for c in relay.lines(TO_CLIENT) if any(kind in c.line.decode() for kind in replayable)]
    assert len(old) >= 8
    for captured in old[:200]:
        relay.inject(captured.connection, TO_CLIENT, captured.line)
    bob.send("fresh, after the replays")
    assert carol.wait_for_message("fresh, after the replays")
    assert carol.group == group
    for text in ("one", "two", "after the update"):
        assert texts(carol).count(text) == 1


def test_two_members_who_remove_each_other_at_once_leave_one_group(stages: list[Stage]) -> None:
    stage, alice, bob, carol = three(stages)
    alice.remove("bob")
    with contextlib.suppress(ChatError):  # if alice's removal reached bob first, bob is told he is out: fine too
        bob.remove("alice")
    assert eventually(lambda: carol.group is not None and len(carol.group.names) == 2, 5)
    survivor = alice if carol.group and carol.group.is_member("alice") else bob
    survivor.wait_for_group({survivor.name, "carol"})
    assert survivor.group == carol.group
    survivor.send("the one group left")
    assert carol.wait_for_message("the one group left")


def test_a_server_that_re_signs_a_message_and_attaches_its_own_key_is_not_believed(stages: list[Stage]) -> None:
    stage, alice, bob, carol = three(stages)
    server_key = signing.new_identity()

    def re_sign(frame: Frame, member: Member) -> Frame:
        if frame["type"] != "message" or frame.get("sender") != "alice" or member.name != "carol":
            return frame
        signed = header_bytes(frame, "alice") + protocol.unb64(frame, "nonce") + protocol.unb64(frame, "ciphertext")
        signature = signing.sign(server_key, SENDER_MESSAGE_SIGNATURE, signed)
        return {**frame, "signature": b64(signature), "pubkey": b64(signing.public_bytes(server_key))}

    with malicious(stage, re_sign):
        alice.send("re-signed by the server")
        assert "forged or tampered" in carol.wait_for_problem("cannot_decrypt").text
    alice.send("signed by alice")
    assert carol.wait_for_message("signed by alice")
    assert "re-signed by the server" not in texts(carol)


def test_a_look_alike_newcomer_is_flagged_to_every_member_who_adds_it_to_its_group(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob = stage.client("alice"), stage.client("bob")
    stage.client("aIice")  # a capital I: the same on many screens
    for member in (alice, bob):
        assert "looks like 'alice'" in member.wait_for_problem("look_alike").text
    assert bob.group and set(bob.group.names) == {"alice", "bob", "aIice"}
