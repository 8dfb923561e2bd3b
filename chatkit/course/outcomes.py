"""A pytest plugin for the grader: write each check and, as it finishes, its outcome to a JSON-lines file.

    python -m pytest tests/exercises -p chatkit.course.outcomes --outcomes FILE

Each line is {"check": node id, "points": n} when collected, then {"check": ..., "outcome": "passed" | "failed",
"reason": "..."} when run. Lines are written one by one, so a run stopped at its time limit keeps what finished.
"""

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

REASON_CHARACTERS = 300
OUTCOMES_FILE = pytest.StashKey[Path]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--outcomes", type=Path, help="write each check's points and outcome to this file")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): what the check is worth when graded (default 1)")
    path = config.getoption("--outcomes")
    if path is not None:
        config.stash[OUTCOMES_FILE] = path


def record(config: pytest.Config, entry: dict[str, Any]) -> None:
    """Append one line to the outcomes file, if there is one."""
    path = config.stash.get(OUTCOMES_FILE, None)
    if path is not None:
        with path.open("a") as file:
            file.write(json.dumps(entry) + "\n")


def points_of(item: pytest.Item) -> float:
    """Return what a check is worth: its points marker, or 1."""
    marker = item.get_closest_marker("points")
    return float(marker.args[0]) if marker and marker.args else 1.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        record(config, {"check": item.nodeid, "points": points_of(item)})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call" or report.failed:  # a check counts once: its call, or the setup that failed
        outcome = "passed" if report.passed else "failed"
        record(item.config, {"check": item.nodeid, "outcome": outcome, "reason": reason(report)})
    return report


def reason(report: pytest.TestReport) -> str:
    """Return the failure's last 'E ' line (the exception and its message), short; empty when it passed."""
    if report.passed:
        return ""
    lines = [line[1:].strip() for line in report.longreprtext.splitlines() if line.startswith("E ")]
    if lines:
        return lines[0][:REASON_CHARACTERS]
    tail = report.longreprtext.strip().splitlines()
    return tail[-1][:REASON_CHARACTERS] if tail else "failed"
