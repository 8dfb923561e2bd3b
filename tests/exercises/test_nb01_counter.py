"""Checks for notebook 01's lock exercise: no increment may be lost, however many threads share the counter."""

import random
import threading
from collections.abc import Callable
from types import ModuleType

Load = Callable[[str], ModuleType]


def test_one_thread_counts_every_increment(exercise: Load) -> None:
    ex = exercise("nb01_counter")
    counter = ex.Counter()
    times = random.randint(5, 50)
    for _ in range(times):
        counter.increment()
    assert counter.value == times


def test_many_threads_lose_nothing(exercise: Load) -> None:
    ex = exercise("nb01_counter")
    threads, each = random.randint(6, 10), random.randint(150, 250)
    assert ex.count_together(threads, each) == threads * each


def test_the_lock_is_released_after_each_increment(exercise: Load) -> None:
    ex = exercise("nb01_counter")
    counter = ex.Counter()
    counter.increment()
    assert counter.lock.acquire(timeout=1), "the lock is still held after increment(): use `with self.lock:`"
    counter.lock.release()
    assert isinstance(counter.lock, type(threading.Lock()))
