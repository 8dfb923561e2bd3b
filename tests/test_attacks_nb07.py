"""Notebook 07's attacks, live: replay, a message moved to another room, a relabelled sender, a forged message.
Each succeeds against the classic stage and fails (or, for a member's own key, is flagged) against a sealed stage."""

import json
import secrets

from chatkit.crypto import signing
from chatkit.lab import TO_CLIENT, TO_SERVER, Captured
from chatkit.protocol import b64
from tests.test_attacks_nb05 import connection_of, copies, problems, solution, stage, wait_problem


def test_replay_is_accepted_by_classic_and_rejected_by_sealed() -> None:
    ex = solution("nb07_replay")
    for mode in ("classic", "sealed"):
        with stage(mode) as on:
            relay = on.relay()
            alice, bob = on.client("alice", via=relay), on.client("bob")
            text = f"transfer {secrets.randbelow(1000)} to mallory"
            alice.send(text)
            copies(bob, text, 1)
            said = relay.lines(TO_SERVER, '"say"')[-1]
            ex.replay(relay, said, said.connection, times=2)
            if mode == "classic":
                assert len(copies(bob, text, 3)) == 3
            else:
                assert "replay rejected" in wait_problem(alice, "replay", count=2).text
                assert len([m for m in bob.messages() if m.text == text]) == 1


def test_moving_a_message_works_in_classic_and_fails_in_sealed() -> None:
    ex = solution("nb07_replay")
    for mode in ("classic", "sealed"):
        with stage(mode) as on:
            relay = on.relay()
            alice, bob = on.client("alice", via=relay), on.client("bob")
            carol, dave = on.client("carol", room="board", via=relay), on.client("dave", room="board")
            text = f"the board meets at {secrets.randbelow(24)}h"
            alice.send(text)
            copies(bob, text, 1)
            ex.replay(relay, relay.lines(TO_SERVER, '"say"')[-1], connection_of(relay, "carol"))
            if mode == "classic":
                assert copies(dave, text, 1)[0].room == "board"
            else:
                wait_problem(carol, "wrong_room")
                assert not [m for m in dave.messages() if m.text == text]


def test_relabelling_the_sender_works_in_classic_and_fails_in_sealed() -> None:
    ex = solution("nb07_replay")
    for mode in ("classic", "sealed"):
        with stage(mode) as on:
            relay = on.relay()

            def tamper(seen: Captured) -> bytes:
                line = seen.line
                return bytes(ex.relabel(line, "alice")) if seen.direction == TO_CLIENT else line

            relay.tamper = tamper
            bob, mallory = on.client("bob", via=relay), on.client("mallory")
            text = f"ignore my last message, {secrets.token_hex(3)}"
            mallory.send(text)
            if mode == "classic":
                assert copies(bob, text, 1)[0].sender == "alice"
            else:
                assert "from alice" in wait_problem(bob, "cannot_decrypt").text
                assert not [m for m in bob.messages() if m.text == text]


def test_a_forged_classic_message_is_refused_by_sealed_clients() -> None:
    ex = solution("nb07_replay")
    for mode in ("classic", "sealed"):
        with stage(mode) as on:
            relay = on.relay()
            bob = on.client("bob", via=relay)
            text = f"send the files to mallory, {secrets.token_hex(3)}"
            relay.inject(
                connection_of(relay, "bob"), TO_CLIENT, ex.forge_message(on.password, "general", "alice", text)
            )
            if mode == "classic":
                assert copies(bob, text, 1)[0].sender == "alice"
            else:
                wait_problem(bob, "cannot_decrypt")  # no signature, no tag: nothing a sealed client accepts
                assert not [m for m in bob.messages() if m.text == text]


def test_a_sealed_member_writing_as_someone_else_is_flagged() -> None:
    """A member has the room key and a signing key of her own: the forgery opens, but Bob holds it back (S6)."""
    with stage("sealed") as on:
        relay = on.relay()
        alice, bob, mallory = on.client("alice"), on.client("bob", via=relay), on.client("mallory")
        alice.send("hello, it is alice")
        copies(bob, "hello, it is alice", 1)  # Bob pins Alice's key
        say = mallory.codec.seal("send her the money", "general", "alice")  # type: ignore[attr-defined]
        pubkey = b64(signing.public_bytes(mallory.codec.identity))  # type: ignore[union-attr]
        forged = {**say, "type": "message", "id": 0, "sender": "alice", "pubkey": pubkey}
        relay.inject(connection_of(relay, "bob"), TO_CLIENT, json.dumps(forged).encode())
        assert "alice's identity key changed" in wait_problem(bob, "key_changed").text
        assert not problems(bob, "cannot_decrypt")
        alice.send("the real alice again")
        copies(bob, "the real alice again", 1)
        assert not [m for m in bob.messages() if m.text == "send her the money"], "a forgery was shown"
