"""Write a student's grading as Gradescope's autograder reads it: results.json (docs/gradescope/ has the schema).

Gradescope runs `run_autograder` once per submission and reads /autograder/results/results.json: a total score
and one entry per check, each with its score, maximum, status and what the student may see of it.
"""

import json
from pathlib import Path
from typing import Any

from chatkit.course.marks import Graded, Outcome

HIDDEN_VISIBILITY = "after_published"  # a hidden check is shown once the instructor publishes the grades


def test_entry(number: int, outcome: Outcome) -> dict[str, Any]:
    """Return one entry of the results' `tests` list."""
    check = outcome.check
    entry: dict[str, Any] = {
        "name": f"{check.exercise}: {'a hidden check' if check.hidden else check.title}",
        "number": str(number),
        "score": check.points if outcome.passed else 0.0,
        "max_score": check.points,
        "status": "passed" if outcome.passed else "failed",
        "visibility": HIDDEN_VISIBILITY if check.hidden else "visible",
    }
    if outcome.reason and not check.hidden:
        entry["output"] = outcome.reason
    return entry


def results(graded: Graded) -> dict[str, Any]:
    """Return the whole results.json for one student."""
    return {
        "score": graded.total,
        "execution_time": round(graded.seconds),
        "output": f"{graded.student}: {graded.status}.",
        "stdout_visibility": "hidden",  # pytest's own log is for the instructor
        "tests": [test_entry(number, outcome) for number, outcome in enumerate(graded.outcomes, start=1)],
    }


def write_results(path: Path, graded: Graded) -> None:
    """Write one student's results.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(graded), indent=2) + "\n")
