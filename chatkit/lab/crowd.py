"""A crowd that chats all at once: everyone sends their lines while their own reader takes in everyone's.

    with Stage("sealed", tls=True) as stage:
        run = crowd_chat(stage, people=10, lines=200)
    run.heard_all, run.seconds, run.cpu_seconds

Each person's lines go out from a thread of their own while the client's receiver thread reads, so every
connection is written on one thread and read on another at the same moment: the load that showed the kit's first
TLS version failing (tests/test_tls_threads.py). scripts/tls_cost.py times the same crowd plain and over TLS.
Bounded: `lines` per person, and `seconds` for the whole run.
"""

import secrets
import threading
import time
from dataclasses import dataclass

from chatkit.client import ChatClient, ChatError, ChatMessage
from chatkit.lab.stage import Stage


@dataclass(frozen=True)
class CrowdRun:
    """What one crowd's chat took: wall time and this process's CPU time, and whether everyone heard everything."""

    people: int
    lines: int  # sent by each person
    seconds: float  # from the first line sent until the last person heard the last line (or the time was up)
    cpu_seconds: float  # CPU time of this whole process meanwhile: the server, every client, every thread
    heard_all: bool  # every person heard every line of the run, their own included, and is still connected


def crowd_chat(stage: Stage, people: int, lines: int, seconds: float = 60.0) -> CrowdRun:
    """Connect `people` on the stage, let each send `lines` at once, and wait (bounded) until all heard all."""
    crowd = [stage.client(f"p{number}") for number in range(people)]
    tag, expected = secrets.token_hex(3), people * lines  # the tag: this run's lines only, whatever came before
    counters = [Counter(tag) for _ in crowd]
    for client, counter in zip(crowd, counters, strict=True):
        client.listeners.append(counter.hear)
    started, cpu = time.perf_counter(), time.process_time()
    talkers = [threading.Thread(target=talk, args=(client, tag, lines), daemon=True) for client in crowd]
    for talker in talkers:
        talker.start()
    deadline = time.monotonic() + seconds
    while min(counter.heard for counter in counters) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    took, cpu_took = time.perf_counter() - started, time.process_time() - cpu
    for talker in talkers:
        talker.join(max(0.0, deadline - time.monotonic()))
    everyone = all(counter.heard >= expected for counter in counters) and all(client.connected for client in crowd)
    for client in crowd:
        client.close()
    return CrowdRun(people, lines, round(took, 3), round(cpu_took, 3), everyone)


class Counter:
    """Counts the run's chat messages as they arrive (called on the client's receiver thread, the only writer)."""

    def __init__(self, tag: str) -> None:
        self.tag, self.heard = tag, 0

    def hear(self, event: object) -> None:
        if isinstance(event, ChatMessage) and event.text.startswith(self.tag):
            self.heard += 1


def talk(client: ChatClient, tag: str, lines: int) -> None:
    """Send `lines` lines tagged with the run's tag; stop at the first that cannot be sent (heard_all then says so)."""
    for number in range(lines):
        try:
            client.send(f"{tag} {client.name} {number}")
        except ChatError:
            return
