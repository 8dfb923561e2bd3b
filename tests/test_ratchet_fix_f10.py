"""F10: a change line lost on its way to the server leaves the member's `outstanding` change set forever: it never
makes another change, and as the first member present it never adds a newcomer again (S11: a lock-out from one
dropped line, lasting after the network stops interfering)."""

import json
import time

from chatkit.lab import Stage
from chatkit.lab.relay import Captured


def test_a_lost_change_does_not_stop_the_members_later_changes(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice = stage.client("alice", via=relay)
    stage.client("bob")
    dropped: list[Captured] = []

    def drop_the_first_change(captured: Captured) -> bytes | None:
        if json.loads(captured.line).get("type") == "change" and not dropped:
            dropped.append(captured)
            return None
        return captured.line

    relay.tamper = drop_the_first_change
    alice.update()  # lost on the way to the server
    time.sleep(0.5)
    relay.tamper = None
    carol = stage.client("carol")
    assert carol.group and carol.group.is_member("carol")
