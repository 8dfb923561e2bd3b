"""The benchmark script runs end to end in its quick form: every row has the agreed shape and nothing is lost.

No speed is asserted here: speed is measured by `python scripts/benchmark.py`, not by timed tests.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "benchmark.py"
BASELINE = REPO.parent / "shared" / "baselines" / "seed_ref"
KEYS = {
    "scenario",
    "server",
    "clients",
    "deliveries_per_s",
    "stored_per_s",
    "p50_ms",
    "p99_ms",
    "rss_per_conn_kib",
    "lost",
}

pytestmark = pytest.mark.skipif(
    not (BASELINE / "server.py").is_file(), reason="the naive baseline is not next to the repo"
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    """Run the quick benchmark once (small counts, a few idle connections) and parse its JSON lines."""
    command = [sys.executable, str(SCRIPT), "--quick", "--json", "--clients", "5", "20", "--idle", "40"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=110, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_every_row_has_the_agreed_keys(rows: list[dict[str, object]]) -> None:
    assert rows
    for row in rows:
        assert set(row) >= KEYS, row
        assert ("ratio_vs_baseline" in row) == (row["server"] != "baseline")


def test_every_scenario_ran_against_every_server(rows: list[dict[str, object]]) -> None:
    ran = {(row["scenario"], row["clients"], row["server"]) for row in rows}
    for scenario, clients in (("burst", 5), ("burst", 20), ("paced", 5), ("paced", 20), ("idle", 40)):
        for server in ("baseline", "kit-classic", "kit-sealed"):
            assert (scenario, clients, server) in ran


def test_no_message_was_lost_or_duplicated(rows: list[dict[str, object]]) -> None:
    for row in rows:
        assert row["lost"] == 0, row
        assert row.get("duplicated", 0) == 0, row


def test_each_scenario_reports_its_figures(rows: list[dict[str, object]]) -> None:
    for row in rows:
        wanted = {
            "burst": ("deliveries_per_s", "stored_per_s"),
            "paced": ("p50_ms", "p99_ms"),
            "idle": ("rss_per_conn_kib",),
        }
        for key in wanted[str(row["scenario"])]:
            assert isinstance(row[key], int | float), row


def test_a_missing_baseline_is_a_clear_error(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--quick", "--baseline", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2
    assert "baseline not found" in done.stderr
