"""The threaded chat server's lifetime: an accept loop, a thread per member, the delivery's thread and a watchdog.

    server = ChatServer(mode="sealed")
    host, port = server.start()     # returns at once; port 0 (the default) picks a free port
    ...
    server.stop()                   # closes every socket, joins every thread

or `with ChatServer(...) as server:`. Starting a running server does nothing; a stopped one can start again.
What members' requests do is the hub's job (hub.py), made afresh at each start(); this file only starts and stops.
"""

import socket
import ssl
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from chatkit.channel import TlsChannel
from chatkit.server.conversation import converse
from chatkit.server.crew import Crew
from chatkit.server.delivery import Delivery
from chatkit.server.hub import Hub
from chatkit.server.listener import create_listener, tune_connection
from chatkit.server.member import Limits, Member
from chatkit.server.postman import Postman
from chatkit.server.rooms import DEFAULT_ROOM
from chatkit.server.rules import Rules, make_rules
from chatkit.server.tls import shake_hands
from chatkit.storage import ChatLog, StoredMessage

STOP_SECONDS = 5.0


class ChatServer:
    """A chat server running on background threads, in `classic`, `sealed` or `ratchet` mode.

    `mode` is the mode's name, as on the client; `rules` is what that mode decides (ClassicRules, SealedRules or
    RatchetRules).
    `delivery` picks who writes to members' sockets: `Postman` (the default) or the simple `DirectDelivery`.
    `tls` (a context from chatkit.server.tls.server_context) makes every connection TLS (chatkit/channel.py).
    """

    live: ClassVar[weakref.WeakSet["ChatServer"]] = weakref.WeakSet()  # every server started and not stopped

    def __init__(
        self,
        mode: str = "sealed",
        *,
        password: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | Path | None = None,
        padding_oracle: bool = False,
        limits: Limits | None = None,
        delivery: Callable[[Limits], Delivery] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._rules = make_rules(mode, password, padding_oracle)
        self.limits = limits or Limits()  # rate limit, lines waiting, stall timeout (see member.py)
        self.host, self.port, self.db = host, port, db
        self.tls = tls
        self._make_delivery = delivery or Postman
        self._crew = Crew()  # the server's threads and connections
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._hub: Hub | None = None  # rooms, log, delivery and rules while running (a fresh one each start())

    def __repr__(self) -> str:
        state = f"listening on {self.host}:{self.port}" if self.is_running else "stopped"
        return f"<ChatServer {self.mode}{' over TLS' if self.tls else ''}, {state}>"

    @property
    def mode(self) -> str:
        """The mode's name: 'classic', 'sealed' or 'ratchet'."""
        return self._rules.name

    @property
    def rules(self) -> Rules:
        """What the mode decides; notebook 17 swaps in weakened or patched rules (they take effect at once)."""
        return self._rules

    @rules.setter
    def rules(self, rules: Rules) -> None:
        self._rules = rules
        if self._hub is not None:
            rules.use_log(self._hub.log)  # new rules pick up the marks the old ones kept (sealed mode, S4)
            self._hub.rules = rules

    @property
    def is_running(self) -> bool:
        return self._listener is not None

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def hub(self) -> Hub:
        if self._hub is None or not self.is_running:
            raise RuntimeError("the server is not running: call start() first")
        return self._hub

    @property
    def log(self) -> ChatLog:
        return self.hub.log

    @property
    def delivery(self) -> Delivery:
        return self.hub.delivery

    @property
    def db_path(self) -> str:
        return self.log.path

    # --- lifetime ---

    def start(self) -> tuple[str, int]:
        """Start listening and serving on background threads; return (host, port)."""
        if self.is_running:
            return self.address
        self._stopping.clear()
        log = ChatLog(self._database_file())
        try:
            self._listener = create_listener(self.host, self.port)
        except OSError:  # e.g. the port is taken: leave nothing open behind us
            self._close_log(log)
            raise
        self.port = self._listener.getsockname()[1]
        self._hub = Hub(self._rules, log, self._make_delivery(self.limits), self.limits)
        self._crew.spawn(self._hub.delivery.run, "chatkit-delivery")
        self._crew.spawn(self._accept_forever, "chatkit-accept")
        self._crew.spawn(self._watch_forever, "chatkit-watchdog")
        ChatServer.live.add(self)
        return self.address

    def _database_file(self) -> Path:
        """Use the file asked for, or one in a temporary folder that stop() removes."""
        if self.db is not None:
            return Path(self.db)
        self._tempdir = tempfile.TemporaryDirectory(prefix="chatkit-")
        return Path(self._tempdir.name) / "chat.db"

    def stop(self) -> None:
        """Stop accepting, disconnect everyone, join every thread and close the log. Safe to call twice."""
        listener, hub = self._listener, self._hub
        if listener is None or hub is None:
            return
        self._stopping.set()
        self._crew.cut_all()
        hub.delivery.stop()
        self._crew.join_all(STOP_SECONDS)
        listener.close()
        self._listener = None
        self._close_log(hub.log)
        ChatServer.live.discard(self)

    def _close_log(self, log: ChatLog) -> None:
        """Close the log and remove its temporary folder, if it has one."""
        log.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def connections(self) -> list[Member]:
        """Return every connected member, including those still greeting."""
        return self._crew.connections()

    @classmethod
    def stop_all(cls) -> None:
        """Stop every server this Python process started (what a notebook's first cell calls on a re-run)."""
        for server in list(cls.live):
            server.stop()

    def __enter__(self) -> "ChatServer":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start, then block until Ctrl-C (for the terminal script)."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # --- threads ---

    def _accept_forever(self) -> None:
        """Accept connections until stop(); each gets a member and a thread that converses with the hub."""
        listener, hub = self._listener, self.hub
        while listener is not None and not self._stopping.is_set():
            try:
                sock, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            tune_connection(sock)
            channel = None if self.tls is None else TlsChannel(sock, self.tls)  # the handshake comes later
            member = Member(sock, f"{peer[0]}:{peer[1]}", self.limits, channel)
            self._crew.serve(member, partial(self._converse, hub), f"chatkit-member-{peer[1]}")

    def _converse(self, hub: Hub, member: Member) -> None:
        """Finish the TLS handshake first, if any (a member who fails it only leaves), then converse."""
        if isinstance(member.channel, TlsChannel) and not shake_hands(member.channel):
            hub.leave(member)
            return
        converse(hub, member)

    def _watch_forever(self) -> None:
        """Drop members whose socket has taken nothing new for too long: they stopped reading, and hold memory."""
        every, delivery = min(1.0, self.limits.stall_seconds / 4), self.hub.delivery
        while not self._stopping.wait(every):
            for member in delivery.stalled(time.monotonic()):
                member.drop(f"stopped reading: nothing got through to them for {self.limits.stall_seconds:g} s")

    # --- what a server panel reads ---

    def roster(self) -> dict[str, list[str]]:
        """Return who is connected, room by room (only 'general', empty, while the server is stopped)."""
        if self._hub is None or not self.is_running:
            return {DEFAULT_ROOM: []}
        return self._hub.roster()

    def recent(self, limit: int = 10, room: str | None = None) -> list[StoredMessage]:
        """Return the last rows of the message log, exactly as the server stores them."""
        return self.log.recent(limit, room)
