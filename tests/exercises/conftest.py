"""Exercise checks: each loads an exercise module from the course copy these tests live in.

`pytest tests/exercises` checks the student's files (notebooks/exercises/); `pytest tests/exercises --solutions`
checks the instructor's solutions, which exist in the kit's repository only. The choice is made once, when pytest
starts and before any exercise is imported, so nothing an exercise file does can switch it.
Secrets are random per run (a fresh Stage each test), so a hard-coded answer cannot pass; where a check holds a
secret the student must find, a referee process keeps it (chatkit.course.referee).
`@pytest.mark.points(N)` says what a check is worth to the grader (1 without it).
"""

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from types import ModuleType

import pytest

from chatkit.course.exercises import load_from
from chatkit.course.home import find_home
from chatkit.course.referee import Referee
from chatkit.lab import Stage

EXERCISE_FOLDER = pytest.StashKey[Path]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--solutions", action="store_true", help="check the instructor's solutions (the kit's repo only)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): what the check is worth when graded (default 1)")
    home = find_home(Path(__file__).parent)
    folder = home.solutions if config.getoption("--solutions") else home.exercises
    if not folder.is_dir():
        raise pytest.UsageError(f"no {folder}: only the kit's repository has the solutions, a student copy never does")
    config.stash[EXERCISE_FOLDER] = folder


@pytest.fixture
def exercise(pytestconfig: pytest.Config) -> Callable[[str], ModuleType]:
    """Load an exercise module by name, from the folder chosen when pytest started."""
    return partial(load_from, pytestconfig.stash[EXERCISE_FOLDER])


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


@pytest.fixture
def referee() -> Iterator[Callable[..., Referee]]:
    """Start referees (a scene whose secret stays in another process), closed after the test."""
    started: list[Referee] = []

    def make(scene: str = "classic_password", **options: object) -> Referee:
        started.append(Referee(scene, **options))
        return started[-1]

    yield make
    for each in started:
        each.close()
