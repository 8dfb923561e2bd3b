"""Make the students' exercise stubs from the instructor's solutions, and optionally a student copy of the kit.

    python scripts/make_student_copy.py            # write notebooks/exercises/*.py from the solutions
    python scripts/make_student_copy.py --check    # exit 1 if a stub is out of date (CI runs this)
    python scripts/make_student_copy.py --out DIR  # also copy the kit without notebooks/instructor/ to DIR

In a solution file, the lines between `# BEGIN SOLUTION` and `# END SOLUTION` become one line:
`raise NotImplementedError("...")`, indented like the marker. Everything else (docstrings, hints) stays.
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "notebooks" / "instructor" / "solutions"
STUBS = REPO / "notebooks" / "exercises"
EXIT_OK, EXIT_STALE = 0, 1
STUB_LINE = 'raise NotImplementedError("your code here: replace this line")'


def make_stub(solution: str) -> str:
    """Replace every solution block with a NotImplementedError line."""
    out, inside = [], False
    for line in solution.splitlines(keepends=True):
        marker = line.strip()
        if marker == "# BEGIN SOLUTION":
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB_LINE + "\n")
        elif marker == "# END SOLUTION":
            inside = False
        elif not inside:
            out.append(line)
    return "".join(out)


def expected_stubs() -> dict[Path, str]:
    """Return {stub path: stub text} for every solution file."""
    return {STUBS / path.name: make_stub(path.read_text()) for path in sorted(SOLUTIONS.glob("*.py"))}


def stale_stubs() -> list[Path]:
    """Return the stubs that are missing or differ from what the solutions give."""
    return [path for path, text in expected_stubs().items() if not path.exists() or path.read_text() != text]


def write_stubs() -> None:
    """Write every stub."""
    STUBS.mkdir(parents=True, exist_ok=True)
    for path, text in expected_stubs().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(REPO)}")


def copy_for_students(destination: Path) -> None:
    """Copy the tracked files of the kit to `destination`, leaving out the instructor material."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in tracked.splitlines():
        if name.startswith("notebooks/instructor/"):
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    print(f"student copy written to {destination}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stubs that are out of date")
    parser.add_argument("--out", type=Path, help="also write a student copy of the kit (no instructor material) here")
    args = parser.parse_args()
    if args.check:
        stale = stale_stubs()
        for path in stale:
            print(f"out of date: {path.relative_to(REPO)} (run python scripts/make_student_copy.py)")
        return EXIT_STALE if stale else EXIT_OK
    write_stubs()
    if args.out:
        copy_for_students(args.out)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
