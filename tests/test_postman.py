"""The postman: woken only after the posting thread has let go of the hub's lock, lines coalesced in order.

Writing to the self-pipe is a system call; made while holding the hub's lock, it queued every other sender behind
that lock. Lines in a row for the same members are joined before they go into outboxes (write coalescing). These
tests pin both down without timing anything.
"""

import socket
import threading
from collections.abc import Iterator

import pytest

from chatkit.server import ChatServer
from chatkit.server.member import Limits, Member
from chatkit.server.postman import Postman
from tests.conftest import Connect, StartServer, eventually


def wakeup_bytes(postman: Postman) -> int:
    """Return how many bytes are waiting in the postman's self-pipe (reading them)."""
    try:
        return len(postman._wakeup_receiver.recv(4096))
    except BlockingIOError:
        return 0


def test_posting_writes_nothing_and_waking_writes_one_byte() -> None:
    postman = Postman()
    try:
        postman.post(b"hello\n", ())
        assert wakeup_bytes(postman) == 0
        postman.wake()
        postman.wake()  # a byte is already waiting: no second one
        assert wakeup_bytes(postman) == 1
    finally:
        postman.stop()
        postman.close()


def test_waking_with_nothing_posted_writes_nothing() -> None:
    postman = Postman()
    try:
        postman.wake()
        assert wakeup_bytes(postman) == 0
    finally:
        postman.close()


def lock_is_free(lock: threading.Lock) -> bool:
    """Return whether another thread could take the lock right now (so the caller does not hold it)."""
    free: list[bool] = []

    def try_it() -> None:
        took = lock.acquire(timeout=0.5)
        if took:
            lock.release()
        free.append(took)

    other = threading.Thread(target=try_it)
    other.start()
    other.join()
    return free[0]


def test_every_wake_happens_outside_the_hub_lock(start_server: StartServer, connect: Connect) -> None:
    server: ChatServer = start_server("classic")
    wakes: list[bool] = []
    real_wake = server.delivery.wake

    def checked_wake() -> None:
        wakes.append(lock_is_free(server.hub._lock))
        real_wake()

    server.delivery.wake = checked_wake  # type: ignore[method-assign]
    ada, bob = connect(server, "ada"), connect(server, "bob")  # greetings: replies and notices
    ada.send("hello")  # a published message
    ada.join("lab")  # notices to two rooms
    with socket.create_connection(server.address[:2], timeout=5) as raw:
        raw.sendall(b"not json\n")  # an error reply (the greeting fails)
        raw.recv(4096)
    assert eventually(lambda: any(m.text == "hello" for m in bob.messages()))
    assert len(wakes) >= 5
    assert all(wakes), wakes


@pytest.fixture
def postman() -> Iterator[Postman]:
    """A postman that is never run (these tests only coalesce lines into outboxes; nothing is sent)."""
    postman = Postman()
    yield postman
    postman.close()


@pytest.fixture
def members() -> Iterator[list[Member]]:
    """Three members on socket pairs."""
    pairs = [socket.socketpair() for _ in range(3)]
    yield [Member(mine, f"test-{number}") for number, (mine, _) in enumerate(pairs)]
    for pair in pairs:
        for sock in pair:
            sock.close()


def pending(postman: Postman, member: Member) -> list[bytes]:
    """Return the pieces waiting in a member's outbox ([] if they have none)."""
    outbox = postman.outbox(member)
    return outbox.pieces if outbox else []


def test_lines_in_a_row_for_the_same_members_are_joined_once(postman: Postman, members: list[Member]) -> None:
    ada, bob, cy = members
    room = frozenset({ada, bob})
    for line in (b"1\n", b"2\n", b"3\n"):
        postman.post(line, room)
    touched = postman._coalesce()
    assert touched == {ada, bob}
    assert pending(postman, ada) == [b"1\n2\n3\n"] and postman.outbox(ada).lines == 3  # type: ignore[union-attr]
    assert pending(postman, bob) == [b"1\n2\n3\n"] and postman.outbox(cy) is None


def test_every_member_gets_their_lines_in_the_order_posted(postman: Postman, members: list[Member]) -> None:
    ada, bob, cy = members
    before, after = frozenset({ada, bob}), frozenset({ada, bob, cy})  # cy joined between the two messages
    for line, recipients in ((b"m1\n", before), (b"only ada\n", (ada,)), (b"m2\n", after), (b"m3\n", after)):
        postman.post(line, recipients)
    postman._coalesce()
    assert b"".join(pending(postman, ada)) == b"m1\nonly ada\nm2\nm3\n"
    assert b"".join(pending(postman, bob)) == b"m1\nm2\nm3\n"
    assert b"".join(pending(postman, cy)) == b"m2\nm3\n"


def test_a_member_who_is_behind_is_dropped_before_the_bound_is_passed(members: list[Member]) -> None:
    postman = Postman(Limits(outbox_lines=5))
    try:
        ada = members[0]
        postman._add(ada, b"1\n2\n3\n", 3)
        postman.outbox(ada).behind_since = 0.0  # type: ignore[union-attr]  # their socket stopped taking bytes
        assert not ada.closed
        postman._add(ada, b"4\n5\n6\n", 3)  # would make 6 lines waiting: over the bound of 5
        assert ada.closed and "too far behind" in ada.reason
        assert postman.outbox(ada).lines == 3  # type: ignore[union-attr]
    finally:
        postman.close()


def test_a_member_who_caught_up_has_no_outbox(postman: Postman, members: list[Member]) -> None:
    ada = members[0]
    postman.post(b"hello\n", (ada,))
    postman._coalesce()
    postman._flush(ada)  # a socket pair with room to spare takes it all at once
    assert postman.outbox(ada) is None
