"""The server's crew: its threads and the connections they serve, kept so that stop() can end them all."""

import threading
import time
from collections.abc import Callable

from chatkit.server.member import Member


class Crew:
    """Threads that leave the crew when they end, and every member connected, greeted or not."""

    def __init__(self) -> None:
        self._threads: set[threading.Thread] = set()
        self._connections: set[Member] = set()
        self._lock = threading.Lock()  # guards both sets (the accept loop and every member thread change them)

    def spawn(self, target: Callable[[], None], name: str) -> None:
        """Start a thread that leaves the crew when it ends."""

        def run() -> None:
            try:
                target()
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._lock:  # added and started together: join_all() never finds a thread it cannot join yet
            self._threads.add(thread)
            thread.start()

    def serve(self, member: Member, converse: Callable[[Member], None], name: str) -> None:
        """Count a member as connected and start a thread that converses with them, then forgets them."""
        with self._lock:
            self._connections.add(member)

        def run() -> None:
            try:
                converse(member)
            finally:
                with self._lock:
                    self._connections.discard(member)

        self.spawn(run, name)

    def connections(self) -> list[Member]:
        """Return every connected member, including those still greeting."""
        with self._lock:
            return list(self._connections)

    def cut_all(self) -> None:
        """Cut every connection: each member's thread sees end of input and cleans up."""
        for member in self.connections():
            member.abort()

    def join_all(self, seconds: float) -> None:
        """Wait (bounded) for every thread to end, cutting anyone who connected meanwhile."""
        deadline = time.monotonic() + seconds
        while (threads := self._running()) and time.monotonic() < deadline:
            self.cut_all()
            threads[0].join(timeout=max(0.01, deadline - time.monotonic()))

    def _running(self) -> list[threading.Thread]:
        with self._lock:
            return list(self._threads)
