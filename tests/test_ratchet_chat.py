"""The ratchet mode live on loopback: members make the group, hand out sender keys and chat (docs/ratchet-mode.md)."""

import pytest

from chatkit.client import ChatClient
from chatkit.protocol import Refused
from chatkit.server import ChatServer, RatchetRules
from tests.conftest import Connect, StartServer, eventually

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


def test_the_widgets_show_the_signed_group_and_the_server_panel_its_head(start_server: StartServer) -> None:
    from chatkit.widgets import ChatWidget, ServerPanel

    server = start_server("ratchet")
    alice, bob = ChatWidget(server, "alice", ""), ChatWidget(server, "bob", "")
    panel = ServerPanel(server)
    try:
        bob.client.wait_for_group({"alice", "bob"})
        alice.say("hello bob")
        bob.client.wait_for_message("hello bob")
        bob.flush()
        assert "group, epoch 1 (signed): alice, bob" in bob.members_line.value
        assert "group, epoch 1 (signed): alice, bob" in bob.text()
        assert any("hello bob" in row for row in bob.log_rows())
        panel.refresh()
        assert "group of general: epoch 1" in panel.text() and "hello bob" not in panel.text()
    finally:
        for widget in (alice, bob, panel):
            widget.close()


def test_two_members_at_once_make_one_group_and_newcomers_at_once_all_get_in(
    start_server: StartServer, connect: Connect
) -> None:
    import threading

    server = start_server("ratchet")

    def join_at_once(names: tuple[str, ...]) -> list[ChatClient]:
        clients = [ChatClient(*server.address, name, "", mode="ratchet") for name in names]
        threads = [threading.Thread(target=client.connect) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        return clients

    first = join_at_once(("alice", "bob"))  # both may send a 'create': the server keeps one, the other is added
    later = join_at_once(("carol", "dave", "erin"))  # three knocks at once: the adds are ordered one by one
    everyone = first + later
    try:
        for member in everyone:
            member.wait_for_group({"alice", "bob", "carol", "dave", "erin"}, timeout=20)
        everyone[-1].send("all of us")
        for member in everyone:
            member.wait_for_message("all of us")
    finally:
        for member in everyone:
            member.close()


def test_an_empty_room_forgets_its_group_and_the_next_member_makes_a_new_one(
    start_server: StartServer, connect: Connect
) -> None:
    server = start_server("ratchet")
    alice = connect(server, "alice", "")
    alice.wait_for_group({"alice"})
    alice.close()
    assert eventually(lambda: server.rules.heads() == {}) if isinstance(server.rules, RatchetRules) else False
    bob = connect(server, "bob", "")
    assert bob.wait_for_group({"bob"}).epoch == 0, "a new group: the old one lived in its members' memory"


def test_safety_numbers_match_and_a_mode_mismatch_is_refused_with_a_sentence(
    start_server: StartServer, connect: Connect
) -> None:
    server, (alice, bob, carol) = chat_of_three(start_server, connect)
    assert alice.safety_number("bob") == bob.safety_number("alice")
    sealed = start_server("sealed")
    with pytest.raises(Refused) as refused:
        ChatClient(*sealed.address, "dave", "", mode="ratchet").connect()
    assert refused.value.code == "wrong_mode" and "sealed mode" in str(refused.value)
    with pytest.raises(Refused) as refused:
        ChatClient(*server.address, "erin", "pass phrase", mode="sealed", iterations=1000).connect()
    assert refused.value.code == "wrong_mode" and "ratchet mode" in str(refused.value)
