"""The benchmark script runs end to end in its quick form: every row has the agreed shape and nothing is lost;
it writes the docs only when asked (--write-docs), and needs matplotlib only for the plot.

No speed is asserted here: speed is measured by `python scripts/benchmark.py`, not by timed tests.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "benchmark.py"
TRACKED_OUTPUTS = [REPO / "docs" / "performance.md", REPO / "docs" / "images" / "performance.png"]
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


def load_benchmark() -> ModuleType:
    """Import scripts/benchmark.py as a module, to call its functions without running a benchmark."""
    spec = importlib.util.spec_from_file_location("benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def modified_times() -> list[int | None]:
    """Return when each tracked output of the benchmark last changed (None: it does not exist)."""
    return [path.stat().st_mtime_ns if path.exists() else None for path in TRACKED_OUTPUTS]


@pytest.fixture(scope="module")
def run() -> tuple[list[dict[str, object]], bool]:
    """Run the quick benchmark once (small counts, a few idle connections): its JSON rows, and if it wrote docs/."""
    before = modified_times()
    command = [sys.executable, str(SCRIPT), "--quick", "--json", "--clients", "5", "20", "--idle", "40"]
    command += ["--ratchet-clients", "5"]  # the ratchet members build their group first: a small room
    done = subprocess.run(command, capture_output=True, text=True, timeout=110, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return rows, modified_times() != before


@pytest.fixture(scope="module")
def rows(run: tuple[list[dict[str, object]], bool]) -> list[dict[str, object]]:
    """The rows of the quick run."""
    return run[0]


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


def test_the_ratchet_mode_runs_the_burst_and_the_paced_room(rows: list[dict[str, object]]) -> None:
    ratchet = {str(row["scenario"]): row for row in rows if row["server"] == "kit-ratchet"}
    assert set(ratchet) == {"burst", "paced"}  # no idle run: 2,000 members would need a group each room
    for row in ratchet.values():
        assert row["clients"] == 5
        assert isinstance(row["setup_s"], float) and row["setup_s"] > 0, row  # the group was built first
        assert row["ratio_vs_baseline"], row


def test_the_ratchet_mode_runs_at_its_own_room_sizes_beside_the_baseline() -> None:
    benchmark = load_benchmark()
    assert benchmark.parse_options([]).ratchet_clients == [10, 30]
    assert benchmark.parse_options(["--quick"]).ratchet_clients == [10]
    assert benchmark.parse_options(["--ratchet-clients"]).ratchet_clients == []  # none: the ratchet mode is skipped
    options = benchmark.parse_options(["--clients", "10", "100", "--ratchet-clients", "10", "30", "--idle", "50"])
    servers = {name: [wire.label for _, wire in starters] for name, _, starters in benchmark.plan(options)}
    assert servers["burst 10"] == ["baseline", "kit-classic", "kit-sealed", "kit-ratchet"]
    assert servers["paced 30"] == ["baseline", "kit-ratchet"]  # the baseline runs wherever the ratchet mode does
    assert servers["burst 100"] == ["baseline", "kit-classic", "kit-sealed"]
    assert servers["idle 50"] == ["baseline", "kit-classic", "kit-sealed"]


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


# --- writing the docs: only when asked, and the plot only with matplotlib ---

FIGURES = {"burst": {"deliveries_per_s": 100.0, "stored_per_s": 90.0}, "paced": {"p99_ms": 4.0}, "idle": {}}
SAMPLE_ROWS: list[dict[str, Any]] = [
    {"scenario": scenario, "clients": 5, "server": server, "lost": 0, "rss_per_conn_kib": 30.0, **figures}
    for scenario, figures in FIGURES.items()
    for server in ("baseline", "kit-sealed")
]


def test_a_run_without_write_docs_writes_nothing_tracked(run: tuple[list[dict[str, object]], bool]) -> None:
    assert not run[1], "the benchmark rewrote docs/ without --write-docs"


def test_the_docs_are_written_only_when_asked() -> None:
    benchmark = load_benchmark()
    assert benchmark.parse_options([]).write_docs is None  # the full run too
    assert benchmark.parse_options(["--write-docs"]).write_docs == REPO / "docs"
    assert benchmark.parse_options(["--quick", "--write-docs", "out"]).write_docs == Path("out")


def test_without_matplotlib_the_table_is_written_and_the_plot_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    benchmark = load_benchmark()
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails, as if not installed
    monkeypatch.setattr(sys, "argv", ["benchmark.py", "--write-docs", "DIR"])
    benchmark.write_docs(SAMPLE_ROWS, tmp_path)
    assert "| burst | 5 | kit-sealed |" in (tmp_path / "performance.md").read_text()
    assert not (tmp_path / "images" / "performance.png").exists()
    assert "plot skipped: matplotlib is not installed" in capsys.readouterr().err


def test_with_matplotlib_the_plot_is_drawn(tmp_path: Path) -> None:
    benchmark = load_benchmark()
    assert benchmark.report.plot(SAMPLE_ROWS, tmp_path / "plot.png")
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG")
