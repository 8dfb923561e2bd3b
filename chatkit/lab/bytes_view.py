"""Show two byte strings one above the other, in hex, with the bytes that differ marked (notebooks 05-08).

    print(hex_diff(before, after))           # plain text: a row of ^^ under every changed byte
    show_diff(before, after)                 # in a notebook: the same as HTML, changed bytes highlighted

A thin door onto chatkit.widgets.bytediff, which does the work (one implementation, shown two ways).
"""

from chatkit.widgets.bytediff import ByteDiff, changed_positions
from chatkit.widgets.bytediff import diff_html as _diff_html
from chatkit.widgets.bytediff import diff_text as _diff_text

__all__ = ["changed_positions", "diff_html", "hex_diff", "show_diff"]
NAMES = ("before", "after")


def hex_diff(before: bytes, after: bytes, names: tuple[str, str] = NAMES) -> str:
    """Return both in hex, 16 bytes (one AES block) a row, with ^^ under every byte that changed."""
    return _diff_text(before, after, names)


def diff_html(before: bytes, after: bytes, names: tuple[str, str] = NAMES) -> str:
    """Return both in hex as an HTML block, 16 bytes a row, changed bytes highlighted."""
    return _diff_html(before, after, names)


def show_diff(before: bytes, after: bytes, names: tuple[str, str] = NAMES) -> None:
    """Display the difference in a notebook (a ByteDiff widget, with a text fallback)."""
    from IPython.display import display

    display(ByteDiff(before, after, names))  # type: ignore[no-untyped-call]
