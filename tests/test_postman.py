"""The postman is woken only after the thread that delivered has let go of the room's lock (see Postman.wake).

Ringing the bell is a system call; made while holding the room's lock, it queued every other sender behind that
lock. These tests pin the rule down without timing anything.
"""

import socket
import threading

from chatkit.server import ChatServer
from chatkit.server.postman import Postman
from tests.conftest import Connect, StartServer, eventually


def bell_bytes(postman: Postman) -> int:
    """Return how many bytes are waiting in the postman's bell (reading them)."""
    try:
        return len(postman._bell.recv(4096))
    except BlockingIOError:
        return 0


def test_noting_mail_rings_nothing_and_waking_rings_once() -> None:
    postman = Postman()
    try:
        member = object()
        postman.has_mail(member)  # type: ignore[arg-type]
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
