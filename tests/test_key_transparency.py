"""Key transparency (S16) against the kit's own server: each lying key log is caught, the honest one passes.

A split view (two logs, Carol's key swapped in Bob's) is caught when Alice and Bob compare tree heads; a rewritten
old entry is caught by the consistency proof of the next head; a key left out is caught by the inclusion check.
Every failure is a Problem with its code, and the chat goes on. The last tests feed lying answers to the pure check.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from chatkit.client import ChatClient
from chatkit.client.codec import SealedCodec
from chatkit.client.events import LogChecked, Problem
from chatkit.client.key_log_check import MAX_WAITING, KeyLogCheck
from chatkit.client.log_frames import TreeHead
from chatkit.client.session import ClientSession
from chatkit.crypto import merkle, signing
from chatkit.lab.hostile_log import OmittingLog, RewritingLog, SplitViewLog, lying_key_log
from chatkit.protocol import ChatError, ProtocolError, b64, encode, key_entry
from chatkit.server import ChatServer
from tests.conftest import PASSWORD, eventually

LOG_PROBLEMS = ("not_in_log", "log_rewrite", "log_fork")
Connect = Callable[..., ChatClient]


def key_of(client: ChatClient) -> str:
    """Return a client's identity key as the log holds it."""
    return b64(signing.public_bytes(client.codec.identity))  # type: ignore[attr-defined]


def proven(client: ChatClient, name: str) -> LogChecked:
    """Wait until the client proved a key of `name` in the log; return that event."""
    found = client.wait_for(lambda e: isinstance(e, LogChecked) and e.name == name)
    assert isinstance(found, LogChecked)
    return found


def checked(client: ChatClient, containing: str) -> LogChecked:
    """Wait for the LogChecked whose sentence contains `containing`."""
    found = client.wait_for(lambda e: isinstance(e, LogChecked) and containing in e.what)
    assert isinstance(found, LogChecked)
    return found


def log_problems(client: ChatClient) -> list[Problem]:
    """Return the key log problems a client reported so far."""
    return [e for e in client.history if isinstance(e, Problem) and e.code in LOG_PROBLEMS]


def head_of_size(client: ChatClient, size: int) -> TreeHead:
    """Ask for the head until the client has seen one of at least `size` entries; return it."""
    client.ask_key_log_head()
    assert eventually(lambda: (head := client.key_log_head) is not None and head.size >= size)
    head = client.key_log_head
    assert head is not None
    return head


def mallorys_key() -> str:
    return b64(signing.public_bytes(signing.new_identity()))


def test_the_honest_server_passes_every_check(start_server: Callable[..., ChatServer], connect: Connect) -> None:
    server = start_server("sealed")
    alice, bob, carol = (connect(server, name) for name in ("alice", "bob", "carol"))
    for client in (alice, bob, carol):
        assert proven(client, client.name).pubkey == key_of(client)  # each one's own key is in the log
    carol.send("hello from carol")
    alice.wait_for_message("hello from carol")
    assert proven(alice, "carol").pubkey == key_of(carol)  # the key her signature checked out with, too
    alice.look_up_key("bob")
    assert proven(alice, "bob").pubkey == key_of(bob)
    head_of_size(bob, 3)
    bob.compare_key_log(head_of_size(alice, 3))  # read aloud, like a safety number: the same log
    checked(bob, "the same as theirs")
    assert log_problems(alice) == log_problems(bob) == log_problems(carol) == []


def test_a_split_view_is_caught_when_two_members_compare_heads(
    start_server: Callable[..., ChatServer], connect: Connect
) -> None:
    server = start_server("sealed")
    fake = mallorys_key()
    with lying_key_log(server, SplitViewLog(server.log, victim="bob", target="carol", fake_key=fake)):
        alice, bob, carol = (connect(server, name) for name in ("alice", "bob", "carol"))
        alice.look_up_key("carol")
        bob.look_up_key("carol")
        assert proven(alice, "carol").pubkey == key_of(carol)
        assert proven(bob, "carol").pubkey == fake  # Bob is shown Mallory's key, and its proof checks (his tree)
        assert log_problems(alice) == log_problems(bob) == []  # each view alone is a perfectly good log
        alice.compare_key_log(head_of_size(bob, 3))
        assert "two logs" in alice.wait_for_problem("log_fork").text
        carol.send("still chatting")
        alice.wait_for_message("still chatting")


