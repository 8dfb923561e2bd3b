"""The terminal scripts, run as a person runs them: real processes, real sockets on 127.0.0.1, real SQLite files.

Every wait is bounded; every process a test starts is ended (by its own PID) when the test ends.
"""

import importlib.util
import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from types import ModuleType

import pexpect
import pytest

from chatkit import protocol
from chatkit.client import ChatClient, Members

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
PASSWORD = "correct horse battery staple"
WAIT_SECONDS = 30.0  # generous: the machine may be busy; a test only waits this long when something is wrong


def load_script(name: str) -> ModuleType:
    """Import a script as a module, to read its exit codes and call its small functions."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


server_script = load_script("run_server")
client_script = load_script("run_client")


def script_environment(password: str | None) -> dict[str, str]:
    """Return this environment, with CHATKIT_PASSWORD set to `password` or removed."""
    env = {key: value for key, value in os.environ.items() if key != "CHATKIT_PASSWORD"}
    if password is not None:
        env["CHATKIT_PASSWORD"] = password
    return env


class Running:
    """A script running as a subprocess; a thread reads its output (stdout and stderr) line by line."""

    def __init__(self, script: str, args: list[str], password: str | None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SCRIPTS / script), *args],
            cwd=REPO,
            env=script_environment(password),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read_forever, daemon=True)
        self._reader.start()

    def _read_forever(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def expect(self, pattern: str, timeout: float = WAIT_SECONDS) -> re.Match[str]:
        """Read lines until one matches `pattern`; fail, showing everything read, after `timeout` seconds."""
        try:
            while (line := self._lines.get(timeout=timeout)) is not None:
                self.seen.append(line)
                if match := re.search(pattern, line):
                    return match
            self._lines.put(None)  # the output has ended: let the next expect() fail at once too
        except queue.Empty:
            pass
        raise AssertionError(f"no line matching {pattern!r}; output so far:\n" + "\n".join(self.seen))

    def type(self, line: str) -> None:
        """Type one line into the script's stdin."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = WAIT_SECONDS) -> int:
        """Close stdin (end of input), wait for the exit and the rest of the output; return the exit code."""
        assert self.proc.stdin is not None
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        while not self._lines.empty():  # the reader has ended: keep the rest of the output
            if (line := self._lines.get_nowait()) is not None:
                self.seen.append(line)
        return code

    def interrupt(self, signum: int = signal.SIGINT) -> int:
        """Send a signal to this process (and only this one); return its exit code."""
        self.proc.send_signal(signum)
        return self.finish()

    def end(self) -> None:
        """Kill the process if it still runs, and release its pipes."""
        try:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(WAIT_SECONDS)
            self._reader.join(WAIT_SECONDS)
        finally:
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    pipe.close()

    @property
    def output(self) -> str:
        return "\n".join(self.seen)


Start = Callable[..., Running]


@pytest.fixture
def start() -> Iterator[Start]:
    """Start scripts as subprocesses; every one still running is killed (by its PID) after the test."""
    started: list[Running] = []

    def run(script: str, *args: str, password: str | None = None) -> Running:
        started.append(Running(script, list(args), password))
        return started[-1]

    try:
        yield run
    finally:
        for running in started:
            running.end()


def start_server(start: Start, mode: str, db: Path, *extra: str) -> tuple[Running, int]:
    """Start run_server.py on a free loopback port; return it and the port it printed."""
    password = PASSWORD if mode == "classic" else None
    server = start("run_server.py", "--port", "0", "--mode", mode, "--db", str(db), *extra, password=password)
    port = int(server.expect(r"listening on 127\.0\.0\.1:(\d+)").group(1))
    return server, port


def start_client(start: Start, port: int, name: str, mode: str, password: str = PASSWORD) -> Running:
    """Start run_client.py as a pipe, its stdin kept open, and wait until it is in its first room."""
    client = start("run_client.py", "--port", str(port), "--username", name, "--mode", mode, password=password)
    client.expect(r"^\* you are in general$")
    return client


