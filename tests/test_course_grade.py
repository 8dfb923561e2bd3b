"""`chatkit grade` on prepared submissions: full marks, zero, a share, a time-out row, and two cheats that fail.

Most tests grade two exercises only (--exercises) to stay quick; one slow test grades every exercise.
"""

import csv
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from chatkit.course.grade import main
from chatkit.lab import Stage

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "notebooks" / "instructor" / "solutions"
STUBS = REPO / "notebooks" / "exercises"
HIDDEN = REPO / "notebooks" / "instructor" / "checks"
SCHEMA = json.loads((REPO / "docs" / "gradescope" / "results.schema.json").read_text())
QUICK = ["nb00_warmup", "nb01_framing"]  # nb00: 3 visible points + 3 hidden; nb01_framing: 4
HALF_DONE = (
    (STUBS / "nb00_warmup.py")
    .read_text()
    .replace('raise NotImplementedError("your code here: replace this line")', 'return f"Hello, {name}!"', 1)
)
BYPASS = 'import os\n\nos.environ["CHATKIT_EXERCISES"] = "solutions"  # a switch that no longer exists\n'
ENDLESS = "def greeting(name):\n    while True:\n        pass\n\n\ndef as_line(text):\n    while True:\n        pass\n"
GC_CHEAT = """import gc


def stolen_password():
    from chatkit.lab import Stage

    return next((o.password for o in gc.get_objects() if isinstance(o, Stage)), None)


def name_and_proof(hello_line):
    raise NotImplementedError


def recover_password(hello_line, words):
    return stolen_password()


def precompute(words):
    return {}


def look_up(table, hello_line):
    return stolen_password()
"""
JUDGE_CHEAT = """import gc


def ask_the_judge_for_every_word(words):
    from chatkit.course.referee import Referee

    judges = [o for o in gc.get_objects() if isinstance(o, Referee)]
    return next((w for w in words for judge in judges if judge.ask("judge", w)), None)


def name_and_proof(hello_line):
    raise NotImplementedError


def recover_password(hello_line, words):
    return ask_the_judge_for_every_word(words)


def precompute(words):
    return {word: b"" for word in words}


def look_up(table, hello_line):
    return ask_the_judge_for_every_word(list(table))
"""
FORGER = """import chatkit.course.outcomes as outcomes

real_record = outcomes.record


def forged_record(config, entry):
    real_record(config, {**entry, "outcome": "passed"} if "outcome" in entry else entry)


outcomes.record = forged_record


def greeting(name):
    raise NotImplementedError


def as_line(text):
    raise NotImplementedError
"""


def hand_in(submissions: Path, student: str, files: dict[str, str]) -> None:
    """Write a student's submission folder the way an LMS exports it."""
    for name, text in files.items():
        path = submissions / student / "notebooks" / "exercises" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def solutions(*names: str) -> dict[str, str]:
    return {name: (SOLUTIONS / f"{name}.py").read_text() for name in names}


