"""The ratchet mode's server rules on their own: changes ordered on the head, lines for one member, no key."""

import socket

import pytest

from chatkit.protocol import ProtocolError, Refused, b64
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules, direct_line

GROUP_ID, OTHER_ID, HEAD0, HEAD1, WRONG = (b64(bytes([tag]) * 32) for tag in range(5))  # state hashes, as base64


def member(name: str, room: str = "general") -> Member:
    """A member record (its socket is never used here)."""
    sock = socket.socket()
    sock.close()
    someone = Member(sock, "127.0.0.1:1")
    someone.name, someone.room, someone.pubkey = name, room, "a2V5"
    return someone


def change_line(epoch: int, parent: str, head: str, room: str = "general", by: str = "alice") -> dict[str, object]:
    return {"type": "change", "room": room, "change": {"epoch": epoch, "parent": parent, "by": by}, "head": head}


def test_changes_are_taken_only_on_the_head_and_numbered() -> None:
    rules, alice = RatchetRules(), member("alice")
    relayed = rules.order(alice, change_line(0, GROUP_ID, HEAD0))
    assert relayed["id"] == 1 and relayed["sender"] == "alice" and rules.head("general") is not None
    with pytest.raises(Refused) as stale:
        rules.order(alice, change_line(0, OTHER_ID, HEAD1))  # a second create: the group exists
    assert stale.value.code == "stale_change"
    with pytest.raises(Refused):
        rules.order(alice, change_line(1, WRONG, HEAD1))  # made on another state than the head
    assert rules.order(alice, change_line(1, HEAD0, HEAD1))["id"] == 2
    head = rules.head("general")
    assert head is not None and head.frame() == {"epoch": 1, "hash": HEAD1}


def test_an_empty_room_forgets_its_head_and_a_change_for_another_room_is_refused() -> None:
    rules, alice = RatchetRules(), member("alice")
    rules.order(alice, change_line(0, GROUP_ID, HEAD0))
    rules.forget("general")
    assert rules.head("general") is None and rules.heads() == {}
    with pytest.raises(Refused) as wrong:
        rules.order(alice, change_line(0, GROUP_ID, HEAD0, room="random"))
    assert wrong.value.code == "wrong_room"
    with pytest.raises(ProtocolError):
        rules.order(alice, {"type": "change", "room": "general", "change": {"epoch": "one"}, "head": "x"})


def test_a_change_in_another_name_or_naming_no_state_hash_moves_no_head() -> None:
    rules, alice = RatchetRules(), member("alice")
    rules.order(alice, change_line(0, GROUP_ID, HEAD0))
    for bogus in (
        change_line(1, HEAD0, HEAD1, by="eve"),  # in another name than the sender's
        change_line(1, HEAD0, "aGVhZDE="),  # a head that is not a 32-byte hash
        change_line(1, "aGVhZDA=", HEAD1),  # nor a parent
        change_line(1, HEAD0, "not base64!"),
    ):
        with pytest.raises(ProtocolError):
            rules.order(alice, bogus)
    head = rules.head("general")
    assert head is not None and head.frame() == {"epoch": 0, "hash": HEAD0}


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
