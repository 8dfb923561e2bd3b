"""The notebook UI: a chat widget per person, a server panel, an eavesdropper's view, and a byte diff.

Attributes down, events up: widgets hold a client (or read a server's public API) and render what it reports;
they open no sockets and hold no keys of their own.
"""

from chatkit.widgets.chat import ChatWidget
from chatkit.widgets.view import close_all

__all__ = ["ChatWidget", "close_all"]
