"""Put several widgets in a row that wraps, so one notebook shows a whole chat room."""

from typing import Any

import ipywidgets as w

from chatkit.widgets import view


class SideBySide(view.TextFallback, w.HBox):  # type: ignore[misc]
    """A row of widgets that wraps onto the next line when the page is narrow."""

    def text(self) -> str:
        """Return each widget's text, one after another."""
        return "\n\n".join(child.text() if hasattr(child, "text") else repr(child) for child in self.children)


def show_side_by_side(*widgets: Any) -> SideBySide:
    """Return the widgets in one wrapping row (the notebook shows it when it is a cell's last line)."""
    for widget in widgets:
        widget.layout.flex = "1 1 320px"  # grow to share the row, wrap below 320 px each
    return SideBySide(list(widgets), layout=w.Layout(flex_flow="row wrap", align_items="flex-start", width="100%"))
