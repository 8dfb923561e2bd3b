"""`chatkit book --out DIR [NOTEBOOK ...]`: execute the notebooks and write a reading version that opens offline.

Exit codes: 0 the book is written, every notebook ran to the end; 1 it is written, but some notebook stopped
early (its page shows how far it got); 2 nothing usable was written (bad arguments, no npm, no notebooks).
"""

import argparse
import sys
from pathlib import Path

from chatkit.book import BookError, build_book, choose_notebooks
from chatkit.book.execute import CELL_SECONDS

DESCRIPTION = "Execute the notebooks and write a reading version of them, a static site that opens offline."
NO_NPM_HELP = (
    "build without npm: pages with no scripts, each chat window as the plain text it showed when displayed, "
    "diagrams as their Mermaid source, formulas as TeX"
)
BUILT = 0
STOPPED_EARLY = 1
FAILED = 2


def parser() -> argparse.ArgumentParser:
    """Describe the command's arguments."""
    ask = argparse.ArgumentParser(prog="chatkit book", description=DESCRIPTION)
    ask.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="a notebook's path, name or number (02)")
    ask.add_argument("--out", required=True, type=Path, help="the folder the site is written to")
    ask.add_argument("--from", dest="folder", type=Path, default=Path("notebooks"), help="the notebooks' folder")
    ask.add_argument("--cache", type=Path, help="where npm tarballs are kept (default: ~/.cache/chatkit/npm)")
    ask.add_argument("--cell-timeout", type=int, default=CELL_SECONDS, help="seconds one cell may run")
    ask.add_argument("--no-npm", action="store_true", help=NO_NPM_HELP)
    return ask


def say(text: str) -> None:
    """Tell the person at the terminal what is happening (stderr, so stdout stays for the result)."""
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Build the book and say where it is."""
    args = parser().parse_args(argv)
    try:
        notebooks = choose_notebooks(args.folder, args.notebooks)
        chapters = build_book(notebooks, args.out, args.cache, args.cell_timeout, say, scripts=not args.no_npm)
    except BookError as error:
        say(f"chatkit book: {error}")
        return FAILED
    print(args.out / "index.html")
    stopped = [chapter.name for chapter in chapters if chapter.problem is not None]
    if stopped:
        say(f"chatkit book: {len(stopped)} notebook(s) stopped early: {', '.join(stopped)}")
        return STOPPED_EARLY
    return BUILT


if __name__ == "__main__":
    sys.exit(main())
