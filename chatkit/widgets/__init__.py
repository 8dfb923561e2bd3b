"""The notebook UI: a chat widget per person, a server panel, an eavesdropper's view, and a byte diff.

    from chatkit.widgets import ChatWidget, ServerPanel, WireView, show_side_by_side
    people = [ChatWidget(server, name, "correct horse") for name in ("alice", "bob", "carol")]
    show_side_by_side(*people)

Attributes down, events up: widgets hold a client (or read a server's public API) and render what it reports;
they open no sockets and hold no keys of their own. Threads only fill buffers; one flusher per view renders.
"""

from chatkit.widgets.bytediff import ByteDiff
from chatkit.widgets.chat import ChatWidget
from chatkit.widgets.layout import SideBySide, show_side_by_side
from chatkit.widgets.panel import ServerPanel
from chatkit.widgets.view import close_all
from chatkit.widgets.wire import WireView

__all__ = ["ByteDiff", "ChatWidget", "ServerPanel", "SideBySide", "WireView", "close_all", "show_side_by_side"]
