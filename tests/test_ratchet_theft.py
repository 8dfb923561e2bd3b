"""Attack first: a thief who copies a member's memory at message n (S14), and the key update that heals (S14).

The thief (chatkit/lab/thief.py) is shown every line its victim receives, before the theft and after it.
"""

from chatkit.lab import Stage
from chatkit.lab.active_thief import ActiveThief
from chatkit.lab.thief import Thief
from tests.conftest import Connect, StartServer, eventually
from tests.test_ratchet_chat import chat_of_three
from tests.test_ratchet_membership import received_lines


def test_a_stolen_snapshot_opens_nothing_sent_before_it(start_server: StartServer, connect: Connect) -> None:
    server, (alice, bob, carol) = chat_of_three(start_server, connect)
    for number in range(1, 4):
        alice.send(f"message {number}")
        carol.send(f"reply {number}")
    bob.wait_for_message("reply 3")
    thief = Thief(bob.snapshot())  # at message n: everything bob holds, his identity key included
    assert thief.watch_lines(received_lines(bob)) == [], "the chains only run forward: nothing earlier opens"
    thief.watch_client(bob)
    alice.send("message 4")
    bob.send("bob's own 4")
    bob.wait_for_message("message 4")
    alice.wait_for_message("bob's own 4")
    assert eventually(lambda: set(thief.opened) == {"message 4", "bob's own 4"}), "what follows the theft opens"
    thief.close()


def test_an_update_while_the_thief_only_watches_locks_it_out(start_server: StartServer, connect: Connect) -> None:
    server, (alice, bob, carol) = chat_of_three(start_server, connect)
    alice.send("before the theft")
    bob.wait_for_message("before the theft")
    thief = Thief(bob.snapshot())
    thief.watch_client(bob)
    alice.send("the thief reads this")
    assert eventually(lambda: thief.opened == ["the thief reads this"])
    epoch = bob.group.epoch if bob.group else 0
    bob.update()  # healing: fresh exchanges with everyone, fresh sender keys all round
    for member in (alice, bob, carol):
        member.wait_for_group(epoch=epoch + 1)
    alice.send("after the heal")
    carol.send("carol after the heal")
    bob.send("bob after the heal")
    bob.wait_for_message("after the heal")
    bob.wait_for_message("carol after the heal")
    alice.wait_for_message("bob after the heal")
    assert thief.opened == ["the thief reads this"], "after the update the thief opens nothing more"
    thief.close()


def test_limit_an_active_thief_with_the_identity_key_defeats_the_heal(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob, carol = stage.client("alice"), stage.client("bob", via=relay), stage.client("carol")
    alice.send("before the theft")
    bob.wait_for_message("before the theft")
    thief = ActiveThief(bob.snapshot(), relay)  # bob's identity key too, and a place on bob's connection
    epoch = bob.group.epoch if bob.group else 0
    bob.update()
    for member in (alice, bob, carol):
        member.wait_for_group(epoch=epoch + 1)
    alice.send("after the heal")
    assert eventually(lambda: "after the heal" in thief.opened), "the thief answered the fresh exchange as bob"
    assert not any(message.text == "after the heal" for message in bob.messages()), "bob never got alice's new key"
    thief.close()
