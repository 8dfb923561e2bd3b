"""What a screen reader announces as rows arrive: a live region the page keeps, visually hidden, in each chat widget.

A screen reader reads out what is added to a live region (`role="log"`), but only to one that was already in the
page before the new text arrived. ipywidgets 8 cannot put ARIA attributes on its boxes (jupyter-widgets/ipywidgets
issue 2650), and an HTML widget replaces its whole content on every change. So this one small widget has its own
front end, a few lines of JavaScript run by anywidget: it makes the region once and appends each line it is sent.

    region = LiveRegion()
    region.say(["bob says: hello"])      # from any thread; a view that is not on screen just misses it
"""

from collections.abc import Sequence

import anywidget

SHOWN_LINES = 20  # the region keeps the last lines only: a screen reader reads what is added, not the whole past
MOST_AT_ONCE = 3  # a burst is summed up rather than read out line by line

FRONT_END = f"""
const HIDDEN = "position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;" +
  "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap";  // out of sight, not out of the accessibility tree

function render({{ model, el }}) {{
  const region = document.createElement("div");
  region.setAttribute("role", "log");  // a log: polite, new lines only, in order
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-label", "new messages");
  region.className = "chatkit-live-region";
  region.style.cssText = HIDDEN;
  el.appendChild(region);
  model.on("msg:custom", (message) => {{
    for (const line of message.lines) {{
      const row = document.createElement("div");
      row.textContent = line;  // text, never markup: a message cannot inject HTML here either
      region.appendChild(row);
    }}
    while (region.childElementCount > {SHOWN_LINES}) region.firstElementChild.remove();
  }});
}}
export default {{ render }};
"""


class LiveRegion(anywidget.AnyWidget):
    """A visually hidden `role="log"` region; say() appends lines that screen readers read out politely."""

    _esm = FRONT_END

    def say(self, lines: Sequence[str]) -> None:
        """Announce lines (a burst of more than MOST_AT_ONCE as a count and its last line)."""
        if not lines:
            return
        if len(lines) > MOST_AT_ONCE:
            lines = [f"{len(lines)} new rows; the last: {lines[-1]}"]
        self.send({"lines": list(lines)})  # a message, not a trait: a view opened later does not replay old news
