"""F7: a welcome that reaches the newcomer before the 'add' it belongs to (the network reorders two lines) is
dropped; the add then waits for a welcome that never comes: the newcomer is never in the group, while the others
list it and hand it their keys."""

import json

from chatkit.client import ChatClient
from chatkit.lab import Stage
from chatkit.lab.relay import TO_CLIENT, Captured


def test_a_welcome_that_comes_before_its_change_is_kept(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice = stage.client("alice")
    stage.client("bob")
    held: list[Captured] = []

    def delay_the_first_change(captured: Captured) -> bytes | None:
        if json.loads(captured.line).get("type") == "change" and not held:
            held.append(captured)
            return None
        return captured.line

    relay.tamper = delay_the_first_change
    carol = ChatClient(*relay.address, "carol", "", "general", "ratchet", keys=stage.keys_of("carol"))
    stage.clients.append(carol)
    carol.connect()
    carol.wait_for_problem("bad_change")  # the welcome came first: kept, and said
    relay.tamper = None
    relay.inject(held[0].connection, TO_CLIENT, held[0].line)
    carol.wait_for_group({"alice", "bob", "carol"})  # the kept welcome is taken once its add arrives
    alice.send("can carol read")
    assert carol.wait_for_message("can carol read")
