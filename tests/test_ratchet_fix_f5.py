"""F5: a member whose pinned key differs from the one in the group state (a member's add) is flagged, and their
messages are held back until /accept, as in the sealed mode (S6)."""

from chatkit.client import ChatClient
from chatkit.lab import Stage


def test_messages_under_a_key_that_is_not_the_pinned_one_are_held_back(stages: list[Stage]) -> None:
    first = Stage("ratchet")
    stages.append(first)
    alice, bob = first.client("alice"), first.client("bob")
    alice.send("hello from the real alice")
    bob.wait_for_message("hello from the real alice")
    bob.close()
    second = Stage("ratchet")  # a server that shows bob another 'alice' (its own key, the same name)
    stages.append(second)
    carol = second.client("carol")  # never met alice: she adds whoever knocks as 'alice'
    bob = ChatClient(*second.address, "bob", "", "general", "ratchet", keys=first.keys_of("bob"))
    second.clients.append(bob)
    bob.connect()
    bob.wait_for_group({"carol", "bob"})
    fake = second.client("alice")
    bob.wait_for_group({"alice", "bob", "carol"})
    bob.wait_for_problem("key_changed")
    fake.send("I am alice, trust me")
    carol.wait_for_message("I am alice, trust me")
    assert bob.wait_for_problem("held_back")
    assert "I am alice, trust me" not in [m.text for m in bob.messages()]
    bob.accept_key("alice")  # the person decides: then the held message is shown
    assert bob.wait_for_message("I am alice, trust me")
