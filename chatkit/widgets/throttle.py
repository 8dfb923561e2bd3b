"""Update a view from many threads without flooding the browser: a locked buffer and one flusher per view.

Receiver threads only append to a `RowBuffer` and call `Flusher.poke()`. One flusher thread per view then renders
at most about ten times a second, inside `hold_sync()` so the browser gets one batch per render. Re-sending a
growing log once per message makes a burst of a few hundred messages take many seconds to show; batching does not.
Never `with out:` from a thread: output would land in whichever cell happens to be running.
"""

import contextlib
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from typing import ClassVar, Generic, TypeVar

Item = TypeVar("Item")

FLUSH_SECONDS = 0.1  # at most ten renders a second
JOIN_SECONDS = 2.0


class RowBuffer(Generic[Item]):
    """A bounded, locked list of rows: any thread appends, the flusher reads a snapshot."""

    def __init__(self, limit: int = 5000) -> None:
        self._rows: deque[Item] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self.total = 0  # rows ever appended, including those the bound pushed out

    def append(self, row: Item) -> None:
        """Add a row (the oldest one drops out once the buffer is full)."""
        with self._lock:
            self._rows.append(row)
            self.total += 1

    def snapshot(self) -> list[Item]:
        """Return a copy of the rows, oldest first."""
        with self._lock:
            return list(self._rows)

    def numbered(self) -> tuple[list[Item], int]:
        """Return a copy of the rows, oldest first, and how many were ever appended, read together."""
        with self._lock:
            return list(self._rows), self.total

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)


class Flusher:
    """One thread that calls `render` after pokes, no more often than every `seconds`, until closed.

    With `every` set it also renders on that period without being poked (a panel that polls a server).
    """

    running: ClassVar[weakref.WeakSet["Flusher"]] = weakref.WeakSet()

    def __init__(
        self, render: Callable[[], None], name: str, *, seconds: float = FLUSH_SECONDS, every: float = 0
    ) -> None:
        self._render = render
        self._seconds, self._every = seconds, every
        self._poked = threading.Event()
        self._closed = threading.Event()
        self._rendering = threading.RLock()  # flush() from a callback and the thread never render at once
        self._thread = threading.Thread(target=self._flush_forever, name=f"chatkit-widget-{name}", daemon=True)
        self._thread.start()
        Flusher.running.add(self)

    def poke(self) -> None:
        """Ask for a render soon (any thread may call this)."""
        self._poked.set()

    def flush(self) -> None:
        """Render now, in the calling thread (tests and button callbacks)."""
        self._poked.clear()
        with self._rendering:
            self._render()

    def close(self) -> None:
        """Stop the thread and wait for it a bounded time. Safe to call twice."""
        self._closed.set()
        self._poked.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=JOIN_SECONDS)
        Flusher.running.discard(self)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _flush_forever(self) -> None:
        """Wait for a poke (or the period), render, then rest so renders stay apart; stop when closed."""
        while not self._closed.is_set():
            self._poked.wait(self._every or None)
            if self._closed.is_set():
                return
            self._render_safely()
            self._closed.wait(self._seconds)

    def _render_safely(self) -> None:
        """Render, reporting a failure on the view's stderr instead of killing the thread."""
        try:
            self.flush()
        except Exception as error:  # a bug in one render must not stop later ones
            print(f"chatkit widget: could not update the view: {error!r}", file=sys.stderr)


@contextlib.contextmanager
def held(*widgets: object) -> Iterator[None]:
    """Hold every widget's sync, so all their changes reach the browser as one batch."""
    with contextlib.ExitStack() as stack:
        for widget in widgets:
            stack.enter_context(widget.hold_sync())  # type: ignore[attr-defined]
        yield
