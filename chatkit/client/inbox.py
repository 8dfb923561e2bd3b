"""Where a client's events go: a bounded history that can be waited on, and the listeners that are told at once.

The receiver thread puts every event here. Listeners (a widget, the terminal client) hear about it immediately;
tests and notebooks can instead wait for the event they expect, with a time limit. The history keeps the newest
HISTORY events, so a flood from the server cannot fill the memory; the first time an old one is forgotten, a Notice
says so (once: a flood would otherwise bring a note per line).
"""

import itertools
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable

from chatkit.client.events import ChatMessage, Event, Notice

HISTORY = 20_000  # events kept for wait_for(); older ones are forgotten


class Inbox:
    """Events in the order they happened, plus the listeners to tell about each one."""

    def __init__(self, listeners: list[Callable[[Event], None]], limit: int = HISTORY) -> None:
        self.listeners = listeners
        self.history: deque[Event] = deque(maxlen=limit)
        self.dropped = 0  # how many of the oldest events were forgotten to keep the history at its limit
        self._changed = threading.Condition()

    def put(self, event: Event) -> None:
        """Record an event, wake waiters, and pass it to every listener (a failing listener is reported)."""
        with self._changed:
            full = len(self.history) == self.history.maxlen
            self.dropped += full
            self.history.append(event)
            self._changed.notify_all()
        self._tell(event)
        if full and self.dropped == 1:
            self.put(Notice(f"only the newest {self.history.maxlen} events are kept; older ones are forgotten"))

    def _tell(self, event: Event) -> None:
        """Pass an event to every listener; a listener that fails is reported and the others still hear it."""
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a bug in a listener must not kill the receiver thread
                traceback.print_exc(file=sys.stderr)

    def wait_for(self, matches: Callable[[Event], bool], timeout: float, count: int = 1) -> Event | None:
        """Return the `count`-th event so far or to come that `matches`, or None after `timeout` seconds."""

        def found() -> Event | None:
            hits = (event for event in self.history if matches(event))
            return next(itertools.islice(hits, count - 1, None), None)

        with self._changed:
            return self._changed.wait_for(found, timeout)

    def messages(self) -> list[ChatMessage]:
        """Return the chat messages received so far."""
        return [event for event in list(self.history) if isinstance(event, ChatMessage)]
