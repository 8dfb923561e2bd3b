"""docs/security.md is the one source of the kit's security claims: every test it cites must exist.

A cited test is written `tests/FILE.py::test_name`, or `::test_name` for another test of the file cited last on
the same table row. A claim whose proof was renamed or deleted would otherwise go on being "proven" by nothing.
"""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECURITY = REPO / "docs" / "security.md"
CITATION = re.compile(r"(tests/[\w/]+\.py)?::(test_\w+)")


def functions_in(path: Path) -> set[str]:
    """Return the names of the test functions defined in a test file."""
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def cited_tests() -> list[tuple[str, str]]:
    """Return (test file, test name) for every test docs/security.md cites, row by row."""
    cited = []
    for row in SECURITY.read_text().splitlines():
        last_file = None
        for match in CITATION.finditer(row):
            last_file = match.group(1) or last_file
            if last_file is None:
                raise ValueError(f"docs/security.md cites ::{match.group(2)} before naming its file: {row[:80]}")
            cited.append((last_file, match.group(2)))
    return cited


def test_security_doc_cites_tests() -> None:
    assert len(cited_tests()) >= 25


def test_every_cited_test_exists() -> None:
    missing = [f"{file}::{name}" for file, name in cited_tests() if name not in functions_in(REPO / file)]
    assert not missing, f"docs/security.md cites tests that do not exist: {missing}"


def test_every_cited_test_file_is_named_in_full() -> None:
    files = {file for file, _ in cited_tests()}
    assert all((REPO / file).exists() for file in files), files
