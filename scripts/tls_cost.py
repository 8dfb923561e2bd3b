"""Measure what TLS to the server costs: the same crowd chats plain and over TLS, in turn, in the same run.

    python scripts/tls_cost.py                 # 10 people, 200 lines each, 5 rounds of each (about 5 minutes)
    python scripts/tls_cost.py --quick         # 3 people, 20 lines, 2 rounds of each (tests/test_tls_cost.py)
    python scripts/tls_cost.py --mode classic  # the mode of the server and clients (default sealed)
    python scripts/tls_cost.py --json          # also one JSON object per round on stdout

Every round is a fresh Stage on loopback (the TLS one with a classroom CA of its own) and chatkit/lab/crowd.py's
crowd: everyone sends at once while reading everyone's. Plain and TLS rounds take turns, so a machine that slows
down slows both; the answer is a ratio of medians (TLS over plain), for the wall time and for the CPU time of the
whole process (server, clients and their threads). Bounded: --seconds per round. Exit codes: 0 measured, 1 some
crowd did not hear every line (the figures would mean nothing).
"""

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # chatkit itself, if not installed

from chatkit.lab import Stage  # noqa: E402
from chatkit.lab.crowd import CrowdRun, crowd_chat  # noqa: E402

EXIT_OK, EXIT_LINES_LOST = 0, 1


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; --quick is a small run for the tests."""
    parser = argparse.ArgumentParser(description="Time one crowd's chat plain and over TLS, in turn.")
    parser.add_argument("--mode", choices=("classic", "sealed", "ratchet"), default="sealed")
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--lines", type=int, default=200, help="lines each person sends")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each kind")
    parser.add_argument("--seconds", type=float, default=120.0, help="the longest one round may take")
    parser.add_argument("--quick", action="store_true", help="3 people, 20 lines, 2 rounds")
    parser.add_argument("--json", action="store_true", help="print one JSON object per round")
    options = parser.parse_args(argv)
    if options.quick:
        options.people, options.lines, options.rounds = 3, 20, 2
    return options


def one_round(options: argparse.Namespace, tls: bool) -> CrowdRun:
    with Stage(options.mode, tls=tls) as stage:
        return crowd_chat(stage, options.people, options.lines, options.seconds)


def ratio(tls: list[float], plain: list[float]) -> float:
    return round(statistics.median(tls) / statistics.median(plain), 2)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    print(f"# {platform.platform()}, Python {platform.python_version()}, {options.mode} mode", flush=True)
    print(f"# {options.people} people x {options.lines} lines, {options.rounds} rounds of each", flush=True)
    runs: dict[bool, list[CrowdRun]] = {False: [], True: []}
    print("| round | connection | seconds | cpu_seconds | heard_all |\n|---|---|---|---|---|", flush=True)
    for number in range(options.rounds):
        for tls in (False, True):
            run = one_round(options, tls)
            runs[tls].append(run)
            kind = "TLS" if tls else "plain"
            print(f"| {number + 1} | {kind} | {run.seconds} | {run.cpu_seconds} | {run.heard_all} |", flush=True)
            if options.json:
                print(json.dumps({"round": number + 1, "connection": kind, **run.__dict__}), flush=True)
    wall = ratio([r.seconds for r in runs[True]], [r.seconds for r in runs[False]])
    cpu = ratio([r.cpu_seconds for r in runs[True]], [r.cpu_seconds for r in runs[False]])
    print(f"TLS / plain, medians: wall time {wall}x, CPU time {cpu}x")
    if not all(run.heard_all for kind in runs.values() for run in kind):
        print("some crowd did not hear every line: see heard_all", file=sys.stderr)
        return EXIT_LINES_LOST
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
