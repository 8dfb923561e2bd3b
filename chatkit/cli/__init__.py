"""The `chatkit` command: one door onto the kit's server, client, course tools and checks.

    chatkit --help              every subcommand, one line each
    chatkit server --help       the options of one subcommand

Each subcommand lives in its own module with a `main(argv) -> int`; it is imported only when it is asked for, so a
slow or missing one never gets in the way of the others.
"""

import importlib
import sys
from collections.abc import Callable
from typing import NamedTuple

EXIT_OK = 0
EXIT_USAGE = 2  # what argparse uses for a mistake on the command line
EXIT_UNAVAILABLE = 69  # sysexits.h's EX_UNAVAILABLE: this installation does not have the subcommand's module


class Subcommand(NamedTuple):
    """Where a subcommand's `main` lives, and what it does in one line."""

    module: str
    summary: str


SUBCOMMANDS: dict[str, Subcommand] = {
    "lab": Subcommand("chatkit.cli.lab", "open JupyterLab on your own copy of the notebooks"),
    "server": Subcommand("chatkit.cli.server", "run a chat server in this terminal until Ctrl-C"),
    "client": Subcommand("chatkit.cli.client", "chat from this terminal (or through a pipe)"),
    "student-copy": Subcommand("chatkit.course.student_copy", "make a student's copy of the kit, without solutions"),
    "grade": Subcommand("chatkit.course.grade", "grade a folder of students' submissions"),
    "book": Subcommand("chatkit.cli.book", "run every notebook and write a static site to read offline"),
    "doctor": Subcommand("chatkit.cli.doctor", "say what works where this runs, and what does not"),
}

Main = Callable[[list[str]], int]


def usage() -> str:
    """Return the help text: how to call the command, and every subcommand with its summary."""
    width = max(len(name) for name in SUBCOMMANDS)
    lines = ["usage: chatkit COMMAND [ARGUMENTS ...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {sub.summary}" for name, sub in SUBCOMMANDS.items()]
    lines += ["", "`chatkit COMMAND --help` shows the arguments of one command."]
    return "\n".join(lines)


def find_main(name: str) -> Main | None:
    """Import the subcommand's module and return its `main`; None if this installation does not have the module."""
    module_name = SUBCOMMANDS[name].module
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if module_name != missing and not module_name.startswith(missing + "."):  # a bug inside it: show it
            raise
        return None
    entry: Main | None = getattr(module, "main", None)
    return entry if callable(entry) else None


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand named first on the command line with the rest of the arguments."""
    arguments = sys.argv[1:] if argv is None else argv
    if not arguments or arguments[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if arguments else sys.stderr)
        return EXIT_OK if arguments else EXIT_USAGE
    name, rest = arguments[0], arguments[1:]
    if name not in SUBCOMMANDS:
        print(f"chatkit: no command {name!r}\n\n{usage()}", file=sys.stderr)
        return EXIT_USAGE
    entry = find_main(name)
    if entry is None:
        module = SUBCOMMANDS[name].module
        print(f"chatkit {name}: not available here: this installation has no module {module}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return entry(rest)
