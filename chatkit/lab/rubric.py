"""The capstone's rubric, as data the grader reads: what each round is marked on, and what each mark is worth.

A team's marks are whole numbers per criterion, 0 to the criterion's most; the instructor (or the defending team,
for 'evidence') gives them. `check_marks` refuses anything else with a sentence saying which team and criterion,
so a spreadsheet typo never becomes a grade.
"""

from collections.abc import Mapping
from dataclasses import dataclass


class RubricError(ValueError):
    """Marks the rubric cannot read."""


@dataclass(frozen=True)
class Criterion:
    """One line of the rubric: its key, the round it belongs to, what earns it, and the most it is worth."""

    key: str
    round: str  # "attack" or "fix"
    earns: str
    most: int


RUBRIC = (
    Criterion("evidence", "attack", "the defending team re-ran the evidence and saw the weakness", 4),
    Criterion("impact", "attack", "what an attacker gains in a real deployment, said precisely", 2),
    Criterion("fix_test", "fix", "a test that fails on the variant and passes on the fix", 4),
    Criterion("still_wrong", "fix", "what the fix does not cover, named honestly", 2),
)
RULE_BROKEN = -3  # per rule of engagement broken (out of scope, unbounded loop, reading the stage's objects)
Marks = Mapping[str, int]


def criterion(key: str) -> Criterion:
    """Return the rubric's criterion called `key`."""
    for each in RUBRIC:
        if each.key == key:
            return each
    raise RubricError(f"the rubric has no criterion {key!r}; it has {[each.key for each in RUBRIC]}")


def check_marks(team: str, marks: Marks) -> None:
    """Raise RubricError unless every mark is a whole number from 0 to its criterion's most."""
    for key, mark in marks.items():
        most = None if key == "rules_broken" else criterion(key).most
        if not isinstance(mark, int) or isinstance(mark, bool) or mark < 0 or (most is not None and mark > most):
            limit = "a count of 0 or more" if most is None else f"a whole number from 0 to {most}"
            raise RubricError(f"{team}: {key} should be {limit}, got {mark!r}")


def points(marks: Marks) -> int:
    """Return a team's points: its marks, less RULE_BROKEN for each rule broken."""
    return sum(mark for key, mark in marks.items() if key != "rules_broken") + RULE_BROKEN * marks.get(
        "rules_broken", 0
    )


def most_points() -> int:
    """Return the most a team can earn."""
    return sum(each.most for each in RUBRIC)
