"""Hidden checks for notebook 00: `chatkit grade` adds them to each submission's copy; student copies never hold them.

A hidden check's file is named test_<exercise>_hidden.py; it uses the same fixtures as the visible checks.
"""

from collections.abc import Callable
from types import ModuleType

import pytest

Load = Callable[[str], ModuleType]


def test_greeting_keeps_the_name_exactly(exercise: Load) -> None:
    name = "Zoë O'Brien-Łukasz"
    assert exercise("nb00_warmup").greeting(name) == f"Hello, {name}!"


@pytest.mark.points(2)
def test_as_line_of_an_empty_text_is_one_newline(exercise: Load) -> None:
    assert exercise("nb00_warmup").as_line("") == b"\n"
