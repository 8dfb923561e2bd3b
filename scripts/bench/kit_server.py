"""Run chatkit's server for the benchmark: print the port it listens on, serve until stdin closes."""

import argparse
import os
import sys
import threading

from chatkit.server import ChatServer


def main() -> None:
    """Start a server on 127.0.0.1 (port 0), print its port, and stop when the parent closes our stdin."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["classic", "sealed", "ratchet"], default="classic")
    parser.add_argument("--db", required=True)
    parser.add_argument("--stack-kib", type=int, help="thread stack size (process-wide; to measure its effect)")
    options = parser.parse_args()
    if options.stack_kib:
        threading.stack_size(options.stack_kib * 1024)
    password = os.environ.get("CHAT_PASSWORD", "shared-secret") if options.mode == "classic" else None
    server = ChatServer(options.mode, password=password, db=options.db)
    _, port = server.start()
    print(port, flush=True)
    sys.stdin.read()  # returns when the benchmark closes the pipe (or dies)
    server.stop()


if __name__ == "__main__":
    main()