def run_client(port: int, name: str, mode: str, lines: str, password: str | None = PASSWORD) -> tuple[int, str]:
    """Run run_client.py to the end with `lines` as its whole input; return its exit code and output."""
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "run_client.py"), "--port", str(port), "--username", name, "--mode", mode],
        cwd=REPO,
        env=script_environment(password),
        input=lines,
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS * 2,
    )
    return done.returncode, done.stdout + done.stderr


def free_port() -> int:
    """Return a loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stored_payloads(db: Path) -> list[str]:
    """Read every payload in the server's message log."""
    with closing(sqlite3.connect(db)) as conn:
        return [row[0] for row in conn.execute("SELECT payload FROM messages ORDER BY id")]


# --- two people chat through the scripts ---


def chat_in_two_rooms(alice: Running, bob: Running) -> None:
    """Alice and Bob exchange a message each way in 'general', then both move to 'maths' and do it again."""
    alice.type("hello bob")
    bob.expect(r"^\[general\] alice: hello bob$")
    bob.type("hello alice")
    alice.expect(r"^\[general\] bob: hello alice$")
    for person in (alice, bob):
        person.type("/join maths")
        person.expect(r"^\* you are in maths$")
    alice.type("/who")
    assert set(alice.expect(r"^\* in maths: (.*)$").group(1).split(", ")) == {"alice", "bob"}
    alice.type("the answer is 42")
    bob.expect(r"^\[maths\] alice: the answer is 42$")
    bob.type("thanks alice")
    alice.expect(r"^\[maths\] bob: thanks alice$")


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_two_clients_chat_in_two_rooms(mode: str, start: Start, tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    server, port = start_server(start, mode, db)
    alice, bob = start_client(start, port, "alice", mode), start_client(start, port, "bob", mode)
    chat_in_two_rooms(alice, bob)
    assert alice.finish() == client_script.EXIT_OK, alice.output
    assert bob.finish() == client_script.EXIT_OK, bob.output
    assert server.interrupt() == server_script.EXIT_OK, server.output
    assert "server stopped" in server.output
    payloads = stored_payloads(db)
    assert len(payloads) == 4
    if mode == "classic":  # the server knows the password and logs what it read
        assert payloads == ["hello bob", "hello alice", "the answer is 42", "thanks alice"]
    else:  # the server holds ciphertext only: no message text anywhere in its file
        for file in tmp_path.glob("chat.db*"):  # the database and any journal SQLite left beside it
            assert b"hello bob" not in file.read_bytes()
        assert not {"hello bob", "hello alice", "the answer is 42", "thanks alice"} & set(payloads)


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_a_pipe_client_leaves_once_its_messages_came_back(mode: str, start: Start, tmp_path: Path) -> None:
    server, port = start_server(start, mode, tmp_path / "chat.db")
    bob = start_client(start, port, "bob", mode)
    code, output = run_client(port, "alice", mode, "one\ntwo\n/join maths\nthree\n")
    assert code == client_script.EXIT_OK, output
    for line in ("[general] alice: one", "[general] alice: two", "[maths] alice: three"):
        assert line in output.splitlines()
    bob.expect(r"^\[general\] alice: two$")
    assert bob.finish() == client_script.EXIT_OK, bob.output
    assert "[maths] alice: three" not in bob.output  # bob stayed in general
    assert server.interrupt() == server_script.EXIT_OK


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_a_wrong_password_is_refused_with_its_exit_code(mode: str, start: Start, tmp_path: Path) -> None:
    server, port = start_server(start, mode, tmp_path / "chat.db")
    code, output = run_client(port, "alice", mode, "first\n")  # in sealed mode the first member sets the check
    assert code == client_script.EXIT_OK, output
    code, output = run_client(port, "mallory", mode, "let me in\n", password="wrong guess")
    assert code == client_script.EXIT_WRONG_PASSWORD, output
    assert "wrong password" in output
    assert server.interrupt() == server_script.EXIT_OK


# --- how the client fails ---


def test_every_refusal_code_has_an_exit_code() -> None:
    assert set(client_script.EXIT_FOR_REFUSAL) == set(protocol.REFUSALS)
    assert client_script.EXIT_FOR_REFUSAL["wrong_password"] == client_script.EXIT_WRONG_PASSWORD
    assert client_script.EXIT_FOR_REFUSAL["name_taken"] == client_script.EXIT_REFUSED


def test_joining_a_room_with_another_passphrase_exits_with_the_wrong_password_code(
    start: Start, tmp_path: Path
) -> None:
    server, port = start_server(start, "sealed", tmp_path / "chat.db")
    with ChatClient("127.0.0.1", port, "alice", "alice's own passphrase", room="vault") as alice:
        alice.ask_who()  # answered after the server has taken alice's check for the vault (her lines keep order)
        alice.wait_for(lambda event: isinstance(event, Members), WAIT_SECONDS)
        code, output = run_client(port, "mallory", "sealed", "/join vault\nlet me in\n")
    assert code == client_script.EXIT_WRONG_PASSWORD, output
    assert "wrong password for room vault" in output
    assert server.interrupt() == server_script.EXIT_OK


def test_a_taken_name_is_refused(start: Start, tmp_path: Path) -> None:
    server, port = start_server(start, "sealed", tmp_path / "chat.db")
    start_client(start, port, "alice", "sealed")
    code, output = run_client(port, "alice", "sealed", "it is me\n")
    assert code == client_script.EXIT_REFUSED, output
    assert "already taken" in output
    assert server.interrupt() == server_script.EXIT_OK


def test_the_client_needs_a_password() -> None:
    code, output = run_client(free_port(), "alice", "sealed", "hi\n", password=None)
    assert code == client_script.EXIT_NO_PASSWORD
    assert "CHATKIT_PASSWORD" in output


def test_the_client_says_when_nobody_listens() -> None:
    code, output = run_client(free_port(), "alice", "sealed", "hi\n")
    assert code == client_script.EXIT_CANNOT_CONNECT
    assert "cannot connect" in output


def test_a_bad_username_is_a_usage_error() -> None:
    code, output = run_client(free_port(), "not a name", "sealed", "hi\n")
    assert code == client_script.EXIT_USAGE
    assert "username" in output


# --- how the server starts and stops ---


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_server_stops_cleanly_on_a_signal(signum: int, start: Start, tmp_path: Path) -> None:
    server, port = start_server(start, "sealed", tmp_path / "chat.db")
    alice = start_client(start, port, "alice", "sealed")  # a member still connected must not block the stop
    assert server.interrupt(signum) == server_script.EXIT_OK, server.output
    assert "server stopped" in server.output
    assert "Traceback" not in server.output
    alice.expect(r"^\* connection closed by the server$")  # the client notices at once, with its stdin still open
    assert alice.finish() == client_script.EXIT_CONNECTION_LOST


def test_a_busy_port_has_its_own_exit_code(start: Start, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        server = start("run_server.py", "--port", port, "--db", str(tmp_path / "chat.db"))
        assert server.finish() == server_script.EXIT_CANNOT_LISTEN
    assert "address already in use" in server.output


def test_the_classic_server_needs_the_password(start: Start, tmp_path: Path) -> None:
    server = start("run_server.py", "--mode", "classic", "--port", "0", "--db", str(tmp_path / "chat.db"))
    assert server.finish() == server_script.EXIT_NO_PASSWORD
    assert "CHATKIT_PASSWORD" in server.output


def test_the_padding_oracle_exists_only_in_classic_mode(start: Start, tmp_path: Path) -> None:
    server = start("run_server.py", "--padding-oracle", "--port", "0", "--db", str(tmp_path / "chat.db"))
    assert server.finish() == server_script.EXIT_USAGE


def test_the_classic_server_warns_that_it_reads_everything(start: Start, tmp_path: Path) -> None:
    server, _ = start_server(start, "classic", tmp_path / "chat.db", "--padding-oracle")
    server.expect(r"reads every message")
    server.expect(r"padding")
    assert server.interrupt() == server_script.EXIT_OK


def test_a_classroom_address_comes_with_a_plain_warning() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert server_script.is_loopback(host), host
    for host in ("0.0.0.0", "192.168.1.20", "::", "hub.example.org"):
        assert not server_script.is_loopback(host), host
    for mode in ("classic", "sealed"):
        warning = server_script.network_warning("0.0.0.0", mode)
        assert "Anyone" in warning and "0.0.0.0" in warning


def test_the_scripts_run_from_any_folder(tmp_path: Path) -> None:
    for script in ("run_server.py", "run_client.py"):
        done = subprocess.run(
            [sys.executable, str(SCRIPTS / script), "--help"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
        )
        assert done.returncode == 0, done.stderr
        assert "--port" in done.stdout


def test_the_client_at_a_terminal_asks_for_the_password_and_chats(start: Start, tmp_path: Path) -> None:
    _, port = start_server(start, "sealed", tmp_path / "chat.db")
    command = [str(SCRIPTS / "run_client.py"), "--port", str(port), "--username", "zoe"]
    terminal = pexpect.spawn(
        sys.executable, command, cwd=str(REPO), env=script_environment(None), encoding="utf-8", timeout=WAIT_SECONDS
    )
    try:
        terminal.expect("Room password: ")
        terminal.sendline(PASSWORD)  # typed at the prompt, not echoed, not taken from the environment
        terminal.expect(r"\* you are in general")
        terminal.sendline("hi from a terminal")
        terminal.expect(r"\[general\] zoe: hi from a terminal")
        terminal.sendline("/who")
        terminal.expect(r"\* in general: zoe")
        terminal.sendline("/quit")
        terminal.expect(pexpect.EOF)
        terminal.close()
        assert terminal.exitstatus == client_script.EXIT_OK
    finally:
        terminal.close(force=True)  # ends this child only, if it is still running


def test_s6_the_terminal_shows_a_safety_number_and_keeps_keys_where_told(start: Start, tmp_path: Path) -> None:
    server, port = start_server(start, "sealed", tmp_path / "chat.db")
    alice = start_client(start, port, "alice", "sealed")
    bob_keys = tmp_path / "bob-keys"
    bob = start("run_client.py", "--port", str(port), "--username", "bob", "--keys", str(bob_keys), password=PASSWORD)
    bob.expect(r"^\* you are in general$")
    alice.type("hello bob")
    bob.expect(r"^\[general\] alice: hello bob$")
    bob.type("/verify alice")
    number = bob.expect(r"^\* safety number with alice \(not verified.*\): ([\d ]+)$").group(1)
    assert len(number.replace(" ", "")) == 60
    bob.type("/verified alice")
    bob.expect(r"^\* alice is verified$")
    alice.type("/verify carol")
    alice.expect(r"^! no key is pinned for carol")
    assert alice.finish() == client_script.EXIT_OK and bob.finish() == client_script.EXIT_OK, bob.output
    assert (bob_keys / "identity.key").exists() and "alice" in (bob_keys / "pins.json").read_text()
    assert server.interrupt() == server_script.EXIT_OK


def test_two_ratchet_clients_chat_see_their_group_remove_and_add_back(start: Start, tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    server, port = start_server(start, "ratchet", db)
    alice = start_client(start, port, "alice", "ratchet", password="")
    bob = start_client(start, port, "bob", "ratchet", password="")
    alice.expect(r"^\* group of general, epoch 1 \(signed\): alice, bob$")
    alice.type("hello bob")
    bob.expect(r"^\[general\] alice: hello bob$")
    bob.type("/group")
    bob.expect(r"^\* group of general, epoch 1 \(signed\): alice, bob$")
    alice.type("/remove bob")
    bob.expect(r"alice removed you from the group")
    alice.expect(r"^\* group of general, epoch 2 \(signed\): alice$")
    alice.type("/add bob")  # on purpose: bob is back, and reads what comes after
    bob.expect(r"^\* group of general, epoch 3 \(signed\): alice, bob$")
    alice.type("back again")
    bob.expect(r"^\[general\] alice: back again$")
    assert alice.finish() == client_script.EXIT_OK, alice.output
    assert bob.finish() == client_script.EXIT_OK, bob.output
    assert server.interrupt() == server_script.EXIT_OK, server.output
    assert "hello bob" not in " ".join(stored_payloads(db))
