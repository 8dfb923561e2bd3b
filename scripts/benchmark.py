"""Measure chatkit's server against the naive baseline, side by side, with the same load generator.

    python scripts/benchmark.py                # the full run; prints the rows, writes no file
    python scripts/benchmark.py --write-docs   # the same, then rewrites docs/performance.md's table and the plot
    python scripts/benchmark.py --quick        # a small run (what tests/test_benchmark.py uses)
    python scripts/benchmark.py --json         # one JSON object per scenario and server on stdout
    python scripts/benchmark.py --ratchet-clients 10 30   # the ratchet mode's room sizes (the default; none: skip it)

Only the plot needs matplotlib: without it, --write-docs writes the table and says the plot was skipped.

The ratchet mode runs the burst and the paced room only, at small rooms: its members must first build the room's
group, O(N^2) pairwise exchanges for N members (bench/ratchet_wire.py), and that setup is what bounds its counts.

Loopback only; every phase is bounded in count and time. The baseline is run from where it lives (by default
../shared/baselines/seed_ref next to the repository; --baseline DIR to point elsewhere), never copied.
Exit codes: 0 all measured and nothing lost, 1 a message was lost or duplicated, 2 the baseline was not found.
"""

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench/ package next to this script
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # chatkit itself, if not installed

from bench import report  # noqa: E402
from bench.clients import raise_fd_limit  # noqa: E402
from bench.ratchet_wire import RatchetWire  # noqa: E402
from bench.scenarios import Row, burst, idle, paced  # noqa: E402
from bench.servers import REPO, ServerProcess, start_baseline, start_kit  # noqa: E402
from bench.wire import BaselineWire, KitWire, Wire  # noqa: E402

EXIT_OK, EXIT_LOST, EXIT_NO_BASELINE = 0, 1, 2
HIGHER_IS_BETTER = ("deliveries_per_s", "stored_per_s")
LOWER_IS_BETTER = ("p50_ms", "p99_ms", "rss_per_conn_kib")


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; --quick shrinks every count."""
    parser = argparse.ArgumentParser(description="Benchmark chatkit's server against the naive baseline.")
    parser.add_argument("--baseline", type=Path, default=REPO.parent / "shared" / "baselines" / "seed_ref")
    parser.add_argument("--quick", action="store_true", help="a small, fast run")
    parser.add_argument("--json", action="store_true", help="print one JSON object per row")
    parser.add_argument(
        "--clients", type=int, nargs="+", help="room sizes for the burst and paced runs (default 10 100 500)"
    )
    parser.add_argument(
        "--ratchet-clients", type=int, nargs="*", help="room sizes for the ratchet mode (default 10 30, --quick 10)"
    )
    parser.add_argument("--messages", type=int, help="messages per sender in a burst (default 500)")
    parser.add_argument("--idle", type=int, help="idle connections to hold (default 2000)")
    parser.add_argument("--paced-seconds", type=float, help="length of each paced run (default 10)")
    parser.add_argument(
        "--paced-interval", type=float, default=0.01, help="seconds between two messages of the paced room (0.01)"
    )
    parser.add_argument(
        "--write-docs",
        type=Path,
        nargs="?",
        const=REPO / "docs",
        metavar="DIR",
        help="rewrite performance.md and its plot in DIR (default: the repository's docs/); without it, write nothing",
    )
    options = parser.parse_args(argv)
    quick = options.quick
    options.clients = options.clients or ([10, 50] if quick else [10, 100, 500])
    if options.ratchet_clients is None:  # setting up N ratchet members costs O(N^2) exchanges: small rooms only
        options.ratchet_clients = [10] if quick else [10, 30]
    options.messages = options.messages or (10 if quick else 500)  # 10 x 500: long enough to measure a rate
    options.idle = options.idle or (100 if quick else 2000)
    options.paced_seconds = options.paced_seconds or (2.0 if quick else 10.0)
    return options


Scenario = Callable[[ServerProcess, Wire], Row]
Starter = tuple[Callable[[Path], ServerProcess], Wire]


def plan(options: argparse.Namespace) -> list[tuple[str, Scenario, list[Starter]]]:
    """List the scenarios in order, each with the servers it runs against (fresh wires: the ratchet one keeps state)."""
    sizes = sorted(set(options.clients) | set(options.ratchet_clients))
    steps: list[tuple[str, Scenario, list[Starter]]] = [
        (
            f"burst {n}",
            partial(burst, clients=n, senders=10, messages=options.messages, timeout=120.0),
            servers(options, n),
        )
        for n in sizes
    ]
    pace = {"senders": 10, "interval": options.paced_interval, "seconds": options.paced_seconds}
    steps += [(f"paced {n}", partial(paced, clients=n, **pace), servers(options, n)) for n in sizes]
    steps.append((f"idle {options.idle}", partial(idle, clients=options.idle), servers(options, None)))
    return steps


def servers(options: argparse.Namespace, clients: int | None) -> list[Starter]:
    """Return how to start each server a room of `clients` runs against (None: idle), with its clients' wire."""
    baseline = options.baseline
    found: list[Starter] = [(lambda folder: start_baseline(baseline, folder), BaselineWire())]
    if clients is None or clients in options.clients:
        found.append((lambda folder: start_kit("classic", folder), KitWire("classic")))
        found.append((lambda folder: start_kit("sealed", folder), KitWire("sealed")))
    if clients in options.ratchet_clients:
        found.append((lambda folder: start_kit("ratchet", folder), RatchetWire()))
    return found


