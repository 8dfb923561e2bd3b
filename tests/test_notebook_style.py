"""The notebooks read as the kit's code does (named waits, the vocabulary of style.md) and teach the same way:
predict, run, then open the answer; investigate by changing something and running it again; a guide for each.

How a notebook marks these, so that every notebook (and every new one) can be checked:
- a Predict question is a markdown cell with `**Predict` in it; the very next cell is the code it asks about;
- its answer comes after the run, collapsed: the first markdown cell after that code opens with `<details>`
  and closes it, so the student predicts, runs, and only then opens the answer;
- an Investigate step is a markdown cell with a heading `### Investigate · ...` followed by the code cell to change;
  its answer is in the guide, under a heading that names Investigate;
- each notebook NN-name.ipynb has its guide notebooks/instructor/guide/NN-name.md.
- each guide plans a session in a `| section | minutes | what |` table: its section rows add up to its `total` row,
  at most 90; a `homework` row, if any, is not counted.
The README's map of the notebooks is checked by tests/test_readme.py.
"""

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
GUIDES = REPO / "notebooks" / "instructor" / "guide"
INVESTIGATE_HEADING = re.compile(r"^#{2,4} Investigate\b", re.MULTILINE)


def cells_of(path: Path) -> list[dict]:
    """Return a notebook's cells, each with its source joined into one string."""
    cells = json.loads(path.read_text())["cells"]
    return [{**cell, "source": "".join(cell["source"])} for cell in cells]


def code_of(path: Path) -> str:
    """Return the source of every code cell of a notebook, one after the other."""
    return "\n".join(cell["source"] for cell in cells_of(path) if cell["cell_type"] == "code")


def predict_runs(cells: list[dict]) -> list[tuple[int, int]]:
    """Return (Predict cell, first markdown cell after the code that follows it) for each Predict question."""
    pairs = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and "**Predict" in cell["source"]:
            after = index + 1
            while after < len(cells) and cells[after]["cell_type"] == "code":
                after += 1
            pairs.append((index, after))
    return pairs


def notebook_id(path: Path) -> str:
    return path.stem[:2]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_notebooks_wait_with_named_waits(path: Path) -> None:
    # wait_for_message("hi", sender="alice") says what it waits for; wait_for(lambda e: ...) makes students parse it
    assert "wait_for(lambda" not in code_of(path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_a_predict_question_is_followed_by_the_code_it_asks_about(path: Path) -> None:
    cells = cells_of(path)
    for predict, _ in predict_runs(cells):
        following = cells[predict + 1]["cell_type"] if predict + 1 < len(cells) else "nothing"
        assert following == "code", f"cell {predict} asks to predict, then comes {following}, not the code to run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_a_predict_answer_waits_collapsed_after_the_run(path: Path) -> None:
    cells = cells_of(path)
    for predict, answer in predict_runs(cells):
        text = cells[answer]["source"] if answer < len(cells) else ""
        assert text.lstrip().startswith("<details>") and "</details>" in text, (
            f"cell {predict} asks to predict; the first text after the run (cell {answer}) should be the answer, "
            f"collapsed in <details> ... </details>, and it starts {text[:60]!r}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_every_notebook_has_an_investigate_step(path: Path) -> None:
    cells = cells_of(path)
    steps = [
        index
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "markdown" and INVESTIGATE_HEADING.search(cell["source"])
    ]
    assert steps, f"{path.name} has no markdown cell with a heading '### Investigate · ...'"
    for index in steps:
        following = cells[index + 1]["cell_type"] if index + 1 < len(cells) else "nothing"
        assert following == "code", f"the Investigate step in cell {index} is followed by {following}, not the code"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_every_notebook_has_a_guide_that_answers_its_investigate_steps(path: Path) -> None:
    guide = GUIDES / f"{path.stem}.md"
    assert guide.is_file(), f"{path.name} has no guide: expected {guide.relative_to(REPO)}"
    assert INVESTIGATE_HEADING.search(guide.read_text()), f"{guide.name} has no heading about the Investigate steps"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_an_investigate_step_says_what_to_change(path: Path) -> None:
    cells = cells_of(path)
    for index, cell in enumerate(cells[:-1]):
        if cell["cell_type"] == "markdown" and INVESTIGATE_HEADING.search(cell["source"]):
            assert "# change me" in cells[index + 1]["source"], f"cell {index + 1} marks no value with '# change me'"


def minutes_table(guide: str) -> tuple[list[int], int]:
    """Return the minutes of each section row of a guide's `| section | minutes | what |` table, and its total."""
    rows = guide.split("| section | minutes | what |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    cells = [[part.strip(" *") for part in row.strip("|").split("|")] for row in rows]
    sections = [int(minutes) for name, minutes, _ in cells if name not in ("total", "homework")]
    (total,) = [int(minutes) for name, minutes, _ in cells if name == "total"]
    return sections, total


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_every_guide_gives_minutes_per_section_that_fit_a_session(path: Path) -> None:
    guide = (GUIDES / f"{path.stem}.md").read_text()
    assert "| section | minutes | what |" in guide, f"{path.stem}.md has no '| section | minutes | what |' table"
    sections, total = minutes_table(guide)
    assert sum(sections) == total <= 90, f"{path.stem}.md: sections add up to {sum(sections)}, total says {total}"
