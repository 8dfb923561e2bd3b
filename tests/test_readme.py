"""The README keeps up with the notebooks folder."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_readme_lists_every_notebook_and_no_other() -> None:
    readme = (REPO / "README.md").read_text()
    listed = set(re.findall(r"`(\d\d-[\w-]+\.ipynb)`", readme))
    present = {path.name for path in (REPO / "notebooks").glob("*.ipynb")}
    assert present, "notebooks/ holds no notebook"
    assert listed == present, (
        f"README lists {sorted(listed - present)} that do not exist; misses {sorted(present - listed)}"
    )


def test_readme_gives_the_test_command_that_ci_runs() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme and "scripts/test.sh" in ci
