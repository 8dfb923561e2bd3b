"""F8: a message whose sender key has not arrived is held before its signature is checked, in one list of 100
for every sender: 100 unsigned lines from the network push out a real message, which is then lost silently."""

import json
import time

from chatkit.client.codec import ClassicCodec
from chatkit.client.events import Problem
from chatkit.client.opened import Opened
from chatkit.client.session import MAX_HELD, ClientSession
from chatkit.lab import Stage
from chatkit.lab.relay import TO_CLIENT, Captured
from chatkit.protocol import Frame, Refused


def test_unsigned_junk_does_not_push_out_a_held_message(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice"), stage.client("bob")
    carol = stage.client("carol", via=relay)
    late: list[Captured] = []

    def delay_bobs_envelopes(captured: Captured) -> bytes | None:
        frame = json.loads(captured.line)
        if frame.get("type") == "direct" and frame.get("from") == "bob" and frame.get("kind") == "envelope":
            late.append(captured)
            return None
        return captured.line

    relay.tamper = delay_bobs_envelopes
    alice.update()
    carol.wait_for_group({"alice", "bob", "carol"}, epoch=3)
    time.sleep(0.5)
    bob.send("real message, waiting for its key")
    alice.wait_for_message("real message, waiting for its key")
    time.sleep(0.3)
    real = [c for c in relay.lines(TO_CLIENT, '"type": "message"') if b'"sender": "bob"' in c.line][-1]
    for n in range(100):  # no key needed: nothing here is signed by anyone
        forged = {**json.loads(real.line), "generation": 77, "index": n, "id": 10_000 + n}
        relay.inject(real.connection, TO_CLIENT, (json.dumps(forged) + "\n").encode())
    time.sleep(0.5)
    relay.tamper = None
    for captured in late:
        relay.inject(captured.connection, TO_CLIENT, captured.line)
    assert carol.wait_for_message("real message, waiting for its key")  # today: lost, and nothing says so


class _KeyNeverComes(ClassicCodec):
    """A codec whose every message waits for a sender key that never comes."""

    def open(self, message: Frame, name: str) -> Opened:
        raise Refused("no_sender_key", "held: the sender key has not arrived yet")


def test_held_messages_are_kept_per_sender_and_a_dropped_one_is_said() -> None:
    session = ClientSession("carol", "general", _KeyNeverComes("correct horse"))
    base = {"type": "message", "room": "general", "time": 0.0, "ciphertext": "AA==", "nonce": "AA=="}
    outcomes = [
        session.receive((json.dumps({**base, "sender": sender, "id": n}) + "\n").encode())
        for n, sender in enumerate(["bob"] + ["mallory"] * (MAX_HELD + 1))
    ]
    events = [event for outcome in outcomes for event in outcome.events]
    assert [(type(event), getattr(event, "code", None)) for event in events] == [(Problem, "no_sender_key")]
    assert len(session.unopened["bob"]) == 1 and len(session.unopened["mallory"]) == MAX_HELD
