"""Write what grading found: grades.csv (a row per student, a column per exercise) and a feedback file each."""

import csv
import re
from pathlib import Path

from chatkit.course.marks import Check, Graded, exercises_of, max_points


def safe_name(student: str) -> str:
    """Return a student's name fit for a file name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", student).strip(".") or "student"


def write_csv(path: Path, graded: list[Graded], checks: list[Check]) -> None:
    """Write grades.csv: student, status, one column of points per exercise, total, out of."""
    exercises = exercises_of(checks)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "status", *exercises, "total", "out_of"])
        for each in graded:
            marks = [f"{each.points(name):g}" for name in exercises]
            writer.writerow(
                [each.student, each.status, *marks, f"{each.total:g}", f"{sum(c.points for c in checks):g}"]
            )


def feedback(graded: Graded, checks: list[Check]) -> str:
    """Return a student's feedback in plain words: the total, then each exercise and how its checks went."""
    out_of = sum(check.points for check in checks)
    lines = [f"{graded.student}: {graded.total:g} of {out_of:g} points ({graded.status})."]
    for name in exercises_of(checks):
        lines += ["", f"{name}: {graded.points(name):g} of {max_points(checks, name):g} points"]
        lines += [
            describe(outcome.check, outcome.passed, outcome.reason)
            for outcome in graded.outcomes
            if outcome.check.exercise == name
        ]
    return "\n".join(lines) + "\n"


def describe(check: Check, passed: bool, reason: str) -> str:
    """Return one line about one check; a hidden check says only whether it passed."""
    worth = f"{check.points:g} point{'s' if check.points != 1 else ''}"
    if check.hidden:
        return f"  {'passed' if passed else 'failed'}  a hidden check ({worth})"
    if passed:
        return f"  passed  {check.title} ({worth})"
    return f"  failed  {check.title} ({worth}): {reason or 'failed'}"


def write_feedback(folder: Path, graded: list[Graded], checks: list[Check]) -> None:
    """Write feedback/<student>.txt for every student."""
    folder.mkdir(parents=True, exist_ok=True)
    for each in graded:
        (folder / f"{safe_name(each.student)}.txt").write_text(feedback(each, checks))
