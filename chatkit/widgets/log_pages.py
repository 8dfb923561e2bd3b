"""A chat log in the browser that keeps the student's place: rows are small HTML widgets on pages that never move.

ipywidgets 8 keeps the views of a box's children only up to the first child that changed. Prepending a row, or
dropping the oldest one, would rebuild every row and throw a student who scrolled up back to the bottom. So the
log has a fixed list of pages; a page only ever gains rows at its end, and once every page is full the oldest one
is emptied and reused for the newest rows (CSS `order` keeps the pages in time order). The scrolling box is a
reversed column: the browser keeps the bottom in view while the student is there, and their place when not.

For people who do not see the screen, or use no mouse: new rows are also sent, as words, to a live region that
screen readers announce (live_region.py), and the log ends in a line that takes the keyboard's focus.
"""

from dataclasses import dataclass, field

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

from chatkit.widgets.chat_rows import Entry, hidden_text, row_html, row_text, spoken
from chatkit.widgets.live_region import LiveRegion
from chatkit.widgets.look import MUTED
from chatkit.widgets.throttle import held

ROWS_PER_PAGE = 50
PAGES = 10  # at most 500 rows in the browser; older rows stay in the buffer only
LAST = str(2**31 - 1)  # CSS `order` is a 32-bit integer: this puts a child after every page
# The log's last line is a tab stop: from it the arrow keys scroll the log, in every browser (Chrome and Firefox also
# let a person focus a bare scrolling box; Safari does not, and axe-core asks for a focusable element inside).
END_STYLE = f"color:{MUTED};font-size:11px;line-height:18px;text-align:center"  # whole pixels, as the rows
END_OF_LOG = f'<div tabindex="0" class="chatkit-log-end" style="{END_STYLE}">end of the log</div>'
Row = tuple[Entry, w.HTML]


@dataclass(eq=False)
class Page:
    """One block of ROWS_PER_PAGE consecutive rows, in a box of its own."""

    box: w.VBox
    number: int = -1  # which block of rows it holds (row n is in block n // ROWS_PER_PAGE); -1 for none yet
    rows: list[Row] = field(default_factory=list)


def first_shown(total: int) -> int:
    """Return the number of the oldest row shown when `total` rows have arrived (whole pages only)."""
    newest_page = (total - 1) // ROWS_PER_PAGE if total else 0
    return max(0, newest_page - PAGES + 1) * ROWS_PER_PAGE


def framed(entry: Entry, encoding: str) -> str:
    """Render a row for an HTML widget, in lines of whole pixels.

    The widget's own line height suits a one-line label. Whole pixels matter: with fractional row heights, Chrome
    can leave a log scrolled back down a pixel short of its end, and then it stops following new rows.
    """
    return f'<div style="line-height:18px">{row_html(entry, encoding)}</div>'


class LogPages:
    """The log's widgets: a scrolling box, the 'hidden' line, PAGES pages of row widgets, the end, the live region."""

    def __init__(self, height: str = "320px") -> None:
        self._row_layout = w.Layout(width="100%", margin="0")  # shared by every row: one model, not one per row
        self._row_style = HTMLStyle()
        self._encoding = "base64"
        self.hidden = w.HTML(layout=w.Layout(order="-1"))
        self.pages = [Page(w.VBox(layout=w.Layout(order="0", width="100%"))) for _ in range(PAGES)]
        inner_layout = w.Layout(width="100%", flex="0 0 auto")  # never shrink to the box: let the box scroll
        self.end = w.HTML(END_OF_LOG, layout=w.Layout(order=LAST))
        self.live, self._announced = LiveRegion(), 0  # what screen readers announce; rows announced so far
        parts = [self.hidden, *(page.box for page in self.pages), self.end, self.live]
        inner = w.VBox(parts, layout=inner_layout)
        outer = w.Layout(max_height=height, overflow="hidden auto", flex_flow="column-reverse", width="100%")
        self.view = w.VBox([inner], layout=outer)

    def update(self, entries: list[Entry], total: int, encoding: str) -> list[str]:
        """Show the newest rows (`entries` oldest first, `total` ever appended) and return them as plain text."""
        start = max(first_shown(total), total - len(entries))
        self._recode(encoding)
        changed, gone = self._catch_up(entries, total, start)
        with held(self.hidden, *(page.box for page in changed)):  # the pages that changed, in one batch
            self.hidden.value = f'<div style="color:{MUTED}">{hidden_text(start)}</div>' if start else ""
            for page in changed:
                page.box.children = tuple(widget for _, widget in page.rows)
        for widget in gone:  # after the pages let go of them
            widget.close()
        self._announce(entries, total)
        shown = entries[start - (total - len(entries)) :]
        return ([hidden_text(start)] if start else []) + [row_text(entry, encoding) for entry in shown]

    def _catch_up(self, entries: list[Entry], total: int, start: int) -> tuple[list[Page], list[w.HTML]]:
        """Give each page from row `start` on its new rows; return the pages that changed and the widgets let go."""
        changed: list[Page] = []
        gone: list[w.HTML] = []
        for number in range(start // ROWS_PER_PAGE, (total - 1) // ROWS_PER_PAGE + 1 if total else 0):
            page = self.pages[number % PAGES]
            reused = page.number != number
            if reused:
                gone += self._reuse(page, number)
            if self._fill(page, entries, total, start) or reused:
                changed.append(page)
        return changed, gone

    def _reuse(self, page: Page, number: int) -> list[w.HTML]:
        """Empty a page for block `number`; return its old row widgets, to close once the browser lets go."""
        old = [widget for _, widget in page.rows]
        page.number, page.rows = number, []
        page.box.layout.order = str(number)
        return old

    def _fill(self, page: Page, entries: list[Entry], total: int, start: int) -> bool:
        """Add the page's rows that arrived since the last update; say whether any did."""
        first = total - len(entries)
        begin = max(page.number * ROWS_PER_PAGE + len(page.rows), start)
        end = min(total, (page.number + 1) * ROWS_PER_PAGE)
        for entry in entries[begin - first : end - first]:
            widget = w.HTML(framed(entry, self._encoding), layout=self._row_layout, style=self._row_style)
            page.rows.append((entry, widget))
        return begin < end

    def _announce(self, entries: list[Entry], total: int) -> None:
        """Send the rows that arrived since the last update to the live region, as words."""
        first = total - len(entries)
        fresh = entries[max(self._announced, first) - first :]
        self._announced = total
        self.live.say([words for words in map(spoken, fresh) if words])

    def _recode(self, encoding: str) -> None:
        """Show every row's ciphertext in the encoding asked for, if it changed."""
        if encoding == self._encoding:
            return
        self._encoding = encoding
        for page in self.pages:
            for entry, widget in page.rows:
                widget.value = framed(entry, encoding)

    def html(self) -> str:
        """Return the HTML of the rows shown, oldest first (what tests read)."""
        pages = sorted((page for page in self.pages if page.rows), key=lambda page: page.number)
        return "".join(widget.value for page in pages for _, widget in page.rows)

    def close(self) -> None:
        """Close every widget of the log."""
        for page in self.pages:
            for _, widget in page.rows:
                widget.close()
            page.box.close()
        parts = (self.hidden, self.end, self.live, *self.view.children, self.view, self._row_layout, self._row_style)
        for part in parts:
            part.close()
