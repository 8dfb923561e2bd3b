"""Checks for notebook 00's warm-up exercise (random names each run)."""

import random
import string
from collections.abc import Callable
from types import ModuleType

Load = Callable[[str], ModuleType]


def random_name() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=random.randint(3, 10)))


def test_greeting_uses_the_name(exercise: Load) -> None:
    name = random_name()
    assert exercise("nb00_warmup").greeting(name) == f"Hello, {name}!"


def test_as_line_ends_with_one_newline(exercise: Load) -> None:
    text = random_name()
    assert exercise("nb00_warmup").as_line(text) == text.encode() + b"\n"


def test_as_line_encodes_utf8(exercise: Load) -> None:
    assert exercise("nb00_warmup").as_line("café ☕") == "café ☕".encode() + b"\n"
