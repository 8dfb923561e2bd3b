"""Make the students' exercise stubs from the instructor's solutions (in the kit's repository).

In a solution file, the lines between `# BEGIN SOLUTION` and `# END SOLUTION` become one line,
`raise NotImplementedError("...")`, indented like the marker. Everything else (docstrings, hints) stays.
"""

from pathlib import Path

from chatkit.course.home import Home

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
STUB_LINE = 'raise NotImplementedError("your code here: replace this line")'


def make_stub(solution: str) -> str:
    """Replace every solution block with a NotImplementedError line."""
    out, inside = [], False
    for line in solution.splitlines(keepends=True):
        marker = line.strip()
        if marker == BEGIN:
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB_LINE + "\n")
        elif marker == END:
            inside = False
        elif not inside:
            out.append(line)
    return "".join(out)


def expected_stubs(home: Home) -> dict[Path, str]:
    """Return {stub path: stub text} for every solution file."""
    return {home.exercises / path.name: make_stub(path.read_text()) for path in sorted(home.solutions.glob("*.py"))}


def stale_stubs(home: Home) -> list[Path]:
    """Return the stubs that are missing or differ from what the solutions give."""
    return [path for path, text in expected_stubs(home).items() if not path.is_file() or path.read_text() != text]


def write_stubs(home: Home) -> list[Path]:
    """Write every stub; return the paths written."""
    home.exercises.mkdir(parents=True, exist_ok=True)
    stubs = expected_stubs(home)
    for path, text in stubs.items():
        path.write_text(text)
    return list(stubs)
