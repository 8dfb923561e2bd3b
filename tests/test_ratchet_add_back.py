"""Adding back a member who was removed: only on purpose (a knock alone never does it), and they read nothing older."""

import pytest

from chatkit.client import ChatClient
from chatkit.lab import Stage
from chatkit.protocol import ChatError


def removed_carol(stages: list[Stage]) -> tuple[Stage, ChatClient, ChatClient, ChatClient]:
    """A ratchet stage where alice removed carol, who is still connected."""
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob, carol = stage.client("alice"), stage.client("bob"), stage.client("carol")
    alice.wait_for_group({"alice", "bob", "carol"})
    alice.remove("carol")
    bob.wait_for_group({"alice", "bob"})
    carol.wait_for_problem("not_in_group")
    return stage, alice, bob, carol


def texts(client: ChatClient) -> list[str]:
    return [message.text for message in client.messages()]


def test_a_removed_member_still_connected_is_added_back_and_reads_only_what_comes_after(stages: list[Stage]) -> None:
    _, alice, bob, carol = removed_carol(stages)
    bob.send("while carol was out")
    alice.wait_for_message("while carol was out")
    alice.add_back("carol")
    for member in (alice, bob, carol):
        member.wait_for_group({"alice", "bob", "carol"})
    bob.send("carol is back")
    carol.wait_for_message("carol is back", sender="bob")
    carol.send("thanks")
    alice.wait_for_message("thanks", sender="carol")
    bob.wait_for_message("thanks", sender="carol")
    assert "while carol was out" not in texts(carol)


def test_a_removed_member_who_reconnects_comes_back_only_when_added_on_purpose(stages: list[Stage]) -> None:
    stage, alice, bob, carol = removed_carol(stages)
    carol.close()
    carol = ChatClient(*stage.address, "carol", "", "general", "ratchet", keys=stage.keys_of("carol"))
    stage.clients.append(carol)
    carol.connect()  # the same identity key: the server knocks for her, and nobody adds her on that alone
    alice.wait_for_problem("removed")
    alice.add_back("carol")
    carol.wait_for_group({"alice", "bob", "carol"})
    bob.wait_for_group({"alice", "bob", "carol"})
    alice.send("welcome back")
    carol.wait_for_message("welcome back", sender="alice")


def test_adding_back_someone_never_removed_or_still_in_says_why(stages: list[Stage]) -> None:
    _, alice, bob, _ = removed_carol(stages)
    with pytest.raises(ChatError, match="dave was not removed from this group"):
        alice.add_back("dave")
    with pytest.raises(ChatError, match="bob is in the group already"):
        alice.add_back("bob")
    assert alice.group and alice.group.names == ("alice", "bob")


def test_a_removed_member_cannot_add_itself_back(stages: list[Stage]) -> None:
    """Carol's own client says she cannot (a change she signed would be refused by every member: she is no member)."""
    _, alice, bob, carol = removed_carol(stages)
    with pytest.raises(ChatError, match="you are not in the group of general: only a member can add someone back"):
        carol.add_back("carol")
    bob.send("still just us")
    alice.wait_for_message("still just us")
    assert alice.group and alice.group.names == ("alice", "bob")
    assert bob.group and bob.group.names == ("alice", "bob")
    assert "still just us" not in texts(carol)