def test_a_split_view_of_another_size_is_caught_by_the_consistency_proof(
    start_server: Callable[..., ChatServer], connect: Connect
) -> None:
    server = start_server("sealed")
    with lying_key_log(server, SplitViewLog(server.log, victim="bob", target="carol", fake_key=mallorys_key())):
        alice, bob, _ = (connect(server, name) for name in ("alice", "bob", "carol"))
        alices = head_of_size(alice, 3)
        connect(server, "dave")
        head_of_size(bob, 4)
        bob.compare_key_log(alices)  # the server must prove that Alice's log of 3 starts Bob's log of 4: it cannot
        bob.wait_for_problem("log_fork")


def test_a_rewritten_entry_is_caught_by_the_consistency_proof(
    start_server: Callable[..., ChatServer], connect: Connect
) -> None:
    server = start_server("sealed")
    rewriting = RewritingLog(server.log)
    with lying_key_log(server, rewriting):
        alice, _, _ = (connect(server, name) for name in ("alice", "bob", "carol"))
        head_of_size(alice, 3)
        rewriting.rewrite("carol", mallorys_key())  # Carol's old entry now holds Mallory's key
        connect(server, "dave")
        head_of_size(alice, 4)
        assert "rewritten" in alice.wait_for_problem("log_rewrite").text


def test_a_rewrite_that_keeps_the_size_is_caught_at_once(
    start_server: Callable[..., ChatServer], connect: Connect
) -> None:
    server = start_server("sealed")
    rewriting = RewritingLog(server.log)
    with lying_key_log(server, rewriting):
        alice, _ = connect(server, "alice"), connect(server, "bob")
        head_of_size(alice, 2)
        rewriting.rewrite("bob", mallorys_key())
        alice.ask_key_log_head()
        same_size = "two different key logs of size 2"  # (a proof from size 1 still on its way fails too, first maybe)
        assert eventually(lambda: any(same_size in problem.text for problem in log_problems(alice)))


def test_a_key_left_out_of_the_log_is_caught_by_the_inclusion_check(
    start_server: Callable[..., ChatServer], connect: Connect
) -> None:
    server = start_server("sealed")
    with lying_key_log(server, OmittingLog(server.log, hidden="carol")):
        alice, carol = connect(server, "alice"), connect(server, "carol")
        assert "no entry for carol's key" in carol.wait_for_problem("not_in_log").text  # her own check
        carol.send("you can still read me")
        alice.wait_for_message("you can still read me")  # the chat goes on; the warning stands beside it
        assert "carol" in alice.wait_for_problem("not_in_log").text
        assert log_problems(alice)[0].code == "not_in_log"


def test_a_restart_keeps_the_log(start_server: Callable[..., ChatServer], connect: Connect, tmp_path: Path) -> None:
    server = start_server("sealed", db=tmp_path / "kept.db")
    alice = connect(server, "alice")
    connect(server, "bob")
    before = head_of_size(alice, 2)
    alice.close()
    server.stop()
    server.start()
    bob_again = connect(server, "bob")  # the same person and key store: the same key, so no new entry
    assert head_of_size(bob_again, 2) == before  # the first head after the restart is the head from before it
    assert server.hub.key_log.tree.keys[0] == ("alice", key_of(alice))
    alice.connect()
    assert proven(alice, "alice").pubkey == key_of(alice)
    assert log_problems(alice) == log_problems(bob_again) == []


# --- lying answers fed to the pure check: never a traceback, always a Problem ---


def entries_and_root(n: int) -> tuple[list[bytes], str]:
    entries = [key_entry(f"user{i}", b64(bytes([i]) * 32)) for i in range(n)]
    return entries, b64(merkle.tree_root(entries))


def test_a_forged_inclusion_proof_is_not_in_log() -> None:
    check, (entries, root) = KeyLogCheck(), entries_and_root(4)
    check.ask("user2", b64(bytes([2]) * 32))
    path = [b64(h) for h in merkle.inclusion_proof(1, entries)]  # the path of another entry
    forged = {"type": "key_proof", "name": "user2", "pubkey": b64(bytes([2]) * 32), "index": 2, "size": 4}
    events, _ = check.receive({**forged, "root": root, "path": path})
    assert [(e.code, "does not check" in e.text) for e in events if isinstance(e, Problem)] == [("not_in_log", True)]


def test_an_answer_with_another_key_is_not_in_log() -> None:
    check, (entries, root) = KeyLogCheck(), entries_and_root(4)
    check.ask("user2", b64(bytes([9]) * 32))  # the key we were shown is not the one the log holds
    path = [b64(h) for h in merkle.inclusion_proof(2, entries)]
    answer = {"type": "key_proof", "name": "user2", "pubkey": b64(bytes([2]) * 32), "index": 2, "size": 4}
    events, _ = check.receive({**answer, "root": root, "path": path})
    assert [e.code for e in events if isinstance(e, Problem)] == ["not_in_log"]


