"""The set-up of the F6 tests: a two-member ratchet group, and one junk change injected on alice's connection.

The junk change removes bob, claims `by` as its maker, is signed by a key no member knows and names an all-zero
head: no member can apply it, but a server that checks no signature may still take its head.
"""

import time
from dataclasses import dataclass

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.crypto import group_state, signing
from chatkit.lab import Stage
from chatkit.lab.relay import TO_SERVER, Relay
from chatkit.protocol import b64


@dataclass
class JunkScene:
    stage: Stage
    relay: Relay  # alice's connection runs through it
    alice: ChatClient
    bob: ChatClient
    changes_before: int  # the change lines sent to the server once the junk was in

    def changes_since(self) -> int:
        """How many change lines went to the server (through the relay) since the junk."""
        return len(self.relay.lines(TO_SERVER, '"type": "change"')) - self.changes_before


def inject_junk_change(stages: list[Stage], by: str) -> JunkScene:
    """Make the group of alice and bob, then inject one junk change claimed by `by` on alice's connection."""
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    bob.wait_for_group({"alice", "bob"})
    state = alice.group
    assert state is not None
    junk = group_state.make_change(signing.new_identity(), by, state, "remove", "bob", state.key_of("bob") or b"")
    frame = {"type": "change", "room": "general", "change": junk, "head": b64(bytes(32))}
    relay.inject(relay.lines(TO_SERVER)[0].connection, TO_SERVER, protocol.encode(frame))
    time.sleep(0.3)  # let the server take it (or refuse it) before anyone counts
    return JunkScene(stage, relay, alice, bob, len(relay.lines(TO_SERVER, '"type": "change"')))
