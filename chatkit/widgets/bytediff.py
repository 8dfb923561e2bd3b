"""Two byte strings one above the other, in hex, with the bytes that differ highlighted (the attack notebooks).

    ByteDiff(original, tampered, names=("original", "tampered"))

16 bytes (one AES block) a row. Where widgets cannot render, the text shows ^^ under every changed byte.
"""

import ipywidgets as w

from chatkit.widgets import view
from chatkit.widgets.look import TEXT, WARN, escape, tint

BYTES_PER_ROW = 16
CHANGED = f"background:{tint(WARN, 40)};color:{TEXT};font-weight:bold;text-decoration:underline"


def changed_positions(before: bytes, after: bytes) -> list[int]:
    """Return the positions where the two differ; bytes only one of them has count as changed."""
    return [i for i in range(max(len(before), len(after))) if before[i : i + 1] != after[i : i + 1]]


def hex_cells(data: bytes, start: int) -> list[str]:
    """Return one row of bytes in hex; '..' where the data has ended."""
    return [f"{data[i]:02x}" if i < len(data) else ".." for i in range(start, start + BYTES_PER_ROW)]


def diff_text(before: bytes, after: bytes, names: tuple[str, str]) -> str:
    """Render both in hex as plain text, with ^^ under each changed byte."""
    changed, width = set(changed_positions(before, after)), max(map(len, names))
    rows = []
    for start in range(0, max(len(before), len(after), 1), BYTES_PER_ROW):
        marks = " ".join("^^" if i in changed else "  " for i in range(start, start + BYTES_PER_ROW))
        rows.append(f"{names[0]:>{width}} {start:4d}: {' '.join(hex_cells(before, start))}")
        rows.append(f"{names[1]:>{width}} {start:4d}: {' '.join(hex_cells(after, start))}")
        rows.append(f"{'':>{width}}       {marks}".rstrip())
    return "\n".join(rows)


def diff_html(before: bytes, after: bytes, names: tuple[str, str]) -> str:
    """Render both in hex as HTML, the changed bytes highlighted."""
    changed, width = set(changed_positions(before, after)), max(map(len, names))
    rows = []
    for start in range(0, max(len(before), len(after), 1), BYTES_PER_ROW):
        for name, data in zip(names, (before, after), strict=True):
            cells = [
                f'<span class="chatkit-changed" style="{CHANGED}">{cell}</span>' if start + n in changed else cell
                for n, cell in enumerate(hex_cells(data, start))
            ]
            rows.append(f"{escape(name):>{width}} {start:4d}: {' '.join(cells)}")
    return f"<pre class='chatkit-bytediff' style='line-height:1.3'>{chr(10).join(rows)}</pre>"


def as_bytes(data: bytes | str) -> bytes:
    """Accept bytes, or text (encoded as UTF-8)."""
    return data.encode() if isinstance(data, str) else bytes(data)


class ByteDiff(view.TextFallback, w.HTML):  # type: ignore[misc]
    """Show where two byte strings differ: a flipped bit in a ciphertext, and what it did to the plaintext."""

    def __init__(self, before: bytes | str, after: bytes | str, names: tuple[str, str] = ("before", "after")) -> None:
        self.before, self.after, self.names = as_bytes(before), as_bytes(after), names
        super().__init__(value=diff_html(self.before, self.after, names))
        self.changed = changed_positions(self.before, self.after)

    def text(self) -> str:
        """Return the diff as plain text."""
        return diff_text(self.before, self.after, self.names)