def test_a_consistency_answer_without_proof_is_a_rewrite() -> None:
    check, (entries, _) = KeyLogCheck(), entries_and_root(5)
    check.see(TreeHead(3, merkle.tree_root(entries[:3])))
    _, asked = check.see(TreeHead(5, merkle.tree_root(entries)))
    assert asked == ({"type": "ask_consistency", "old_size": 3, "new_size": 5},)
    events, _ = check.receive({"type": "consistency", "old_size": 3, "new_size": 5})
    assert [e.code for e in events if isinstance(e, Problem)] == ["log_rewrite"]


def test_a_malformed_log_answer_is_dropped_and_reported() -> None:
    session = ClientSession("alice", "general", SealedCodec(PASSWORD, 1_000))
    line = encode({"type": "tree_head", "size": 3, "root": b64(b"short")})
    outcome = session.receive(line)
    assert [type(e) for e in outcome.events] == [Problem]
    assert outcome.events[0].code == "malformed"  # type: ignore[union-attr]


@pytest.mark.parametrize("size", [1, 2, 7])
def test_the_fingerprint_is_what_two_people_read_aloud(size: int) -> None:
    head = TreeHead(size, merkle.tree_root([b"x"] * size))
    assert head.fingerprint().startswith(f"{size}: ") and len(head.fingerprint().split()) == 9
    assert TreeHead.from_fingerprint(head.fingerprint()) == head
    with pytest.raises(ProtocolError):
        TreeHead.from_fingerprint(head.fingerprint()[:-2])


def test_answers_nobody_asked_for_are_reported_and_ignored() -> None:
    check, (entries, root) = KeyLogCheck(), entries_and_root(3)
    for unasked in (
        {"type": "tree_head", "size": 3, "root": root},
        {"type": "key_proof", "name": "user1", "size": 3, "root": root, "path": []},
        {"type": "consistency", "old_size": 1, "new_size": 2},
    ):
        events, replies = check.receive(unasked)
        assert [event.code for event in events if isinstance(event, Problem)] == ["malformed"] and replies == ()
    assert check.latest is None
    check.ask_head()
    check.receive({"type": "tree_head", "size": 3, "root": root})
    assert check.latest == TreeHead(3, merkle.tree_root(entries))


def test_a_head_told_by_a_member_needs_a_head_of_our_own_and_a_proof_for_another_size() -> None:
    check, (entries, root) = KeyLogCheck(), entries_and_root(5)
    with pytest.raises(ChatError, match="no head"):
        check.compare(TreeHead(5, merkle.tree_root(entries)))
    check.ask_head()
    check.receive({"type": "tree_head", "size": 5, "root": root})
    theirs = TreeHead(3, merkle.tree_root(entries[:3]))
    _, asked = check.compare(theirs)
    assert asked == ({"type": "ask_consistency", "old_size": 3, "new_size": 5},)
    path = [b64(hashed) for hashed in merkle.consistency_proof(3, entries)]
    events, _ = check.receive({"type": "consistency", "old_size": 3, "new_size": 5, "path": path})
    assert [type(event) for event in events] == [LogChecked]
    forked, _ = check.compare(TreeHead(5, merkle.tree_root([b"another", *entries[1:]])))
    assert [event.code for event in forked if isinstance(event, Problem)] == ["log_fork"]


def test_a_server_that_never_answers_consistency_questions_is_reported() -> None:
    check = KeyLogCheck()
    for size in range(1, MAX_WAITING + 3):
        events, _ = check.see(TreeHead(size, merkle.tree_root(entries_and_root(1)[0] * size)))
    assert [event.code for event in events if isinstance(event, Problem)] == ["log_rewrite"]


def test_the_ratchet_mode_publishes_and_checks_keys_too(
    start_server: Callable[..., ChatServer], connect: Connect
) -> None:
    server = start_server("ratchet")
    members: list[ChatClient] = []
    for name in ("alice", "bob", "carol"):
        members.append(connect(server, name, ""))
        for member in members:
            member.wait_for_group([each.name for each in members])
    alice, bob, carol = members
    for client in members:
        assert proven(client, client.name).pubkey == key_of(client)
    carol.send("hello from carol")
    alice.wait_for_message("hello from carol", sender="carol")
    assert proven(alice, "carol").pubkey == key_of(carol)  # a message held until carol's sender key came, too
    head_of_size(bob, 3)
    bob.compare_key_log(head_of_size(alice, 3))
    checked(bob, "the same as theirs")
    assert log_problems(alice) == log_problems(bob) == log_problems(carol) == []
