"""The ratchet mode live on loopback: members make the group, hand out sender keys and chat (docs/ratchet-mode.md)."""

from chatkit.client import ChatClient
from chatkit.server import ChatServer
from tests.conftest import Connect, StartServer

NAMES = ("alice", "bob", "carol")


def chat_of_three(start_server: StartServer, connect: Connect) -> tuple[ChatServer, list[ChatClient]]:
    """Start a ratchet server and connect alice, bob and carol one after the other, each added by the group."""
    server = start_server("ratchet")
    members: list[ChatClient] = []
    for name in NAMES:
        members.append(connect(server, name, ""))
        for member in members:
            member.wait_for_group(NAMES[: len(members)])
    return server, members


def test_three_members_create_the_group_add_each_other_and_chat(start_server: StartServer, connect: Connect) -> None:
    server, members = chat_of_three(start_server, connect)
    for member in members:
        member.send(f"hello from {member.name}")
    for member in members:
        for sender in NAMES:
            assert member.wait_for_message(f"hello from {sender}", sender=sender).own == (sender == member.name)
    states = {member.name: member.group for member in members}
    assert len({state.hash for state in states.values() if state}) == 1, "every member holds the same signed state"
    assert all(state and state.epoch == 2 and state.names == NAMES for state in states.values())


def test_the_server_stores_only_ciphertext(start_server: StartServer, connect: Connect) -> None:
    server, members = chat_of_three(start_server, connect)
    members[0].send("the secret plan")
    members[1].wait_for_message("the secret plan")
    rows = server.recent(10)
    assert rows and all("secret plan" not in row.payload for row in rows)
