"""The ratchet mode's server rules on their own: changes ordered on the head, lines for one member, no key."""

import socket

import pytest

from chatkit.protocol import ProtocolError, Refused
from chatkit.server.member import Member
from chatkit.server.ratchet import NO_PARENT, RatchetRules, direct_line


def member(name: str, room: str = "general") -> Member:
    """A member record (its socket is never used here)."""
    sock = socket.socket()
    sock.close()
    someone = Member(sock, "127.0.0.1:1")
    someone.name, someone.room, someone.pubkey = name, room, "a2V5"
    return someone


def change_line(epoch: int, parent: str, head: str, room: str = "general") -> dict[str, object]:
    return {"type": "change", "room": room, "change": {"epoch": epoch, "parent": parent}, "head": head}


def test_changes_are_taken_only_on_the_head_and_numbered() -> None:
    rules, alice = RatchetRules(), member("alice")
    relayed = rules.order(alice, change_line(0, NO_PARENT, "aGVhZDA="))
    assert relayed["id"] == 1 and relayed["sender"] == "alice" and rules.head("general") is not None
    with pytest.raises(Refused) as stale:
        rules.order(alice, change_line(0, NO_PARENT, "b3RoZXI="))  # a second create: the group exists
    assert stale.value.code == "stale_change"
    with pytest.raises(Refused):
        rules.order(alice, change_line(1, "d3Jvbmc=", "aGVhZDE="))  # made on another state than the head
    assert rules.order(alice, change_line(1, "aGVhZDA=", "aGVhZDE="))["id"] == 2
    head = rules.head("general")
    assert head is not None and head.frame() == {"epoch": 1, "hash": "aGVhZDE="}


def test_an_empty_room_forgets_its_head_and_a_change_for_another_room_is_refused() -> None:
    rules, alice = RatchetRules(), member("alice")
    rules.order(alice, change_line(0, NO_PARENT, "aGVhZDA="))
    rules.forget("general")
    assert rules.head("general") is None and rules.heads() == {}
    with pytest.raises(Refused) as wrong:
        rules.order(alice, change_line(0, NO_PARENT, "aGVhZDA=", room="random"))
    assert wrong.value.code == "wrong_room"
    with pytest.raises(ProtocolError):
        rules.order(alice, {"type": "change", "room": "general", "change": {"epoch": "one"}, "head": "x"})


def test_hellos_without_the_ratchet_mode_are_refused_with_a_sentence() -> None:
    rules = RatchetRules()
    with pytest.raises(Refused) as refused:
        rules.check_hello(member("bob"), {"type": "hello", "name": "bob", "room": "general", "pubkey": "a2V5"})
    assert refused.value.code == "wrong_mode" and "--mode ratchet" in str(refused.value)


def test_a_direct_line_names_its_sender_and_only_known_kinds_pass() -> None:
    line = {"type": "direct", "room": "general", "to": "bob", "kind": "offer", "body": {}}
    assert direct_line(member("alice"), line) == {
        "type": "direct",
        "room": "general",
        "from": "alice",
        "kind": "offer",
        "body": {},
    }
    with pytest.raises(ProtocolError):
        direct_line(member("alice"), {**line, "kind": "shout"})
    with pytest.raises(Refused):
        direct_line(member("alice", room="random"), line)
