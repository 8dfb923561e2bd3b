"""Chat from a terminal: the same as `chatkit client` (chatkit/cli/client.py).

python scripts/run_client.py --username alice                 # asks for the room password
echo "hello" | CHATKIT_PASSWORD=... python scripts/run_client.py --username bob
"""

import sys
from pathlib import Path

try:
    import chatkit  # noqa: F401  (installed with `pip install -e .`)
except ImportError:  # run from a checkout without installing: use the package next to this folder
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatkit.cli.client import (  # the exit codes are named there; tests read them through this door
    EXIT_CANNOT_CONNECT,
    EXIT_CONNECTION_LOST,
    EXIT_FOR_REFUSAL,
    EXIT_NO_PASSWORD,
    EXIT_NOT_CONFIRMED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    EXIT_WRONG_PASSWORD,
    main,
)

__all__ = [
    "EXIT_CANNOT_CONNECT",
    "EXIT_CONNECTION_LOST",
    "EXIT_FOR_REFUSAL",
    "EXIT_NO_PASSWORD",
    "EXIT_NOT_CONFIRMED",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "EXIT_WRONG_PASSWORD",
    "main",
]

if __name__ == "__main__":
    sys.exit(main(prog=Path(__file__).name))
