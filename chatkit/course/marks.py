"""What grading finds: the checks of a course (with their points), and each student's outcomes and marks."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HIDDEN_SUFFIX = "_hidden"  # tests/exercises/test_nb04_passwords_hidden.py: hidden checks of nb04_passwords


@dataclass(frozen=True)
class Check:
    """One check: its pytest node id, the exercise it belongs to, what it is worth, and whether students see it."""

    node: str
    points: float

    @property
    def stem(self) -> str:
        return Path(self.node.split("::")[0]).stem

    @property
    def exercise(self) -> str:
        return self.stem.removeprefix("test_").removesuffix(HIDDEN_SUFFIX)

    @property
    def hidden(self) -> bool:
        return self.stem.endswith(HIDDEN_SUFFIX)

    @property
    def title(self) -> str:
        """Return the check's name in plain words: test_one_table_opens_two_deployments -> 'one table opens ...'."""
        return self.node.split("::")[-1].removeprefix("test_").replace("_", " ")


@dataclass(frozen=True)
class Outcome:
    """How one check went for one student."""

    check: Check
    passed: bool
    reason: str = ""


@dataclass
class Graded:
    """One student's grading: a status in plain words, and an outcome for every check of the course."""

    student: str
    status: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def points(self, exercise: str) -> float:
        return sum(o.check.points for o in self.outcomes if o.passed and o.check.exercise == exercise)

    @property
    def total(self) -> float:
        return sum(o.check.points for o in self.outcomes if o.passed)


def entries(path: Path) -> list[dict[str, Any]]:
    """Return the JSON lines of an outcomes file; a line cut short (a run killed at its time limit) is skipped."""
    found = []
    for line in path.read_text(errors="replace").splitlines() if path.is_file() else []:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("check"), str):
            found.append(entry)
    return found


def read_checks(path: Path) -> list[Check]:
    """Return the checks an outcomes file lists as collected, in order."""
    return [Check(entry["check"], float(entry["points"])) for entry in entries(path) if "points" in entry]


def read_outcomes(path: Path, checks: list[Check], unfinished: str) -> list[Outcome]:
    """Return an outcome for every check: as the file reports it, or failed with `unfinished` if it never finished."""
    reported: dict[str, tuple[bool, str]] = {}
    for entry in entries(path):
        if "outcome" in entry and reported.get(entry["check"], (True, ""))[0]:  # one failure fails the check
            reported[entry["check"]] = (entry["outcome"] == "passed", str(entry.get("reason", "")))
    return [Outcome(check, *reported.get(check.node, (False, unfinished))) for check in checks]


def max_points(checks: list[Check], exercise: str) -> float:
    """Return what an exercise is worth: the points of all its checks."""
    return sum(check.points for check in checks if check.exercise == exercise)


def exercises_of(checks: list[Check]) -> list[str]:
    """Return the exercises the checks cover, in order."""
    return sorted({check.exercise for check in checks})
