"""Start the servers under test in subprocesses on loopback, and read their memory and thread counts."""

import os
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.wire import PASSWORD

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0
STOP_SECONDS = 10.0


@dataclass
class ServerProcess:
    """A server running in a child process: its label, port, PID and database file."""

    label: str
    proc: subprocess.Popen[bytes]
    port: int
    db: Path

    def rss(self) -> int:
        """Return the server's resident memory in bytes."""
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def threads(self) -> int:
        """Return how many threads the server process has."""
        return int(psutil.Process(self.proc.pid).num_threads())

    def stop(self) -> None:
        """Close its stdin (the kit stops cleanly), then terminate it if it is still there."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=STOP_SECONDS if self.label.startswith("kit") else 0.5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=STOP_SECONDS)


def free_port() -> int:
    """Ask the kernel for a loopback port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """Read one line the child prints, or raise RuntimeError after `timeout` seconds."""
    if proc.stdout is None:
        raise RuntimeError("the server was started without a pipe for its output")
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise RuntimeError(f"server printed nothing within {timeout} s")
    return proc.stdout.readline().decode().strip()


def start_kit(mode: str, folder: Path, stack_kib: int | None = None) -> ServerProcess:
    """Start chatkit's server (bench/kit_server.py) and read the port it prints."""
    db = folder / f"kit-{mode}-{time.monotonic_ns()}.db"
    command = [sys.executable, str(Path(__file__).with_name("kit_server.py")), "--mode", mode, "--db", str(db)]
    command += ["--stack-kib", str(stack_kib)] if stack_kib else []
    env = {**os.environ, "PYTHONPATH": str(REPO), "CHAT_PASSWORD": PASSWORD}
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    port = int(read_line(proc, START_SECONDS))
    return ServerProcess(f"kit-{mode}", proc, port, db)


def start_baseline(baseline: Path, folder: Path) -> ServerProcess:
    """Start the naive reference (`python server.py PORT`, CHAT_DB in `folder`) and wait until it listens."""
    db, port = folder / f"baseline-{time.monotonic_ns()}.db", free_port()
    env = {**os.environ, "CHAT_DB": str(db), "CHAT_PASSWORD": PASSWORD}
    command = [sys.executable, "server.py", str(port)]
    proc = subprocess.Popen(command, cwd=baseline, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    line = read_line(proc, START_SECONDS)
    if "listening" not in line:
        raise RuntimeError(f"baseline did not start: {line!r}")
    return ServerProcess("baseline", proc, port, db)
