"""The chat server: `ChatServer(mode=...)` with start()/stop(), or as a context manager.

Read in this order: chat_server.py (lifetime and threads), conversation.py (one member's requests; chatkit/framing.py
cuts their bytes into lines), rooms.py and member.py (who is where; the lines waiting for each
member), postman.py (who writes them), then classic.py beside sealed.py (the one place the two modes differ).
"""

from chatkit.server.chat_server import ChatServer, make_mode
from chatkit.server.member import Limits
from chatkit.server.modes import ModeError

__all__ = ["ChatServer", "Limits", "ModeError", "make_mode"]
