"""What adding and removing a member costs on a live ratchet server: real sockets, threads and key stores.

    for cost in live_sizes([10]):                 # a fresh Stage per size; loopback only
        print(cost.change, cost.members, cost.seconds, cost.envelopes)

At size N: N-1 members make the group; a newcomer connects (the add, timed until every member's group has it),
says its first line (time to first message: until every member opened it); then the first member removes it
(timed until every member left has the new group and has opened a line from the last member, so the new sender
keys arrived). Bytes and envelopes are the lines the members sent, counted as each client sends them until the
room is quiet again; each count includes the one chat line said after the change.
"""

import collections
import threading
import time
from collections.abc import Iterable, Iterator

from chatkit.client import ChatClient
from chatkit.client.events import Event, Wire
from chatkit.lab.group_cost import ChangeCost
from chatkit.lab.stage import Stage

WAIT = 120.0  # seconds for one wait: a 100-member group on two busy cores is slow


class SentCounter:
    """Count the lines and bytes a set of clients send, and their envelopes and offers (thread-safe)."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()  # clients send from their own threads

    def watch(self, client: ChatClient) -> None:
        """Count every line this client sends from now on."""

        def on_event(event: Event) -> None:
            if isinstance(event, Wire) and event.direction == "sent":
                self._count(event.line)

        client.listeners.append(on_event)

    def _count(self, line: bytes) -> None:
        with self._lock:
            self.counts["lines"] += 1
            self.counts["bytes"] += len(line)
            self.counts["envelopes"] += b'"kind": "envelope"' in line
            self.counts["exchanges"] += b'"kind": "offer"' in line

    def since(self, before: collections.Counter[str], change: str, members: int, seconds: float) -> ChangeCost:
        """Return what was sent since `before` as a ChangeCost (no per-member share on a live server)."""
        with self._lock:
            now = self.counts - before
        return ChangeCost(
            change, members, round(seconds, 4), 0.0, now["lines"], now["bytes"], now["envelopes"], now["exchanges"]
        )

    def mark(self) -> collections.Counter[str]:
        with self._lock:
            return collections.Counter(self.counts)

    def wait_until_quiet(self, quiet: float = 0.3, timeout: float = WAIT) -> None:
        """Wait until no client has sent anything for `quiet` seconds (the last envelopes arrived)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.mark()
            time.sleep(quiet)
            if self.mark() == before:
                return


def counted_client(stage: Stage, name: str, counter: SentCounter) -> ChatClient:
    """Connect a person to the stage with the counter listening from their first line on."""
    client = ChatClient(*stage.address, name, "", "general", "ratchet", keys=stage.keys_of(name))
    counter.watch(client)
    stage.clients.append(client)  # stopped with the stage
    return client.connect()


def _grown(stage: Stage, size: int, counter: SentCounter) -> dict[str, ChatClient]:
    """Connect size-1 members one after the other, each added before the next comes."""
    people: dict[str, ChatClient] = {}
    for number in range(size - 1):
        people[f"m{number:03d}"] = counted_client(stage, f"m{number:03d}", counter)
        for person in people.values():
            person.wait_for_group(people, timeout=WAIT)
    return people


def everyone_reads(people: Iterable[ChatClient], speaker: ChatClient, text: str) -> None:
    """Let one person say a line and wait until every one of the people opened it."""
    speaker.send(text)
    for person in people:
        person.wait_for_message(text, timeout=WAIT)


def _live_add(stage: Stage, people: dict[str, ChatClient], counter: SentCounter) -> ChangeCost:
    """Connect a newcomer; time the add until every group has it, and the newcomer's first line until all read it."""
    before, started = counter.mark(), time.perf_counter()
    people["newcomer"] = counted_client(stage, "newcomer", counter)
    for person in people.values():
        person.wait_for_group(people, timeout=WAIT)
    seconds = time.perf_counter() - started
    everyone_reads(people.values(), people["newcomer"], "hello, I am new here")
    first_message = round(time.perf_counter() - started, 4)
    counter.wait_until_quiet()  # the other members' sender keys may still be on their way to the newcomer
    add = counter.since(before, "add", len(people), seconds)  # its lines and bytes include the first line
    return ChangeCost(**{**add.row(), "first_message_seconds": first_message})


def _live_remove(people: dict[str, ChatClient], counter: SentCounter) -> ChangeCost:
    """Let the first member remove the newcomer; time it until the others' new sender keys have arrived."""
    before, started = counter.mark(), time.perf_counter()
    stayed = [person for name, person in people.items() if name != "newcomer"]
    stayed[0].remove("newcomer")
    for person in stayed:
        person.wait_for_group([other.name for other in stayed], timeout=WAIT)
    everyone_reads(stayed, stayed[-1], "after the removal")  # opened: the last member's new key arrived
    seconds = time.perf_counter() - started
    counter.wait_until_quiet()
    return counter.since(before, "remove", len(people), seconds)  # with the one line said after it


def live_add_and_remove(stage: Stage, size: int) -> tuple[ChangeCost, ChangeCost]:
    """Measure an add (and the newcomer's first message) and a removal at `size` members on a live stage."""
    counter = SentCounter()
    people = _grown(stage, size, counter)
    counter.wait_until_quiet()  # the last member's sender keys may still be on their way
    add = _live_add(stage, people, counter)
    return add, _live_remove(people, counter)


def live_sizes(sizes: Iterable[int]) -> Iterator[ChangeCost]:
    """Yield the add and the removal at each size, each on a fresh ratchet stage (stopped afterwards)."""
    for size in sizes:
        with Stage("ratchet") as stage:
            yield from live_add_and_remove(stage, size)
