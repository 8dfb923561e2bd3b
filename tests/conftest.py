"""Shared fixtures: real servers on ephemeral loopback ports, real clients, real SQLite files, all cleaned up."""

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from chatkit.client import ChatClient
from chatkit.crypto import kdf
from chatkit.lab import Stage
from chatkit.server import ChatServer

# Key stores never go to the real home folder, not even those a test module makes while it is imported, nor those
# of the scripts and kernels the tests start (they inherit this variable); each test then gets its own (key_stores).
SESSION_KEYS = tempfile.mkdtemp(prefix="chatkit-test-keys-")
os.environ["CHATKIT_KEYS"] = SESSION_KEYS
atexit.register(shutil.rmtree, SESSION_KEYS, ignore_errors=True)

FAST_ITERATIONS = 1_000  # sealed clients in tests: fast key derivation (the real default is 600,000)
PASSWORD = "correct horse battery staple"

StartServer = Callable[..., ChatServer]
Connect = Callable[..., ChatClient]


@pytest.fixture(autouse=True)
def key_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every key store a test makes in its own tmp_path (CHATKIT_KEYS), never in the real home folder."""
    folder = tmp_path / "keys"
    monkeypatch.setenv("CHATKIT_KEYS", str(folder))
    return folder


@pytest.fixture
def pbkdf2_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the iterations of every PBKDF2 derivation made during the test (the slow step of a room key)."""
    calls: list[int] = []
    real = kdf.pbkdf2_sha256

    def counting(password: bytes, salt: bytes, iterations: int, length: int = kdf.KEY_BYTES) -> bytes:
        calls.append(iterations)
        return real(password, salt, iterations, length)

    monkeypatch.setattr(kdf, "pbkdf2_sha256", counting)
    return calls


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start servers on 127.0.0.1:0 with a database in tmp_path; every one is stopped after the test."""
    servers: list[ChatServer] = []
    numbers = count(1)

    def start(mode: str = "sealed", **options: Any) -> ChatServer:
        if mode == "classic":
            options.setdefault("password", PASSWORD)
        options.setdefault("db", tmp_path / f"server-{next(numbers)}.db")
        server = ChatServer(mode, **options)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Connect clients to a server (same mode, fast key derivation); every one is closed after the test."""
    clients: list[ChatClient] = []

    def make(
        server: ChatServer, name: str, password: str = PASSWORD, room: str = "general", **options: Any
    ) -> ChatClient:
        options.setdefault("iterations", FAST_ITERATIONS)
        client = ChatClient(*server.address, name, password, room, server.mode, **options)
        clients.append(client)
        return client.connect()

    yield make
    for client in clients:
        client.close()


def eventually(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Poll a condition until it holds or the time is up; return whether it held (for asserts with a message)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def stages() -> Iterator[list[Stage]]:
    """A list to put stages in; every one is stopped after the test."""
    started: list[Stage] = []
    yield started
    for stage in started:
        stage.stop()
