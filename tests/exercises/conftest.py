"""Exercise tests: each loads the student's module, or the solution with CHATKIT_EXERCISES=solutions.

Secrets are random per run (a fresh Stage each test), so a hard-coded answer cannot pass.
"""

from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from chatkit.lab import Stage
from chatkit.lab.exercises import load


@pytest.fixture
def exercise() -> Callable[[str], ModuleType]:
    """Load an exercise module by name (student stub or solution)."""
    return load


@pytest.fixture
def stage_factory() -> Iterator[Callable[..., Stage]]:
    """Start stages that are stopped after the test."""
    stages: list[Stage] = []

    def make(*args: object, **options: object) -> Stage:
        stage = Stage(*args, **options)  # type: ignore[arg-type]
        stages.append(stage)
        return stage

    yield make
    for stage in stages:
        stage.stop()
