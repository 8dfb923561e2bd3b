"""The postman: woken only after the posting thread has let go of the room's lock, lines handed out in order.

Ringing the bell is a system call; made while holding the room's lock, it queued every other sender behind that
lock. Lines in a row for the same members are joined before they are handed out. These tests pin both down
without timing anything.
"""

import socket
import threading
from collections.abc import Iterator

import pytest

from chatkit.server import ChatServer
from chatkit.server.member import Limits, Member
from chatkit.server.postman import Postman, hand_out
from tests.conftest import Connect, StartServer, eventually


def bell_bytes(postman: Postman) -> int:
    """Return how many bytes are waiting in the postman's bell (reading them)."""
    try:
        return len(postman._bell.recv(4096))
    except BlockingIOError:
        return 0


def test_posting_rings_nothing_and_waking_rings_once() -> None:
    postman = Postman()
    try:
        postman.post(b"hello\n", ())
        assert bell_bytes(postman) == 0
        postman.wake()
        postman.wake()  # already rung: no second byte
        assert bell_bytes(postman) == 1
    finally:
        postman.stop()
        postman._bell.close()
        postman._bell_rope.close()


def test_waking_without_mail_rings_nothing() -> None:
    postman = Postman()
    try:
        postman.wake()
        assert bell_bytes(postman) == 0
    finally:
        postman._bell.close()
        postman._bell_rope.close()


def lock_is_free(lock: threading.RLock) -> bool:
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


def test_every_wake_happens_outside_the_room_lock(start_server: StartServer, connect: Connect) -> None:
    server: ChatServer = start_server("classic")
    wakes: list[bool] = []
    real_wake = server.postman.wake

    def checked_wake() -> None:
        wakes.append(lock_is_free(server.rooms.lock))
        real_wake()

    server.postman.wake = checked_wake  # type: ignore[method-assign]
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
def members() -> Iterator[list[Member]]:
    """Three members on socket pairs (nothing is sent: these tests only hand lines out)."""
    postman = Postman()
    pairs = [socket.socketpair() for _ in range(3)]
    yield [Member(mine, f"test-{number}", postman) for number, (mine, _) in enumerate(pairs)]
    for pair in pairs:
        for sock in pair:
            sock.close()
    postman._bell.close()
    postman._bell_rope.close()


def test_lines_in_a_row_for_the_same_members_are_joined_once(members: list[Member]) -> None:
    ada, bob, cy = members
    room = frozenset({ada, bob})
    touched = hand_out([(b"1\n", room), (b"2\n", room), (b"3\n", room)])
    assert touched == {ada, bob}
    assert ada.pending == [b"1\n2\n3\n"] and ada.pending_lines == 3
    assert bob.pending == [b"1\n2\n3\n"] and not cy.pending


def test_every_member_gets_their_lines_in_the_order_posted(members: list[Member]) -> None:
    ada, bob, cy = members
    before, after = frozenset({ada, bob}), frozenset({ada, bob, cy})  # cy joined between the two messages
    hand_out([(b"m1\n", before), (b"only ada\n", (ada,)), (b"m2\n", after), (b"m3\n", after)])
    assert ada.take_pending() == b"m1\nonly ada\nm2\nm3\n"
    assert bob.take_pending() == b"m1\nm2\nm3\n"
    assert cy.take_pending() == b"m2\nm3\n"


def test_a_member_who_is_behind_is_dropped_before_the_bound_is_passed(members: list[Member]) -> None:
    ada = members[0]
    ada.limits = Limits(outbox_lines=5)
    ada.behind_since = 0.0  # their socket stopped taking bytes
    ada.queue(b"1\n2\n3\n", 3)
    assert not ada.closed
    ada.queue(b"4\n5\n6\n", 3)  # would make 6 lines waiting: over the bound of 5
    assert ada.closed and "too far behind" in ada.reason
    assert ada.pending_lines == 3
