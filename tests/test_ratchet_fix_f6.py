"""F6, the client's side: after one bogus change moved the server's head, a member re-makes a stale change only a
few times, then gives up with a Problem saying the server's head is not its group's (S11). The server now refuses a
change not made in its sender's name (tests/test_ratchet_fix_f6_server.py), so the bogus change here claims the
name of the connection it comes on, with a signature no member can check: the server, which checks no signature,
still takes its head (the limit that file names)."""

import time

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.client.ratchet_group import MAX_RETRIES
from chatkit.crypto import group_state, signing
from chatkit.lab import Stage
from chatkit.lab.relay import TO_SERVER
from chatkit.protocol import b64


def test_a_member_gives_up_on_a_change_the_server_keeps_refusing_as_stale(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    bob.wait_for_group({"alice", "bob"})
    state = alice.group
    assert state is not None
    junk = group_state.make_change(signing.new_identity(), "alice", state, "remove", "bob", state.key_of("bob") or b"")
    frame = {"type": "change", "room": "general", "change": junk, "head": b64(bytes(32))}
    relay.inject(relay.lines(TO_SERVER)[0].connection, TO_SERVER, protocol.encode(frame))
    time.sleep(0.3)
    before = len(relay.lines(TO_SERVER, '"type": "change"'))
    carol = ChatClient(*stage.address, "carol", "", "general", "ratchet", keys=stage.keys_of("carol"))
    stage.clients.append(carol)
    carol.connect()  # the knock: alice, first present, tries to add carol on the head the junk made
    problem = alice.wait_for_problem("stale_change")
    assert "the server's head is not our group's" in problem.text
    time.sleep(1)
    assert len(relay.lines(TO_SERVER, '"type": "change"')) - before == MAX_RETRIES + 1  # the first try and 3 more
