"""The live apparatus the notebooks share: a server, the clients and relays around it, started and stopped together.

    stage = Stage("classic")            # a classic server on 127.0.0.1, a free port, a random room password
    alice = stage.client("alice")       # connected, in 'general'
    Stage("ratchet").client("alice")    # ratchet mode: no password; returns once the room's group has added her
    mallory = stage.relay()             # a relay on the network path; stage.client(..., via=mallory) goes through it
    Stage("classic", tls=True)          # the same over TLS 1.3, with a classroom CA made for this stage
    ...
    stage.stop()                        # or: with Stage(...) as stage:

`fresh_start()` stops everything a previous run of the notebook left behind, so a notebook runs again without a
restart. Secrets are random per stage unless given, so an exercise cannot pass with a hard-coded answer. Each
person's key store (their identity key, pins and marks) lives in the stage's own temporary folder, the same for
every client of that name on the stage, and stop() removes it: nothing is written to the home folder.
"""

import math
import secrets
import ssl
import tempfile
import weakref
from pathlib import Path
from typing import Any, ClassVar

from chatkit.client import ChatClient
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.tls import client_context
from chatkit.crypto.classroom_ca import TlsFiles, classroom_ca
from chatkit.lab.relay import Relay
from chatkit.server import ChatServer, Limits
from chatkit.server.tls import server_context

NOTEBOOK_ITERATIONS = 20_000  # sealed clients in notebooks: quick to derive; the real default is 600,000


# 31 symbols that cannot be misread for one another (no 0/o, 1/l/i): each one is log2(31), about 4.95 bits.
PASSPHRASE_SYMBOLS = "abcdefghjkmnpqrstuvwxyz23456789"
PASSPHRASE_GROUPS = 4  # four groups of four: 16 symbols, about 79 bits (docs/security.md, offline guessing)


def random_password(groups: int = PASSPHRASE_GROUPS) -> str:
    """Return a random passphrase like 'k7mq-x2pd-h9rt-c4wz': about 79 bits, too many to guess offline."""
    return "-".join("".join(secrets.choice(PASSPHRASE_SYMBOLS) for _ in range(4)) for _ in range(groups))


def passphrase_bits(groups: int = PASSPHRASE_GROUPS) -> float:
    """Return how many bits of randomness random_password(groups) has: log2 of the number of passphrases."""
    return groups * 4 * math.log2(len(PASSPHRASE_SYMBOLS))


class Stage:
    """A server in one mode with everything attached to it; stop() takes it all down."""

    running: ClassVar[weakref.WeakSet["Stage"]] = weakref.WeakSet()

    def __init__(
        self,
        mode: str = "classic",
        *,
        password: str | None = None,
        padding_oracle: bool = False,
        iterations: int = NOTEBOOK_ITERATIONS,
        db: str | Path | None = None,
        limits: Limits | None = None,
        tls: bool = False,
    ) -> None:
        self.mode = mode
        self.password = password or random_password()
        self.iterations = iterations
        # Each person's key store (identity key, pins, marks) lives here, never in the home folder; stop() removes it.
        self._keys = tempfile.TemporaryDirectory(prefix="chatkit-keys-")
        # tls=True: a classroom CA of this stage's own (in the same folder), and its clients pin it
        self.tls: TlsFiles | None = classroom_ca(Path(self._keys.name) / "tls") if tls else None
        self.client_tls: ssl.SSLContext | None = client_context(self.tls.ca_cert) if self.tls else None
        server_tls = server_context(self.tls.server_cert, self.tls.server_key) if self.tls else None
        server_password = self.password if mode == "classic" else None  # the sealed server never gets it
        self.server = ChatServer(
            mode, password=server_password, padding_oracle=padding_oracle, db=db, limits=limits, tls=server_tls
        )
        self.clients: list[ChatClient] = []
        self.relays: list[Relay] = []
        self.widgets: list[Any] = []  # ChatWidgets, typed loosely so the lab does not need ipywidgets
        self.server.start()
        Stage.running.add(self)

    def __repr__(self) -> str:
        over = " over TLS" if self.tls else ""
        return f"<Stage {self.mode} server{over} on {self.address[0]}:{self.address[1]}, {len(self.clients)} clients>"

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    def client(
        self,
        name: str,
        *,
        room: str = "general",
        password: str | None = None,
        via: Relay | None = None,
        pq: bool = True,
        signed: bool = True,
        **options: Any,
    ) -> ChatClient:
        """Connect a person (directly, or through a relay) and return the connected client.

        Ratchet mode only: `pq=False` (X25519 alone) and `signed=False` (no signatures, no key confirmation) weaken
        the person's pairwise exchanges, for notebooks 10 and 13; a weakened side and a full one refuse each other.
        """
        host, port = via.address if via else self.address
        options.setdefault("iterations", self.iterations)
        options.setdefault("keys", self.keys_of(name))
        options.setdefault("tls", self.client_tls)
        client = ChatClient(host, port, name, password or self.password, room, self.mode, **options)
        if isinstance(client.codec, RatchetCodec):
            client.codec.pq, client.codec.signed = pq, signed
        self.clients.append(client)
        client.connect()
        if self.mode == "ratchet":
            self._wait_until_added(client)
        return client

    def _wait_until_added(self, newcomer: ChatClient) -> None:
        """Ratchet mode: wait until the newcomer and the stage's others in its room hold a group that has it."""
        for client in self.clients:
            if client.connected and client.room == newcomer.room and (client is newcomer or client.group):
                client.wait_for_group(including=newcomer.name)

    def keys_of(self, name: str) -> Path:
        """Return the folder of a person's key store on this stage (the same person keeps the same keys)."""
        return Path(self._keys.name) / name

    def widget(
        self,
        name: str,
        *,
        room: str = "general",
        password: str | None = None,
        via: Relay | None = None,
        despite_check: bool = False,
    ) -> Any:
        """Return a ChatWidget for a person on this stage, directly or through a relay (needs ipywidgets)."""
        from chatkit.widgets import ChatWidget  # imported here: the rest of the lab works without ipywidgets

        where = via.address if via else self.server
        password = password or self.password
        keys, tls = self.keys_of(name), self.client_tls  # on a TLS stage the widget pins the stage's CA too
        widget = ChatWidget(
            where, name, password, room, self.mode, self.iterations, keys=keys, despite_check=despite_check, tls=tls
        )
        self.widgets.append(widget)
        return widget

    def relay(self) -> Relay:
        """Start a relay in front of the server (an eavesdropper or attacker on the network path).

        In front of a TLS server it passes TLS records on, whole: it sees their lengths and times, not their text.
        """
        relay = Relay(self.address, records=self.tls is not None).start()
        self.relays.append(relay)
        return relay

    def stop(self) -> None:
        """Close every widget and client, then every relay, then the server."""
        for widget in self.widgets:
            widget.close()
        for client in self.clients:
            client.close()
        for relay in self.relays:
            relay.stop()
        self.server.stop()
        self._keys.cleanup()
        Stage.running.discard(self)

    def __enter__(self) -> "Stage":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def fresh_start() -> None:
    """Stop every stage, widget, client, relay and server this kernel started before (safe to call any time)."""
    for stage in list(Stage.running):
        stage.stop()
    close_widgets()
    ChatClient.close_all()
    Relay.stop_all()
    ChatServer.stop_all()


def close_widgets() -> None:
    """Close the notebook widgets, if the widgets module was ever imported (it needs ipywidgets)."""
    import sys

    widgets = sys.modules.get("chatkit.widgets")
    close_all = getattr(widgets, "close_all", None)
    if close_all is not None:
        close_all()
