"""Write a student copy of the course: the notebooks, the exercise stubs, their checks and data, nothing else.

    chatkit student-copy --out DIR          # a copy for one student, or for a class to clone
    chatkit student-copy --out DIR --git    # the same as a git repository with one commit (for nbgitpuller)
    chatkit student-copy --stubs            # in the kit's repository: rewrite the stubs from the solutions
    chatkit student-copy --check            # in the kit's repository: exit 1 if a stub is out of date (CI)

A copy has no instructor material, no solutions and no hidden checks. Inside it, `pytest` checks that the copy is
whole (it passes on a fresh copy) and `pytest tests/exercises` runs the exercise checks (they fail until solved).
"""

import argparse
import shutil
import subprocess
from pathlib import Path

from chatkit.course.home import MARKER, CourseError, Home
from chatkit.course.layout import student_files
from chatkit.course.material import TEMPLATES, instructor_checkout, material_root
from chatkit.course.stubs import BEGIN, stale_stubs, write_stubs

EXIT_OK, EXIT_STALE, EXIT_REFUSED = 0, 1, 2
# template file -> where it goes in the copy
COPY_TEMPLATES = {
    "chatkit-course.toml": MARKER,
    "README.md": "README.md",
    "pytest.ini": "pytest.ini",
    "test_this_copy.py": "tests/test_this_copy.py",
    "gitignore": ".gitignore",
}


def write_copy(destination: Path) -> list[Path]:
    """Write a student copy into `destination` (which must be empty or new); return the files written."""
    if destination.exists() and any(destination.iterdir()):
        raise CourseError(f"{destination} is not empty: a student copy goes into a new or empty folder")
    source = material_root()
    written = [copy_file(source / relative, destination / relative) for relative in student_files(source)]
    written += [copy_file(TEMPLATES / name, destination / target) for name, target in COPY_TEMPLATES.items()]
    refuse_solutions(destination)
    return written


def copy_file(source: Path, target: Path) -> Path:
    """Copy one file, making its folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def refuse_solutions(copy: Path) -> None:
    """Raise if any exercise file in the copy still holds a solution block (a stub that was never made)."""
    leaking = [path.name for path in (copy / "notebooks" / "exercises").glob("*.py") if BEGIN in path.read_text()]
    if leaking:
        raise CourseError(f"these exercise files hold solutions, so no copy was made: {', '.join(leaking)}")


def make_repository(copy: Path) -> None:
    """Make the copy a git repository with one commit, ready for nbgitpuller."""
    author = ["-c", "user.name=chatkit", "-c", "user.email=chatkit@localhost"]
    for command in (["init", "-q"], ["add", "-A"], [*author, "commit", "-q", "-m", "The chatkit course"]):
        subprocess.run(["git", *command], cwd=copy, check=True, capture_output=True, timeout=60)


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="chatkit student-copy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, help="write a student copy into this new or empty folder")
    action.add_argument("--stubs", action="store_true", help="rewrite the stubs from the solutions (kit repo only)")
    action.add_argument("--check", action="store_true", help="exit 1 if a stub is out of date (kit repo only)")
    parser.add_argument("--git", action="store_true", help="with --out: make the copy a git repository")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run `chatkit student-copy`; return the exit code."""
    args = parse(argv)
    try:
        return run(args)
    except CourseError as error:
        print(f"chatkit student-copy: {error}")
        return EXIT_REFUSED


def run(args: argparse.Namespace) -> int:
    """Do what the command line asks."""
    checkout = instructor_checkout()
    if (args.stubs or args.check) and checkout is None:
        raise CourseError("--stubs and --check work in the kit's repository only (where the solutions are)")
    if checkout is not None and (args.check or args.out) and report_stale(checkout):
        return EXIT_STALE
    if args.stubs and checkout is not None:
        for path in write_stubs(checkout):
            print(f"wrote {path.relative_to(checkout.root)}")
    if args.out:
        print(f"student copy: {len(write_copy(args.out))} files written to {args.out}")
    if args.out and args.git:
        make_repository(args.out)
        print(f"{args.out} is a git repository with one commit")
    return EXIT_OK


def report_stale(checkout: Home) -> bool:
    """Print every stub that is out of date; return whether there was one (a copy is never made from those)."""
    stale = stale_stubs(checkout)
    for path in stale:
        print(f"out of date: {path.relative_to(checkout.root)} (run chatkit student-copy --stubs)")
    return bool(stale)


if __name__ == "__main__":
    raise SystemExit(main())
