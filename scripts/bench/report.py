"""Write the results into docs/performance.md (between two markers, keeping the prose) and draw the plot.

matplotlib is imported only to draw the plot, so the benchmark runs (and writes its table) without it.
"""

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Row = dict[str, Any]
START, END = "<!-- results:start -->", "<!-- results:end -->"
COLUMNS = [
    ("scenario", "scenario"),
    ("clients", "clients"),
    ("server", "server"),
    ("deliveries_per_s", "deliveries/s"),
    ("stored_per_s", "stored msgs/s"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("rss_per_conn_kib", "RSS/conn KiB"),
    ("threads_per_conn", "threads/conn"),
    ("lost", "lost"),
    ("duplicated", "dup"),
]

SHORT = {
    "deliveries_per_s": "deliveries",
    "stored_per_s": "stored",
    "p50_ms": "p50",
    "p99_ms": "p99",
    "rss_per_conn_kib": "RSS",
}


def cell(value: object) -> str:
    """Format one table cell."""
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{SHORT.get(key, key)} {ratio}x" for key, ratio in value.items())
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(rows: list[Row]) -> str:
    """Return the results as a Markdown table, with the kit's ratios to the baseline in the last column."""
    head = [title for _, title in COLUMNS] + ["kit vs baseline (x better)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        values = [cell(row.get(key)) for key, _ in COLUMNS] + [cell(row.get("ratio_vs_baseline"))]
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def machine() -> str:
    """Describe where the figures were measured."""
    return f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"


def results_block(rows: list[Row], command: str) -> str:
    """Return the generated part of the page: when, where, how, and the table."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            START,
            f"Measured {when} on {machine()}, loopback only, with `{command}`.",
            "",
            table(rows),
            "",
            "![Benchmark results](images/performance.png)",
            END,
        ]
    )


def write_page(rows: list[Row], docs: Path, command: str) -> None:
    """Replace the results block of docs/performance.md, creating the page if needed."""
    docs.mkdir(parents=True, exist_ok=True)
    page = docs / "performance.md"
    text = page.read_text() if page.exists() else f"# Performance\n\n{START}\n{END}\n"
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    page.write_text(before + results_block(rows, command) + after)


def series(rows: list[Row], scenario: str, key: str) -> dict[str, list[tuple[int, float]]]:
    """Return {server: [(clients, value), ...]} for one figure of one scenario."""
    found: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        if row["scenario"] == scenario and row.get(key) is not None:
            found.setdefault(row["server"], []).append((row["clients"], row[key]))
    return found


def plot(rows: list[Row], path: Path) -> bool:
    """Draw the plot into `path`; return False, drawing nothing, if matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")  # no display: draw straight to a file
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    draw(axes, rows)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def draw(axes: Any, rows: list[Row]) -> None:
    """Draw burst throughput, stored rate, paced latency and memory per connection, side by side."""
    for axis, scenario, key, title in (
        (axes[0], "burst", "deliveries_per_s", "burst: deliveries/s"),
        (axes[1], "burst", "stored_per_s", "burst: stored msgs/s"),
        (axes[2], "paced", "p99_ms", "paced: p99 latency ms (lower is better)"),
    ):
        for server, points in series(rows, scenario, key).items():
            axis.plot(*zip(*points, strict=True), marker="o", label=server)
        axis.set(title=title, xlabel="clients", xscale="log", yscale="log")
        axis.legend()
    bars(axes[3], rows, "idle", ("rss_per_conn_kib",), "idle: RSS per connection KiB")


def bars(axis: Any, rows: list[Row], scenario: str, keys: tuple[str, ...], title: str) -> None:
    """Draw grouped bars: one group per figure, one bar per server."""
    chosen = [row for row in rows if row["scenario"] == scenario]
    width = 0.8 / max(1, len(chosen))
    for number, row in enumerate(chosen):
        values = [row.get(key) or 0 for key in keys]
        axis.bar([k + number * width for k in range(len(keys))], values, width, label=row["server"])
    axis.set_xticks([k + 0.4 - width / 2 for k in range(len(keys))], [key.removesuffix("_ms") for key in keys])
    axis.set_title(title)
    axis.legend()
