"""The notebooks read as the kit's code does: named waits instead of lambdas, the vocabulary of style.md."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def code_of(path: Path) -> str:
    """Return the source of every code cell of a notebook, one after the other."""
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem[:2])
def test_notebooks_wait_with_named_waits(path: Path) -> None:
    # wait_for_message("hi", sender="alice") says what it waits for; wait_for(lambda e: ...) makes students parse it
    assert "wait_for(lambda" not in code_of(path)
