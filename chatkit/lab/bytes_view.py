"""Show two byte strings one above the other, in hex, with the bytes that differ marked (notebooks 05-08).

print(hex_diff(before, after))           # plain text: a row of ^^ under every changed byte
show_diff(before, after)                 # in a notebook: the same as HTML, changed bytes highlighted
"""

import html
from importlib import import_module

BYTES_PER_ROW = 16
CHANGED_STYLE = "background:#ffd54f;color:#000;font-weight:bold"


def changed_positions(before: bytes, after: bytes) -> list[int]:
    """Return the positions where the two differ (a length difference counts as change)."""
    longest = max(len(before), len(after))
    return [i for i in range(longest) if before[i : i + 1] != after[i : i + 1]]


def hex_row(data: bytes, start: int) -> str:
    """Return one row of 16 bytes in hex, spaced; missing bytes shown as '..'."""
    return " ".join(f"{data[i]:02x}" if i < len(data) else ".." for i in range(start, start + BYTES_PER_ROW))


def hex_diff(before: bytes, after: bytes, names: tuple[str, str] = ("before", "after")) -> str:
    """Return both in hex, 16 bytes (one AES block) a row, with ^^ under every byte that changed."""
    changed, width = set(changed_positions(before, after)), max(len(name) for name in names)
    rows = []
    for start in range(0, max(len(before), len(after), 1), BYTES_PER_ROW):
        marks = " ".join("^^" if i in changed else "  " for i in range(start, start + BYTES_PER_ROW))
        rows += [f"{names[0]:>{width}} {start:4d}: {hex_row(before, start)}"]
        rows += [f"{names[1]:>{width}} {start:4d}: {hex_row(after, start)}", f"{'':>{width}}       {marks.rstrip()}"]
    return "\n".join(rows)


def html_row(data: bytes, start: int, changed: set[int]) -> str:
    """Return one row of hex bytes as HTML, the changed ones highlighted."""
    cells = []
    for i in range(start, start + BYTES_PER_ROW):
        text = f"{data[i]:02x}" if i < len(data) else ".."
        cells.append(f'<span style="{CHANGED_STYLE}">{text}</span>' if i in changed else text)
    return " ".join(cells)


def diff_html(before: bytes, after: bytes, names: tuple[str, str] = ("before", "after")) -> str:
    """Return both in hex as an HTML block, 16 bytes a row, changed bytes highlighted."""
    changed = set(changed_positions(before, after))
    rows = []
    for start in range(0, max(len(before), len(after), 1), BYTES_PER_ROW):
        for name, data in zip(names, (before, after), strict=True):
            rows.append(f"{html.escape(name):>8} {start:4d}: {html_row(data, start, changed)}")
    return "<pre style='line-height:1.3'>" + "\n".join(rows) + "</pre>"


def show_diff(before: bytes, after: bytes, names: tuple[str, str] = ("before", "after")) -> None:
    """Display the difference as HTML in a notebook, or print it as text anywhere else."""
    try:
        display = import_module("IPython.display")
    except ImportError:
        print(hex_diff(before, after, names))
        return
    display.display(display.HTML(diff_html(before, after, names)))
    print(f"{len(changed_positions(before, after))} of {max(len(before), len(after))} bytes differ")