def grade(submissions: Path, out: Path, *options: str) -> dict[str, dict[str, str]]:
    """Run the grader; return grades.csv as {student: row}."""
    arguments = [str(submissions), "--out", str(out), "--hidden", str(HIDDEN), "--jobs", "2", *options]
    assert main(arguments) == 0
    with (out / "grades.csv").open() as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def test_full_marks_zero_and_a_share(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    hand_in(submissions, "ada", solutions(*QUICK))
    hand_in(submissions, "bo", {name: (STUBS / f"{name}.py").read_text() for name in QUICK})
    hand_in(submissions, "cy", {"nb00_warmup": HALF_DONE})
    (submissions / "dan").mkdir()
    (submissions / "dan" / "notes.txt").write_text("I ran out of time")
    (submissions / "eve.zip").write_bytes(b"not a zip file")
    rows = grade(submissions, tmp_path / "out", "--exercises", ",".join(QUICK), "--gradescope")
    assert (rows["dan"]["status"], rows["dan"]["total"]) == ("no exercise files found", "0")
    assert rows["eve"]["status"].startswith("could not be graded") and rows["eve"]["total"] == "0"
    assert [rows[s]["total"] for s in ("ada", "bo", "cy")] == ["10", "0", "2"]
    assert rows["ada"]["out_of"] == "10" and rows["ada"]["nb00_warmup"] == "6" and rows["ada"]["nb01_framing"] == "4"
    assert (rows["cy"]["nb00_warmup"], rows["cy"]["nb01_framing"]) == ("2", "0")
    feedback = (tmp_path / "out" / "feedback" / "cy.txt").read_text()
    assert "passed  greeting uses the name" in feedback and "no file handed in" in feedback
    assert "a hidden check" in feedback and "empty text" not in feedback  # hidden checks say nothing of themselves
    for student, total in (("ada", 10), ("bo", 0), ("cy", 2), ("eve", 0)):
        results = json.loads((tmp_path / "out" / "gradescope" / student / "results.json").read_text())
        jsonschema.validate(results, SCHEMA)
        assert results["score"] == total == sum(test["score"] for test in results["tests"])


def test_a_zip_and_a_single_submission_for_gradescope(tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    hand_in(folder, "ada", solutions("nb00_warmup"))
    subprocess.run(["zip", "-qr", str(tmp_path / "ada.zip"), "."], cwd=folder / "ada", check=True, timeout=30)
    assert main([str(tmp_path / "ada.zip"), "--one", "--out", str(tmp_path / "out"), "--gradescope",
                 "--hidden", str(HIDDEN), "--exercises", "nb00_warmup"]) == 0  # fmt: skip
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 6 and {test["status"] for test in results["tests"]} == {"passed"}
    assert sum(test["visibility"] == "after_published" for test in results["tests"]) == 2  # the hidden checks


def test_an_endless_loop_gets_a_time_out_row_and_spoils_no_one_else(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    hand_in(submissions, "ada", solutions("nb00_warmup"))
    hand_in(submissions, "loop", {"nb00_warmup": ENDLESS})
    rows = grade(submissions, tmp_path / "out", "--exercises", "nb00_warmup", "--timeout", "20")
    assert rows["loop"]["status"] == "timed out after 20 s" and rows["loop"]["total"] == "0"
    assert rows["ada"]["status"] == "graded" and rows["ada"]["total"] == "6"
    assert "time limit" in (tmp_path / "out" / "feedback" / "loop.txt").read_text()


def test_the_environment_variable_bypass_scores_zero(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    hand_in(submissions, "eve", {name: BYPASS + (STUBS / f"{name}.py").read_text() for name in QUICK})
    rows = grade(submissions, tmp_path / "out", "--exercises", ",".join(QUICK))
    assert rows["eve"]["total"] == "0"


def test_a_forged_result_is_flagged_for_a_person_to_check(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    hand_in(submissions, "forger", {"nb00_warmup": FORGER})
    rows = grade(submissions, tmp_path / "out", "--exercises", "nb00_warmup")
    assert rows["forger"]["status"].startswith("graded, but check by hand"), rows  # docs/grading.md: the limits


def test_the_gc_cheat_is_real_where_the_secret_shares_its_process(tmp_path: Path) -> None:
    cheat = tmp_path / "cheat.py"
    cheat.write_text(GC_CHEAT)
    namespace: dict[str, object] = {}
    exec(compile(cheat.read_text(), str(cheat), "exec"), namespace)
    with Stage("classic") as stage:
        assert namespace["stolen_password"]() == stage.password  # type: ignore[operator]


@pytest.mark.timeout(300)
def test_the_gc_cheat_and_a_greedy_judge_score_zero(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    hand_in(submissions, "mallory", {"nb04_passwords": GC_CHEAT})
    hand_in(submissions, "trudy", {"nb04_passwords": JUDGE_CHEAT})
    rows = grade(submissions, tmp_path / "out", "--exercises", "nb04_passwords")
    assert (rows["mallory"]["total"], rows["trudy"]["total"]) == ("0", "0"), rows
    assert rows["mallory"]["out_of"] == "6"


def test_the_gradescope_scripts_are_valid_bash() -> None:
    for script in ("setup.sh", "run_autograder"):
        path = REPO / "docs" / "gradescope" / script
        subprocess.run(["bash", "-n", str(path)], check=True, timeout=30)
        assert path.stat().st_mode & 0o111, f"{script} must be executable"


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_every_exercise_solutions_full_marks_stubs_zero(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    names = sorted(path.stem for path in SOLUTIONS.glob("*.py"))
    hand_in(submissions, "ada", solutions(*names))
    hand_in(submissions, "bo", {name: (STUBS / f"{name}.py").read_text() for name in names})
    rows = grade(submissions, tmp_path / "out", "--timeout", "900")
    assert rows["ada"]["total"] == rows["ada"]["out_of"], (tmp_path / "out" / "feedback" / "ada.txt").read_text()
    assert rows["bo"]["total"] == "0"
