"""Notebook 08 from the other side: a malicious server (here, a relay in front of Bob) changes, replays or moves the
message lines it delivers. Classic clients show whatever arrives; sealed clients check every line themselves."""

import base64
import json
import secrets

from chatkit.crypto import signing
from chatkit.lab import TO_CLIENT, Captured, Relay
from tests.test_attacks_nb05 import connection_of, copies, solution, stage, wait_problem


def first_message(relay: Relay) -> Captured:
    """Return the first message line the relay delivered to a client."""
    return relay.lines(TO_CLIENT, '"message"')[0]


def test_a_replayed_message_line_is_shown_by_classic_and_refused_by_sealed() -> None:
    for mode in ("classic", "sealed"):
        with stage(mode) as on:
            relay = on.relay()
            alice, bob = on.client("alice"), on.client("bob", via=relay)
            text = f"transfer {secrets.randbelow(1000)} to mallory"
            alice.send(text)
            copies(bob, text, 1)
            relay.inject(connection_of(relay, "bob"), TO_CLIENT, first_message(relay).line)
            if mode == "classic":
                assert len(copies(bob, text, 2)) == 2
            else:
                assert "replay rejected" in wait_problem(bob, "replay").text
                assert len([m for m in bob.messages() if m.text == text]) == 1


def test_a_changed_message_line_is_shown_by_classic_and_refused_by_sealed() -> None:
    ex = solution("nb05_bitflip")
    for mode in ("classic", "sealed"):
        with stage(mode) as on:
            relay = on.relay()
            alice, bob = on.client("alice"), on.client("bob", via=relay)
            alice.send("pay 10 to carol")
            copies(bob, "pay 10 to carol", 1)
            frame = json.loads(first_message(relay).line)
            frame["ciphertext"] = ex.retarget(frame["ciphertext"], 4, b"10", b"99")
            if "counter" in frame:  # sealed: a new counter, so that Bob's client does not stop at "replay"
                frame["counter"] += 1
            relay.inject(connection_of(relay, "bob"), TO_CLIENT, json.dumps(frame).encode())
            if mode == "classic":
                assert copies(bob, "pay 99 to carol", 1)[0].sender == "alice"
            else:
                wait_problem(bob, "cannot_decrypt")
                assert not [m for m in bob.messages() if m.text == "pay 99 to carol"]


def test_parts_and_checks_of_a_sealed_line() -> None:
    ex = solution("nb08_aead")
    with stage("sealed") as on:
        alice, bob = on.client("alice"), on.client("bob")
        alice.send("meet at the dock")
        frame = json.loads(copies(bob, "meet at the dock", 1)[0].line)
        key = bob.codec.keys["general"]  # type: ignore[union-attr]
        assert ex.open_message(key, frame) == "meet at the dock"
        pinned = signing.public_bytes(alice.codec.identity)  # type: ignore[attr-defined]
        assert ex.sender_signed(frame, pinned)
        moved = {**frame, "room": "board"}
        assert not ex.sender_signed(moved, pinned)
        assert len(ex.parts(frame)["tag"]) == 16
        assert base64.b64decode(frame["ciphertext"])[-16:] == ex.parts(frame)["tag"]
