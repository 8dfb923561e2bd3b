"""What adding and removing a member costs in the ratchet mode, measured with the real codecs on the memory relay.

    for cost in measure_sizes([10, 100]):           # grows one group, measuring at each size
        print(cost.change, cost.members, cost.envelopes, cost.bytes)

At each size N: a newcomer joins a group of N-1 (the add: N-1 exchanges each way, every member's sender key to
the newcomer, the newcomer's to every member), then says its first line, which every member opens (time to first
message); then the first member removes it again (the removal: every one of the N-1 others makes a new sender key
and sends it to the N-2 others). The time is every member's work done one after the other in one thread
(chatkit/lab/memory_relay.py); `busiest_seconds` is the share of the member who worked most.
"""

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from chatkit.lab.memory_relay import MemoryRelay
from chatkit.lab.treekem import RatchetTree


class CostError(Exception):
    """A measurement that could not be made (sizes out of order, a time limit passed)."""


@dataclass(frozen=True)
class ChangeCost:
    """One group change at one size: time, lines and bytes members sent, envelopes and exchanges among them."""

    change: str  # "add" or "remove"
    members: int  # the group's size with the newcomer in it
    seconds: float  # all members' work, one after the other
    busiest_seconds: float  # the share of the member who worked most
    lines: int
    bytes: int
    envelopes: int
    exchanges: int  # pairwise hybrid exchanges started (offers)
    first_message_seconds: float | None = None  # add only: from the newcomer's hello to its first line opened by all

    def row(self) -> dict[str, Any]:
        """Return the figures as a dict (for JSON)."""
        return asdict(self)


def _totals(relay: MemoryRelay) -> tuple[int, int, int, int]:
    """Return what the members sent so far: lines, bytes, envelopes, offers."""
    return sum(relay.sent.values()), sum(relay.sent_bytes.values()), relay.sent["envelope"], relay.sent["offer"]


def _counted(relay: MemoryRelay, change: str, members: int, work: Any) -> ChangeCost:
    """Run `work` on the relay and return what it cost."""
    before, busy = _totals(relay), dict(relay.busy)
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    busiest = max((relay.busy[name] - busy.get(name, 0.0) for name in relay.busy), default=0.0)
    lines, sent_bytes, envelopes, offers = (now - then for now, then in zip(_totals(relay), before, strict=True))
    return ChangeCost(change, members, round(seconds, 4), round(busiest, 4), lines, sent_bytes, envelopes, offers)


def add_and_remove(relay: MemoryRelay, newcomer: str) -> tuple[ChangeCost, ChangeCost]:
    """Measure a newcomer's add (and first message), then its removal by the first member."""
    members = len(relay.sessions) + 1
    add = _counted(relay, "add", members, lambda: relay.join(newcomer))
    started = time.perf_counter()
    relay.say(newcomer, "hello, I am new here")
    first = add.seconds + time.perf_counter() - started
    first_member = next(iter(relay.sessions))
    remove = _counted(
        relay, "remove", members, lambda: relay.act(first_member, relay.codec(first_member).remove(newcomer))
    )
    relay.leave(newcomer)
    return ChangeCost(**{**add.row(), "first_message_seconds": round(first, 4)}), remove


def measure_sizes(sizes: Iterable[int], max_seconds: float = 1800.0) -> Iterator[ChangeCost]:
    """Grow one group and yield the add and the removal at each size (ascending, at least 2)."""
    relay, deadline, made = MemoryRelay(), time.monotonic() + max_seconds, 0
    try:
        for size in sizes:
            if size < 2 or size <= made:
                raise CostError(f"sizes should rise from 2 up, got {size} after {made}")
            while len(relay.sessions) < size - 1:
                if time.monotonic() > deadline:
                    raise CostError(f"the group reached {len(relay.sessions)} members in {max_seconds} s: stopped")
                relay.join(f"m{len(relay.sessions):03d}")
            made = size
            yield from add_and_remove(relay, f"new{size}")
    finally:
        relay.close()


def tree_removal(members: int) -> tuple[int, int]:
    """Return (encryptions, bytes) of one removal in the TreeKEM model, in a tree where every member has committed."""
    tree = RatchetTree()
    for number in range(members):
        tree.add(f"m{number}")
        tree.update(f"m{number}")
    cost = tree.remove("m0", f"m{members - 1}")
    return cost.encryptions, cost.bytes
