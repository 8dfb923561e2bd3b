"""F6, the client's side: after one bogus change moved the server's head, a member re-makes a stale change only a
few times, then gives up with a Problem saying the server's head is not its group's (S11). The server now refuses a
change not made in its sender's name (tests/test_ratchet_fix_f6_server.py), so the bogus change here claims the
name of the connection it comes on, with a signature no member can check: the server, which checks no signature,
still takes its head (the limit that file names)."""

import time

from chatkit.client import ChatClient
from chatkit.client.ratchet_group import MAX_RETRIES
from chatkit.lab import Stage
from tests.junk_change import inject_junk_change


def test_a_member_gives_up_on_a_change_the_server_keeps_refusing_as_stale(stages: list[Stage]) -> None:
    scene = inject_junk_change(stages, by="alice")
    stage, alice = scene.stage, scene.alice
    carol = ChatClient(*stage.address, "carol", "", "general", "ratchet", keys=stage.keys_of("carol"))
    stage.clients.append(carol)
    carol.connect()  # the knock: alice, first present, tries to add carol on the head the junk made
    problem = alice.wait_for_problem("stale_change")
    assert "the server's head is not our group's" in problem.text
    time.sleep(1)
    assert scene.changes_since() == MAX_RETRIES + 1  # the first try and 3 more