def run(options: argparse.Namespace) -> list[Row]:
    """Run every scenario against a fresh server of each kind; print progress on stderr."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="chatkit-bench-") as folder:
        for name, scenario, starters in plan(options):
            for start, wire in starters:
                server = start(Path(folder))
                try:
                    rows.append(scenario(server, wire))
                finally:
                    server.stop()
                print(f"{name:>10} {wire.label:<12} {short(rows[-1])}", file=sys.stderr, flush=True)
    return add_ratios(rows)


def short(row: Row) -> str:
    """Summarise a row in one line for the progress log."""
    keys = ("deliveries_per_s", "stored_per_s", "p50_ms", "p99_ms", "rss_per_conn_kib", "lost", "duplicated")
    return " ".join(f"{key}={row[key]}" for key in keys if row.get(key) is not None)


def add_ratios(rows: list[Row]) -> list[Row]:
    """Give each kit row `ratio_vs_baseline`: per figure, how many times better than the baseline (>1 is better)."""
    baselines = {(r["scenario"], r["clients"]): r for r in rows if r["server"] == "baseline"}
    for row in rows:
        base = baselines.get((row["scenario"], row["clients"]))
        if row["server"] == "baseline" or base is None:
            continue
        row["ratio_vs_baseline"] = ratios(row, base)
    return rows


def ratios(row: Row, base: Row) -> dict[str, float]:
    """Divide figure by figure, the right way round for each."""
    found: dict[str, float] = {}
    for key in HIGHER_IS_BETTER + LOWER_IS_BETTER:
        mine, theirs = row.get(key), base.get(key)
        if mine and theirs:
            found[key] = round(mine / theirs if key in HIGHER_IS_BETTER else theirs / mine, 2)
    return found


def recorded_command(args: list[str]) -> str:
    """Return the command line for the docs, with the baseline's folder (a path on this machine) left out."""
    shown = ["DIR" if before == "--baseline" else arg for before, arg in zip(["", *args], args, strict=False)]
    return " ".join(["python", "scripts/benchmark.py", *shown])


def write_docs(rows: list[Row], docs: Path) -> None:
    """Rewrite the results page and its plot; say so if the plot had to be skipped."""
    report.write_page(rows, docs, recorded_command(sys.argv[1:]))
    if not report.plot(rows, docs / "images" / "performance.png"):
        print("plot skipped: matplotlib is not installed (pip install matplotlib)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print rows; rewrite the docs only when asked (--write-docs)."""
    options = parse_options(argv)
    if not (options.baseline / "server.py").is_file():
        print(f"baseline not found: no server.py in {options.baseline} (use --baseline DIR)", file=sys.stderr)
        return EXIT_NO_BASELINE
    raise_fd_limit()
    rows = run(options)
    for row in rows:
        print(json.dumps(row) if options.json else short(row))
    if options.write_docs is not None:
        write_docs(rows, options.write_docs)
    return EXIT_LOST if any(row["lost"] or row.get("duplicated") for row in rows) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
