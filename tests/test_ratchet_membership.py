"""Attack first: a removed member reads nothing new, a newcomer reads nothing older (S15, docs/ratchet-mode.md).

Both are given far more than the server would give them: a copy of their memory (a Thief, chatkit/lab/thief.py)
is shown every line the other members received, envelopes included, and the rows the server stored. Nothing opens.
"""

import json

from chatkit.client import ChatClient
from chatkit.client.events import Wire
from chatkit.lab.thief import Thief
from chatkit.server import ChatServer
from tests.conftest import Connect, StartServer, eventually
from tests.test_ratchet_chat import chat_of_three


def received_lines(client: ChatClient) -> list[bytes]:
    """Every line the server sent this client so far, in order."""
    return [e.line for e in list(client.history) if isinstance(e, Wire) and e.direction == "received"]


def stored_lines(server: ChatServer) -> list[bytes]:
    """The rows the server stored, turned back into the message lines it relays."""
    lines = []
    for row in server.recent(100):
        message = {"type": "message", "id": row.id, "room": row.room, "sender": row.sender, "time": 1.0}
        lines.append((json.dumps({**message, **json.loads(row.payload)}) + "\n").encode())
    return lines


def test_a_removed_member_still_connected_reads_nothing_new(start_server: StartServer, connect: Connect) -> None:
    server, (alice, bob, carol) = chat_of_three(start_server, connect)
    alice.send("before the removal")
    assert carol.wait_for_message("before the removal")
    memory = Thief(carol.snapshot())  # everything carol holds, kept by carol herself
    seen = {client.name: len(received_lines(client)) for client in (alice, bob)}
    alice.remove("carol")
    for member in (alice, bob):
        member.wait_for_group({"alice", "bob"})
    carol.wait_for_problem("not_in_group")
    alice.send("after the removal")
    bob.send("carol must not read this")
    bob.wait_for_message("after the removal")
    alice.wait_for_message("carol must not read this")
    assert carol.connected, "carol stayed in the room and got every line the server relayed to it"
    later = [line for client in (alice, bob) for line in received_lines(client)[seen[client.name] :]]
    assert memory.watch_lines(received_lines(carol) + later) == []
    texts = [message.text for message in carol.messages()]
    assert "after the removal" not in texts and "carol must not read this" not in texts
    memory.close()


def test_a_newcomer_reads_nothing_from_before_it_joined(start_server: StartServer, connect: Connect) -> None:
    server, (alice, bob, carol) = chat_of_three(start_server, connect)
    for number in range(3):
        alice.send(f"old {number}")
        bob.send(f"older {number}")
    carol.wait_for_message("older 2")
    earlier = received_lines(alice) + received_lines(bob) + received_lines(carol)
    dave = connect(server, "dave", "")
    for member in (alice, bob, carol, dave):
        member.wait_for_group({"alice", "bob", "carol", "dave"})
    alice.send("welcome dave")
    assert dave.wait_for_message("welcome dave", sender="alice")
    memory = Thief(dave.snapshot())
    assert memory.watch_lines(earlier + stored_lines(server)) == []
    assert not any(message.text.startswith("old") for message in dave.messages())
    assert eventually(lambda: any(m.text == "welcome dave" for m in bob.messages()))
    memory.close()
