"""Measure what adding and removing a member costs in the ratchet mode, at 10, 100 and 300 members.

    python scripts/group_scale.py                  # 10, 100, 300 members (a few minutes): prints the table
    python scripts/group_scale.py --quick          # 4 and 10 members, a few seconds (tests/test_group_scale.py)
    python scripts/group_scale.py --json           # also one JSON object per row on stdout
    python scripts/group_scale.py --plot FILE.png  # the pairwise fan-out against the TreeKEM model (matplotlib)
    python scripts/group_scale.py --live 10 100    # also on a live ratchet server (about 2 minutes at 100)

The members are the kit's real client sessions and codecs, with the server's real rules, on the in-memory relay
(chatkit/lab/memory_relay.py): no sockets, every member's work done one after the other in one thread. With
--live, the same changes on a live ratchet server on loopback too (chatkit/lab/live_cost.py). Bounded:
--max-seconds (default 1800) stops the group's growth. Exit codes: 0 measured, 1 a count was not what the design
says (a removal from N members must cost (N-1)(N-2) envelopes), 2 the time limit passed.
"""

import argparse
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # chatkit itself, if not installed

from chatkit.lab.group_cost import ChangeCost, CostError, measure_sizes, tree_removal  # noqa: E402
from chatkit.lab.live_cost import live_sizes  # noqa: E402
from chatkit.lab.treekem import pairwise_removal  # noqa: E402

EXIT_OK, EXIT_WRONG_COUNT, EXIT_TOO_SLOW = 0, 1, 2
COLUMNS = ("change", "members", "seconds", "busiest_seconds", "lines", "bytes", "envelopes", "exchanges")


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; --quick measures small groups only."""
    parser = argparse.ArgumentParser(description="Measure group changes in the ratchet mode.")
    parser.add_argument("--sizes", type=int, nargs="+", help="group sizes, rising (default 10 100 300)")
    parser.add_argument("--quick", action="store_true", help="4 and 10 members only")
    parser.add_argument("--json", action="store_true", help="print one JSON object per row")
    parser.add_argument("--plot", type=Path, help="draw the removal cost against the TreeKEM model into this PNG")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="stop growing the group after this long")
    parser.add_argument("--live", type=int, nargs="*", default=[], help="also measure these sizes on a live server")
    options = parser.parse_args(argv)
    options.sizes = options.sizes or ([4, 10] if options.quick else [10, 100, 300])
    return options


def table_row(cost: ChangeCost) -> str:
    """Format one measured change as a Markdown table row, with the TreeKEM model's removal beside it."""
    cells = [str(getattr(cost, column)) for column in COLUMNS]
    first = "-" if cost.first_message_seconds is None else str(cost.first_message_seconds)
    tree = "-" if cost.change == "add" else "{} encryptions, {} bytes".format(*tree_removal(cost.members))
    return "| " + " | ".join([*cells, first, tree]) + " |"


def wrong_counts(costs: list[ChangeCost]) -> list[str]:
    """Return what differs from the design's counts: (N-1)(N-2) envelopes per removal, 2(N-1) per add."""
    wrong = []
    for cost in costs:
        expected = pairwise_removal(cost.members) if cost.change == "remove" else 2 * (cost.members - 1)
        if cost.envelopes != expected:
            wrong.append(f"{cost.change} at {cost.members}: {cost.envelopes} envelopes, expected {expected}")
    return wrong


def plot(costs: list[ChangeCost], path: Path) -> None:
    """Draw envelopes per removal (measured) and encryptions per removal (TreeKEM model) against the group size."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    sizes = sorted({round(2 ** (step / 4)) for step in range(6, 41)})  # 3 to 1024, evenly on a log scale
    removals = [cost for cost in costs if cost.change == "remove"]
    figure, axes = pyplot.subplots(figsize=(7, 4.2))
    axes.plot(sizes, [pairwise_removal(n) for n in sizes], label="pairwise sender keys: (N-1)(N-2) envelopes")
    axes.plot([c.members for c in removals], [c.envelopes for c in removals], "o", label="measured (ratchet mode)")
    axes.plot(sizes, [tree_removal(n)[0] for n in sizes], label="TreeKEM model: encryptions of one commit")
    axes.set(xscale="log", yscale="log", xlabel="members in the group", ylabel="encryptions to remove one member")
    axes.set_title("Removing a member: pairwise fan-out and a TreeKEM-style tree (a model)", fontsize=10)
    axes.legend()
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def measure_live(sizes: list[int]) -> list[ChangeCost]:
    """Measure on live servers and print those rows (marked live: no per-member share there)."""
    costs = []
    if sizes:
        print("| live server, loopback |" + " |" * (len(COLUMNS) + 1))
    for cost in live_sizes(sizes):
        costs.append(cost)
        print(table_row(cost), flush=True)
    return costs


def print_header(sizes: list[int]) -> None:
    """Print where the figures come from, and the table's head."""
    print(f"# {platform.platform()}, Python {platform.python_version()}, sizes {sizes}", flush=True)
    print("| " + " | ".join([*COLUMNS, "first message s", "TreeKEM model"]) + " |")
    print("|" + "---|" * (len(COLUMNS) + 2))


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table (and JSON rows), draw the plot if asked; return the exit code."""
    options = parse_options(argv)
    print_header(options.sizes)
    costs: list[ChangeCost] = []
    try:
        for cost in measure_sizes(options.sizes, options.max_seconds):
            costs.append(cost)
            print(table_row(cost), flush=True)
    except CostError as error:
        print(f"stopped: {error}", file=sys.stderr)
        return EXIT_TOO_SLOW
    costs += measure_live(options.live)
    if options.json:
        for cost in costs:
            print(json.dumps(cost.row()))
    if options.plot:
        plot(costs, options.plot)
    wrong = wrong_counts(costs)
    for line in wrong:
        print(f"wrong count: {line}", file=sys.stderr)
    return EXIT_WRONG_COUNT if wrong else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
