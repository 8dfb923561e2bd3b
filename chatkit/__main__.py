"""Run the `chatkit` command as `python -m chatkit`, for when the console script is not on PATH."""

import sys

from chatkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
