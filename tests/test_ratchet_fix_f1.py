"""F1: a removed member who reconnects is added again on the server's knock, and reads everything new (S15)."""

import pytest

from chatkit.client import ChatClient
from chatkit.lab import Stage
from chatkit.protocol import ChatError


def test_a_removed_member_who_reconnects_is_not_added_again(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob, carol = stage.client("alice"), stage.client("bob"), stage.client("carol")
    alice.wait_for_group({"alice", "bob", "carol"})
    alice.remove("carol")
    bob.wait_for_group({"alice", "bob"})
    carol.wait_for_problem("not_in_group")
    carol.close()
    carol = ChatClient(*stage.address, "carol", "", "general", "ratchet", keys=stage.keys_of("carol"))
    stage.clients.append(carol)
    carol.connect()  # same key store: the same identity key comes back
    with pytest.raises(ChatError):  # the server knocks for carol: nobody adds her back on its word
        alice.wait_for_group(including="carol", timeout=2)
    alice.send("after carol was removed")
    bob.wait_for_message("after carol was removed")
    assert alice.group and alice.group.names == ("alice", "bob")
    assert "after carol was removed" not in [m.text for m in carol.messages()]
