"""Run a chat server in the foreground, from a terminal: the same as `chatkit server` (chatkit/cli/server.py).

    python scripts/run_server.py                          # sealed mode on 127.0.0.1:5555, log in ./chatkit.db
    CHATKIT_PASSWORD=... python scripts/run_server.py --mode classic

Ctrl-C (or SIGTERM) stops it cleanly. `--port 0` picks a free port and prints it.
"""

import sys
from pathlib import Path

try:
    import chatkit  # noqa: F401  (installed with `pip install -e .`)
except ImportError:  # run from a checkout without installing: use the package next to this folder
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatkit.cli.server import (  # the exit codes and checks are named there; tests read them through this door
    EXIT_CANNOT_LISTEN,
    EXIT_CANNOT_OPEN_DB,
    EXIT_NO_PASSWORD,
    EXIT_OK,
    EXIT_USAGE,
    is_loopback,
    main,
    network_warning,
)

__all__ = [
    "EXIT_CANNOT_LISTEN",
    "EXIT_CANNOT_OPEN_DB",
    "EXIT_NO_PASSWORD",
    "EXIT_OK",
    "EXIT_USAGE",
    "is_loopback",
    "main",
    "network_warning",
]

if __name__ == "__main__":
    sys.exit(main(prog=Path(__file__).name))
