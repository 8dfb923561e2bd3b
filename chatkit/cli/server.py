"""`chatkit server`: run a chat server in the foreground, from a terminal.

    chatkit server                                  # sealed mode on 127.0.0.1:5555, log in ./chatkit.db
    CHATKIT_PASSWORD=... chatkit server --mode classic

`python scripts/run_server.py` is the same command, for readers of the code who run it from a checkout.

Ctrl-C (or SIGTERM) stops it cleanly. `--port 0` picks a free port and prints it.
The exit codes are named below, so scripts and tests can tell a busy port from a typing mistake.
"""

import argparse
import errno
import getpass
import ipaddress
import os
import signal
import sqlite3
import sys
from types import FrameType

from chatkit import MODES
from chatkit.server import ChatServer
from chatkit.storage import StorageError

EXIT_OK = 0
EXIT_USAGE = 2  # what argparse uses for a mistake on the command line
EXIT_CANNOT_LISTEN = 3
EXIT_NO_PASSWORD = 4
EXIT_CANNOT_OPEN_DB = 5

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5555
PASSWORD_VARIABLE = "CHATKIT_PASSWORD"


def parse_arguments(argv: list[str] | None, prog: str = "chatkit server") -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog=prog, description="Run a chatkit chat server until Ctrl-C.")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port (default: %(default)s)")
    parser.add_argument("--mode", choices=MODES, default="sealed", help="default: %(default)s")
    parser.add_argument("--db", default="chatkit.db", help="SQLite file of the message log (default: %(default)s)")
    parser.add_argument(
        "--padding-oracle",
        action="store_true",
        help="classic mode only: a DELIBERATE WEAKNESS for notebook 06: error replies say when padding is wrong",
    )
    options = parser.parse_args(argv)
    if options.padding_oracle and options.mode != "classic":
        parser.error("--padding-oracle only exists in classic mode")
    return options


def read_password() -> str:
    """Ask for the room password at a terminal, else take it from CHATKIT_PASSWORD ('' if there is none)."""
    if sys.stdin.isatty():
        return getpass.getpass("Room password (the classic server knows it): ")
    return os.environ.get(PASSWORD_VARIABLE, "")


def is_loopback(host: str) -> bool:
    """Return True if only this machine can reach `host`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may well be reachable from the network
        return False


def network_warning(host: str, mode: str) -> str:
    """Say plainly what anyone on the network can do when the server listens beyond this machine."""
    lines = [
        f"WARNING: listening on {host}, not only on this machine. Anyone who can reach it can connect,",
        "  pick a free name, join any room, list the rooms and who is in them, and capture all traffic",
        "  (who talks, when, how long each message is).",
    ]
    if mode == "classic":
        lines.append(
            "  Classic mode: one captured message is enough to try passwords offline (static salt, no MAC),"
            " and anyone who knows the password reads and forges every message."
        )
    elif mode == "sealed":
        lines.append("  Sealed mode: without a room's passphrase they cannot read or forge its messages.")
    else:
        lines.append("  Ratchet mode: only the members of a room's group can read or sign its messages.")
    return "\n".join(lines)


def describe(server: ChatServer, options: argparse.Namespace) -> list[str]:
    """Return the lines that tell the person where the server listens and what its mode means."""
    host, port = server.address
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # an IPv6 address is written in brackets
    lines = [f"chatkit server in {options.mode} mode, listening on {where} (log: {options.db}); Ctrl-C stops it"]
    if options.mode == "classic":
        lines.append("WARNING: classic mode is insecure on purpose: this server knows the password,")
        lines.append(f"  reads every message and logs it as plaintext in {options.db}.")
    else:
        lines.append(f"{options.mode} mode: this server relays and stores ciphertext only; it holds no key.")
    if options.padding_oracle:
        lines.append("WARNING: --padding-oracle: error replies reveal bad padding (the weakness notebook 06 attacks).")
    if not is_loopback(host):
        lines.append(network_warning(host, options.mode))
    return lines


def stop_on_signal(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM (and SIGINT) into KeyboardInterrupt once; ignore repeats while the server stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def start_server(server: ChatServer) -> int:
    """Start listening; return EXIT_OK, or the exit code that says why it could not."""
    try:
        server.start()
    except OSError as error:
        reason = str(error)
        if error.errno == errno.EADDRINUSE:
            reason = "address already in use (is another server running? try another --port, or --port 0)"
        print(f"cannot listen on {server.host}:{server.port}: {reason}", file=sys.stderr)
        return EXIT_CANNOT_LISTEN
    except (sqlite3.Error, StorageError) as error:  # a folder that does not exist, a file that is not a log
        print(f"cannot open the log {server.db}: {error}", file=sys.stderr)
        return EXIT_CANNOT_OPEN_DB
    return EXIT_OK


def main(argv: list[str] | None = None, prog: str = "chatkit server") -> int:
    """Start a server, say where it listens, serve until Ctrl-C or SIGTERM."""
    options = parse_arguments(argv, prog)
    password = read_password() if options.mode == "classic" else None
    if options.mode == "classic" and not password:
        print(f"classic mode needs the room password: set {PASSWORD_VARIABLE} or run in a terminal", file=sys.stderr)
        return EXIT_NO_PASSWORD
    server = ChatServer(
        options.mode,
        password=password,
        host=options.host,
        port=options.port,
        db=options.db,
        padding_oracle=options.padding_oracle,
    )
    signal.signal(signal.SIGINT, stop_on_signal)
    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        if (code := start_server(server)) != EXIT_OK:
            return code
        print("\n".join(describe(server, options)), flush=True)
        server.serve_forever()  # returns after Ctrl-C, once every connection is closed
    except KeyboardInterrupt:  # a signal during start-up or shut-down: stop() is safe to call twice
        server.stop()
    print("server stopped", flush=True)
    return EXIT_OK
