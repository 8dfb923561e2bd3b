"""chatkit: a teaching kit about encrypted chat.

Layers, from the bottom up (each idea in its own module):
crypto/ (pure functions on bytes) -> protocol.py (the wire format) -> storage.py (the server's SQLite log)
-> server.py and client.py (threads and sockets) -> widgets/ (the notebook UI) -> lab/ (exercise helpers).
"""

__version__ = "0.1.0"

MODES = ("classic", "sealed", "ratchet")
