"""Try again after a lost connection: a few tries with growing pauses, on one thread that close() stops and joins.

again = Reconnector(attempt, report, "alice")   # attempt() connects or raises; report(text, ok) shows a row
again.start()                                   # after a Closed the person did not cause
again.close()                                   # the widget is closing: stop now, never try again
"""

import threading
from collections.abc import Callable

from chatkit.client import ChatError

PAUSES = (0.5, 1.0, 2.0, 3.0, 4.0)  # seconds before each try: five tries within about ten seconds
JOIN_SECONDS = 15.0  # a try blocks at most the client's connect timeout (10 s)


class Reconnector:
    """Retry `attempt` after each pause in `pauses` until it works, the pauses run out, or close()."""

    def __init__(
        self,
        attempt: Callable[[], None],
        report: Callable[[str, bool], None],
        name: str,
        pauses: tuple[float, ...] = PAUSES,
    ) -> None:
        self._attempt, self._report, self._name, self._pauses = attempt, report, name, pauses
        self._closed = threading.Event()
        self._lock = threading.Lock()  # start() runs on a client's receiver thread, close() on the kernel's
        self._thread: threading.Thread | None = None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def trying(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> bool:
        """Begin retrying on a new thread, unless closed or already retrying; say whether it began."""
        with self._lock:
            if self.closed or self.trying:
                return False
            self._thread = threading.Thread(target=self._retry, name=f"chatkit-reconnect-{self._name}", daemon=True)
            self._thread.start()
            return True

    def stop(self) -> None:
        """Never try again from now on (a try under way finishes; close() waits for it)."""
        self._closed.set()

    def close(self) -> None:
        """Stop retrying and wait (bounded) for the thread. Safe to call twice."""
        with self._lock:
            self._closed.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=JOIN_SECONDS)

    def _retry(self) -> None:
        """Wait, try, and again after a longer wait; report the outcome unless closed meanwhile."""
        problem = "no tries"
        for pause in self._pauses:
            if self._closed.wait(pause):
                return
            try:
                self._attempt()
            except (ChatError, OSError) as error:
                problem = str(error)
                continue
            if not self.closed:
                self._report("reconnected", True)
            return
        if not self.closed:
            self._report(f"could not reconnect: {problem}", False)
