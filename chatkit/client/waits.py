"""Waiting for what a client reports: the named waits tests and notebooks use, each bounded by a timeout.

alice.wait_for_message("hello", sender="bob")     # the ChatMessage, or ChatError after 10 s
alice.wait_for_problem("replay")                  # the Problem with that code
alice.wait_for_notice("bob joined")               # the Notice whose text contains it
alice.wait_for_log_check("carol's key")           # the LogChecked (a key log proof that checked) saying so
"""

from collections.abc import Callable

from chatkit.client.events import ChatMessage, Event, LogChecked, Notice, Problem
from chatkit.client.inbox import Inbox
from chatkit.protocol import ChatError

WAIT_SECONDS = 10.0


class EventWaits:
    """The waits of a client: it has a `name` and an `inbox` of its events."""

    name: str
    inbox: Inbox

    def wait_for(self, matches: Callable[[Event], bool], timeout: float = WAIT_SECONDS) -> Event:
        """Return the first event so far or to come that `matches`; raise ChatError after `timeout` seconds."""
        found = self.inbox.wait_for(matches, timeout)
        if found is None:
            raise ChatError(f"{self.name}: no matching event within {timeout} s")
        return found

    def wait_for_message(
        self,
        text: str | None = None,
        *,
        sender: str | None = None,
        containing: str | None = None,
        own: bool | None = None,
        count: int = 1,
        timeout: float = WAIT_SECONDS,
    ) -> ChatMessage:
        """Return the `count`-th chat message so far or to come with this text (or `containing` it), sender, own."""

        def matches(event: Event) -> bool:
            return (
                isinstance(event, ChatMessage)
                and (text is None or event.text == text)
                and (containing is None or containing in event.text)
                and (sender is None or event.sender == sender)
                and (own is None or event.own == own)
            )

        found = self.inbox.wait_for(matches, timeout, count)
        if not isinstance(found, ChatMessage):
            asked = [("text", text), ("sender", sender), ("containing", containing), ("own", own)]
            wanted = ", ".join(f"{key}={value!r}" for key, value in asked if value is not None)
            raise ChatError(f"{self.name}: message #{count} ({wanted or 'any'}) did not arrive within {timeout} s")
        return found

    def wait_for_problem(self, code: str | None = None, *, count: int = 1, timeout: float = WAIT_SECONDS) -> Problem:
        """Return the `count`-th problem so far or to come with this code (any code if None)."""
        found = self.inbox.wait_for(lambda e: isinstance(e, Problem) and code in (None, e.code), timeout, count)
        if not isinstance(found, Problem):
            raise ChatError(f"{self.name}: no problem {code or ''} within {timeout} s".replace("  ", " "))
        return found

    def wait_for_notice(self, containing: str, *, timeout: float = WAIT_SECONDS) -> Notice:
        """Return the first notice so far or to come whose text contains `containing`."""
        found = self.inbox.wait_for(lambda e: isinstance(e, Notice) and containing in e.text, timeout)
        if not isinstance(found, Notice):
            raise ChatError(f"{self.name}: no notice containing {containing!r} within {timeout} s")
        return found

    def wait_for_log_check(self, containing: str = "", *, timeout: float = WAIT_SECONDS) -> LogChecked:
        """Return the first key log proof so far or to come that checked and whose sentence contains `containing`."""
        found = self.inbox.wait_for(lambda e: isinstance(e, LogChecked) and containing in e.what, timeout)
        if not isinstance(found, LogChecked):
            raise ChatError(f"{self.name}: no key log proof about {containing!r} checked within {timeout} s")
        return found

    def messages(self) -> list[ChatMessage]:
        """Return the chat messages received so far."""
        return self.inbox.messages()
