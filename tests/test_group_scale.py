"""scripts/group_scale.py: its quick run measures, and the numbers are what the ratchet mode's design says.

The removal of a member from N costs (N-1)(N-2) envelopes with pairwise fan-out, an add 2(N-1) envelopes and
N-1 exchanges; the TreeKEM model's removal costs about log2(N) encryptions (chatkit/lab/treekem.py).
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from chatkit.lab.group_cost import tree_removal
from chatkit.lab.treekem import RatchetTree, TreeError, pairwise_removal

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    command = [
        sys.executable,
        str(REPO / "scripts" / "group_scale.py"),
        "--quick",
        "--json",
        "--live",
        "4",
        "--max-seconds",
        "120",
    ]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "| add | 10 |" in result.stdout and "| remove | 10 |" in result.stdout and "live server" in result.stdout
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_the_quick_run_measures_an_add_and_a_removal_at_each_size(rows: list[dict[str, object]]) -> None:
    measured = [(row["change"], row["members"]) for row in rows]
    assert measured == [("add", 4), ("remove", 4), ("add", 10), ("remove", 10), ("add", 4), ("remove", 4)]


def test_the_envelopes_and_exchanges_are_the_designs(rows: list[dict[str, object]]) -> None:
    for row in rows:
        members = int(str(row["members"]))
        if row["change"] == "add":
            assert (row["envelopes"], row["exchanges"]) == (2 * (members - 1), 2 * (members - 1))
        else:
            assert (row["envelopes"], row["exchanges"]) == (pairwise_removal(members), 0)


def test_the_figures_are_sane(rows: list[dict[str, object]]) -> None:
    for row in rows:
        seconds, busiest = float(str(row["seconds"])), float(str(row["busiest_seconds"]))
        assert 0 <= busiest <= seconds < 60 and seconds > 0  # a live server has no per-member share (0)
        assert int(str(row["bytes"])) > 100 * int(str(row["lines"])) > 0  # every line carries keys or ciphertext
    for add in (row for row in rows if row["change"] == "add"):
        assert float(str(add["first_message_seconds"])) >= float(str(add["seconds"]))


def test_the_tree_model_grows_with_log_n_and_pairwise_with_n_squared() -> None:
    for members in (16, 64, 256):
        encryptions, size = tree_removal(members)
        assert encryptions <= 2 * math.log2(members) and size < 100 * members
        assert pairwise_removal(members) == (members - 1) * (members - 2)


def test_the_tree_refuses_an_unknown_member_and_a_name_twice() -> None:
    tree = RatchetTree()
    tree.add("alice")
    with pytest.raises(TreeError, match="already"):
        tree.add("alice")
    with pytest.raises(TreeError, match="not in the tree"):
        tree.remove("alice", "bob")
