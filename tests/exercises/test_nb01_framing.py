"""Checks for notebook 01's framing exercises (random data each run)."""

import random
from collections.abc import Callable
from types import ModuleType

Load = Callable[[str], ModuleType]


def random_lines(rng: random.Random) -> list[bytes]:
    return [bytes(rng.choice(b'abcxyz {}:,"') for _ in range(rng.randint(0, 30))) for _ in range(rng.randint(1, 20))]


def test_split_lines_keeps_the_unfinished_rest(exercise: Load) -> None:
    ex = exercise("nb01_framing")
    assert ex.split_lines(b"one\ntwo\nthr") == ([b"one", b"two"], b"thr")


def test_split_lines_with_nothing_complete(exercise: Load) -> None:
    ex = exercise("nb01_framing")
    assert ex.split_lines(b"no newline yet") == ([], b"no newline yet")


def test_split_lines_ending_on_a_newline(exercise: Load) -> None:
    ex = exercise("nb01_framing")
    assert ex.split_lines(b"a\nb\n") == ([b"a", b"b"], b"")


def test_reassemble_any_cut(exercise: Load) -> None:
    ex = exercise("nb01_framing")
    rng = random.Random()
    lines = random_lines(rng)
    stream = b"".join(line + b"\n" for line in lines)
    cuts = sorted(rng.sample(range(len(stream) + 1), k=min(5, len(stream) + 1)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert ex.reassemble(chunks) == lines
