"""Grade a class: every submission in a fresh student copy, in its own process, with a time limit, N at a time.

    chatkit grade SUBMISSIONS/ --out DIR [--jobs N] [--timeout S] [--gradescope] [--exercises a,b] [--hidden DIR]
    chatkit grade /autograder/submission --one --out /autograder/results --gradescope    # on Gradescope

SUBMISSIONS holds one folder or zip per student (as an LMS exports them); with --one it is a single submission.
Writes DIR/grades.csv, DIR/feedback/<student>.txt and, with --gradescope, results.json (DIR/results.json with
--one, else DIR/gradescope/<student>/results.json). See docs/grading.md for what the isolation does and does not do.
"""

import argparse
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from chatkit.course.gradescope import write_results
from chatkit.course.home import CourseError
from chatkit.course.marks import Check, Graded, Outcome, exercises_of, read_outcomes
from chatkit.course.material import default_hidden_checks
from chatkit.course.report import safe_name, write_csv, write_feedback
from chatkit.course.run import Run, collect_checks, prepare_copy, run_pytest, test_files
from chatkit.course.submissions import Submission, exercise_files, find_submissions, unpack

EXIT_OK, EXIT_REFUSED = 0, 2


@dataclass(frozen=True)
class Settings:
    """What the command line asked for."""

    out: Path
    jobs: int
    timeout: float
    hidden: Path | None
    gradescope: bool
    one: bool


def grade_one(submission: Submission, checks: list[Check], settings: Settings) -> Graded:
    """Grade one submission in a fresh copy; return its outcomes."""
    exercises = exercises_of(checks)
    with tempfile.TemporaryDirectory(prefix="chatkit-grade-") as scratch:
        folder = unpack(submission, Path(scratch) / "handed-in")
        files = exercise_files(folder, exercises)
        if not files:
            return Graded(
                submission.student, "no exercise files found", [Outcome(c, False, "not handed in") for c in checks]
            )
        copy = prepare_copy(Path(scratch) / "copy", files, settings.hidden)
        outcomes_file = Path(scratch) / "outcomes.jsonl"
        run = run_pytest(copy, test_files(copy, exercises), outcomes_file, settings.timeout)
        unfinished = "did not finish" if run.finished else "not run: the time limit was reached"
        outcomes = [missing(o, files) for o in read_outcomes(outcomes_file, checks, unfinished)]
    return Graded(submission.student, status_of(run, outcomes, settings.timeout), outcomes, run.seconds)


def status_of(run: Run, outcomes: list[Outcome], timeout: float) -> str:
    """Say how grading went; flag a run whose exit code disagrees with its outcomes (a sign of tampering)."""
    if not run.finished:
        return f"timed out after {timeout:g} s"
    if (run.exit_code == 0) != all(outcome.passed for outcome in outcomes):
        return "graded, but check by hand: pytest's exit code disagrees with the outcomes"
    return "graded"


def missing(outcome: Outcome, files: dict[str, Path]) -> Outcome:
    """Say 'not handed in' for the checks of an exercise the student handed no file for."""
    return outcome if outcome.check.exercise in files else Outcome(outcome.check, False, "no file handed in")


def grade_all(submissions: list[Submission], checks: list[Check], settings: Settings) -> list[Graded]:
    """Grade every submission, `settings.jobs` at a time, printing a line as each one finishes."""

    def grade(submission: Submission) -> Graded:
        """Grade one submission and say so; one that cannot be read gets a row that says why."""
        try:
            graded = grade_one(submission, checks, settings)
        except (CourseError, zipfile.BadZipFile, OSError) as error:
            failed = [Outcome(check, False, "not graded") for check in checks]
            graded = Graded(submission.student, f"could not be graded: {error}", failed)
        print(f"{graded.student}: {graded.total:g} points ({graded.status})", flush=True)
        return graded

    with ThreadPoolExecutor(max_workers=settings.jobs) as pool:
        return list(pool.map(grade, submissions))


def write_reports(graded: list[Graded], checks: list[Check], settings: Settings) -> None:
    """Write the gradebook, the feedback files and, if asked, Gradescope's results."""
    settings.out.mkdir(parents=True, exist_ok=True)
    write_csv(settings.out / "grades.csv", graded, checks)
    write_feedback(settings.out / "feedback", graded, checks)
    for each in graded if settings.gradescope else []:
        place = settings.out if settings.one else settings.out / "gradescope" / safe_name(each.student)
        write_results(place / "results.json", each)


def build_parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    parser = argparse.ArgumentParser(
        prog="chatkit grade", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submissions", type=Path, help="a folder with one folder or zip per student")
    parser.add_argument("--out", type=Path, required=True, help="where grades.csv and the feedback go")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a submission's checks may take (600)")
    parser.add_argument("--exercises", help="grade only these exercises, comma-separated (default: all)")
    parser.add_argument("--hidden", type=Path, help="hidden checks: a folder of test_NAME_hidden.py")
    parser.add_argument("--gradescope", action="store_true", help="also write Gradescope's results.json")
    parser.add_argument("--one", action="store_true", help="SUBMISSIONS is a single student's submission")
    return parser


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, Settings]:
    """Read the command line."""
    args = build_parser().parse_args(argv)
    hidden = args.hidden or default_hidden_checks()
    return args, Settings(args.out, max(1, args.jobs), args.timeout, hidden, args.gradescope, args.one)


def main(argv: list[str] | None = None) -> int:
    """Run `chatkit grade`; return the exit code."""
    args, settings = parse(argv)
    try:
        submissions = [Submission("submission", args.submissions)] if args.one else find_submissions(args.submissions)
        with tempfile.TemporaryDirectory(prefix="chatkit-checks-") as scratch:
            chosen = args.exercises.split(",") if args.exercises else None
            checks = collect_checks(Path(scratch), chosen, settings.hidden, settings.timeout)
        write_reports(grade_all(submissions, checks, settings), checks, settings)
    except CourseError as error:
        print(f"chatkit grade: {error}")
        return EXIT_REFUSED
    print(f"wrote {settings.out / 'grades.csv'} and {len(submissions)} feedback files")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
