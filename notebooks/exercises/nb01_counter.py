"""Notebook 01, exercises: a counter that many threads share, made safe with a lock.

`unsafe_increment` reads the value, lets another thread run, then writes: exactly the gap in which
two threads read the same old value and one update is lost.
"""

import threading
import time


def unsafe_increment(counter: "Counter") -> None:
    """Add one the careless way: read, give other threads a chance to run, write back."""
    current = counter.value
    time.sleep(0)  # a thread switch can happen here at any time; sleep(0) makes it likely
    counter.value = current + 1


class Counter:
    """A number that many threads add to."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def increment(self) -> None:
        """Add one safely: call unsafe_increment(self) while holding self.lock, so no other thread is in between."""
        raise NotImplementedError("your code here: replace this line")


def count_together(threads: int, each: int) -> int:
    """Start `threads` threads that each increment one shared Counter `each` times; return its final value."""
    Counter().increment()  # one try in this thread first, so an unwritten stub says so here and not in a thread
    counter = Counter()

    def work() -> None:
        for _ in range(each):
            counter.increment()

    workers = [threading.Thread(target=work, name="counter-worker") for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return counter.value
