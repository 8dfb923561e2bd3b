"""The layer table of the design, checked: what each part of chatkit may import, what it must never, and no cycles.

The table is the one in the design notes (architecture.md, "The package: one idea per module"), kept below as data
(LAYERS) with the packages added since (cli, course, book) and the TLS channel. Every module under chatkit/ is
parsed with `ast`, not imported; every import counts: at the top, inside a function, under `if TYPE_CHECKING:`,
and `importlib.import_module("...")` with a literal name. A failure names the file, the line, what it imports, and the
rule of the table that forbids it.
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chatkit"
ANYTHING = "*"  # in `outside`: any installed package


@dataclass(frozen=True)
class Layer:
    """One row of the table: the modules it covers and what they may import besides their own layer and stdlib."""

    covers: tuple[str, ...]  # a module and every module under it
    may: tuple[str, ...] = ()  # chatkit modules (and the modules under them) it may import
    public_only: tuple[str, ...] = ()  # chatkit packages it may import only by their own name, not their insides
    outside: tuple[str, ...] = ()  # packages outside chatkit and the standard library it may import
    never: tuple[str, ...] = ()  # what it must never import, whatever else allows it
    only_from: tuple[tuple[str, str], ...] = ()  # (import, module): allowed in that one module of the layer only
    imported_only_by: tuple[str, ...] | None = None  # layers that may import this one (None: any that may)


NETWORK = ("socket", "socketserver", "select", "selectors", "ssl", "asyncio")
THREADS = ("threading", "_thread", "multiprocessing", "concurrent")
PURE = (*NETWORK, *THREADS, "sqlite3", "ipywidgets")  # a pure core: bytes in, bytes out, nothing that waits

# The table (architecture.md); `never` repeats what `may` leaves out where the design says it in so many words.
LAYERS: dict[str, Layer] = {
    "the package's root": Layer(("chatkit",)),
    "crypto": Layer(("chatkit.crypto",), outside=("cryptography",), never=(*PURE, "chatkit")),
    "protocol": Layer(("chatkit.protocol",), never=(*PURE, "cryptography", "chatkit.crypto")),
    "framing": Layer(("chatkit.framing",), never=(*PURE, "cryptography", "chatkit.crypto")),
    # the one place TLS meets a socket (server and client both): network and a lock, and no idea of what a line is
    "channel": Layer(("chatkit.channel",), never=("sqlite3", "ipywidgets", "cryptography", "chatkit")),
    "storage": Layer(("chatkit.storage",), never=(*NETWORK, "cryptography", "chatkit.crypto", "ipywidgets")),
    "server": Layer(
        ("chatkit.server",),
        may=("chatkit.protocol", "chatkit.framing", "chatkit.channel", "chatkit.storage", "chatkit.crypto"),
        never=("ipywidgets", "cryptography", "chatkit.widgets"),
        only_from=(
            ("chatkit.crypto", "chatkit.server.classic"),  # classic mode: the server holds the password
            # sealed mode: the server holds no key, but checks signatures with public keys, so that nobody but a
            # sender can move their counter (S4); nothing that derives a key or opens a message
            ("chatkit.crypto.signing", "chatkit.server.sealed"),
            ("chatkit.crypto.labels", "chatkit.server.sealed"),
            ("chatkit.crypto.errors", "chatkit.server.sealed"),
            # the key log (S16): Merkle hashes over public keys, no secret anywhere
            ("chatkit.crypto.merkle", "chatkit.server.key_log"),
        ),
    ),
    "client": Layer(
        ("chatkit.client",),
        may=("chatkit.protocol", "chatkit.framing", "chatkit.channel", "chatkit.crypto"),
        never=("chatkit.storage", "chatkit.server", "ipywidgets", "sqlite3", "cryptography"),
    ),
    "widgets": Layer(
        ("chatkit.widgets",),
        may=("chatkit.client",),
        public_only=("chatkit.server",),
        outside=("ipywidgets", "anywidget"),  # anywidget: the live region's few lines of front end (live_region.py)
        never=("socket", "sqlite3", "cryptography", "chatkit.crypto", "chatkit.storage"),
    ),
    # "nothing outside chatkit and stdlib": IPython is the exception, the notebook's own display() that the lab calls
    "lab": Layer(("chatkit.lab",), may=("chatkit",), outside=("IPython",), never=("cryptography",)),
    "cli": Layer(("chatkit.cli", "chatkit.__main__"), may=("chatkit",), outside=(ANYTHING,), imported_only_by=()),
    # a course sets up the scenes its referees judge (stages, clients, ciphers) and runs pytest to grade
    "course": Layer(
        ("chatkit.course",),
        may=("chatkit.lab", "chatkit.client", "chatkit.crypto", "chatkit.protocol"),
        outside=("pytest",),
        never=("chatkit.widgets", "ipywidgets"),
    ),
    "book": Layer(("chatkit.book",), outside=("nbclient", "nbconvert", "nbformat"), imported_only_by=("cli",)),
}


@dataclass(frozen=True)
class Import:
    """One import statement: which module, where, and what it names."""

    importer: str
    line: int
    target: str

    def where(self) -> str:
        """Return the file and line, as a student would look them up."""
        path = MODULES.get(self.importer)
        file = path.relative_to(PACKAGE.parent).as_posix() if path else self.importer.replace(".", "/") + ".py"
        return f"{file}:{self.line}"


def module_names() -> dict[str, Path]:
    """Return every module under chatkit/ by its dotted name."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


MODULES = module_names()


def is_under(name: str, prefix: str) -> bool:
    """Return whether a dotted name is `prefix` itself or a module inside it."""
    return name == prefix or name.startswith(prefix + ".")


def layer_of(module: str) -> str | None:
    """Return the name of the layer whose `covers` matches the module most closely (None: outside chatkit)."""
    matches = [
        (len(prefix), name) for name, layer in LAYERS.items() for prefix in layer.covers if is_under(module, prefix)
    ]
    return max(matches)[1] if matches else None


PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def resolve(importer: str, node: ast.ImportFrom) -> list[str]:
    """Return the modules a `from X import a, b` statement names: X.a where that is a chatkit module, else X."""
    base = node.module or ""
    if node.level:  # relative: from the importer's package, one package up for every dot after the first
        package = importer.split(".") if importer in PACKAGES else importer.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]


def imports_of(module: str) -> list[Import]:
    """Return every import in a module's file, wherever it is written."""
    return imports_in(module, MODULES[module].read_text(encoding="utf-8"))


def imports_in(module: str, source: str) -> list[Import]:
    """Return every import in a module's source: at the top, in functions, under `if TYPE_CHECKING:`, by importlib."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [Import(module, node.lineno, target) for target in resolve(module, node)]
        elif (name := literal_import_module(node)) is not None:
            found.append(Import(module, node.lineno, name))
    return found


def literal_import_module(node: ast.AST) -> str | None:
    """Return the name in `importlib.import_module("a.literal.name")`, or None if the node is not such a call."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
        return None
    first = node.args[0]
    is_literal = node.func.attr == "import_module" and isinstance(first, ast.Constant) and isinstance(first.value, str)
    return first.value if is_literal else None


def described(forbidden: str) -> str:
    """Say what a `never` entry forbids, in the table's words."""
    return "anything else in chatkit" if forbidden == "chatkit" else forbidden


def breach(imp: Import) -> str | None:
    """Return the rule of the table an import breaks, or None if the table allows it."""
    name = layer_of(imp.importer) or "?"
    layer, target, said = LAYERS[name], imp.target, f"{imp.where()} imports {imp.target}"
    own = target.split(".")[0] == "chatkit" and layer_of(target) == name
    for forbidden in layer.never:
        if is_under(target, forbidden) and not own:
            return f"{said}, and {name} must never import {described(forbidden)}"
    if target.split(".")[0] != "chatkit":
        top = target.split(".")[0]
        if top in sys.stdlib_module_names or top in layer.outside or ANYTHING in layer.outside:
            return None
        return f"{said}, but {name} may use nothing outside chatkit and the standard library but {layer.outside}"
    if own or target == "chatkit":
        return None
    return breach_of_chatkit_rules(imp, name, said)


def breach_of_chatkit_rules(imp: Import, name: str, said: str) -> str | None:
    """Return the rule an import of another chatkit layer breaks, or None if the table allows it."""
    layer, target, target_layer = LAYERS[name], imp.target, layer_of(imp.target) or "?"
    guard = LAYERS[target_layer].imported_only_by
    if guard is not None and name not in guard:
        return f"{said}, but nothing in chatkit may import {target_layer}" + (f" except {guard}" if guard else "")
    rules = [(allowed, only_in) for allowed, only_in in layer.only_from if is_under(target, allowed)]
    if rules and not any(is_under(imp.importer, only_in) for _, only_in in rules):
        return f"{said}, but {name} may import {rules[0][0]} only in {' or '.join(only for _, only in rules)}"
    if target in layer.public_only or any(is_under(target, prefix) for prefix in layer.may):
        return None
    for package in layer.public_only:
        if is_under(target, package):
            return f"{said}, but {name} may use {package} only by its public API (import {package}, not its modules)"
    return f"{said}, but {name} may import only {', '.join(layer.may + layer.public_only) or 'nothing else in chatkit'}"


def modules_of(name: str) -> list[str]:
    """Return the modules under chatkit/ that belong to a layer."""
    return [module for module in MODULES if layer_of(module) == name]


Graph = dict[str, dict[str, Import]]  # module -> chatkit module it imports -> the (first) import that does it


def import_graph() -> Graph:
    """Return which chatkit module imports which, counting every import wherever it is written."""
    graph: Graph = {module: {} for module in MODULES}
    for module in MODULES:
        for imp in imports_of(module):
            if imp.target in MODULES and imp.target != module:
                graph[module].setdefault(imp.target, imp)
    return graph


def path_between(graph: Graph, start: str, goal: str) -> list[str] | None:
    """Return the shortest chain of imports from start to goal, or None if there is none."""
    came_from: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        module = frontier.pop(0)
        if module == goal:
            path = [module]
            while (previous := came_from[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for target in sorted(graph.get(module, {})):
            if target not in came_from:
                came_from[target] = module
                frontier.append(target)
    return None


def cycles(graph: Graph) -> list[list[str]]:
    """Return one chain of imports for every group of modules that import each other round in a circle."""
    found: dict[frozenset[str], list[str]] = {}
    for module in sorted(graph):
        for target in sorted(graph[module]):
            back = path_between(graph, target, module)
            if back is not None:
                found.setdefault(frozenset(back), [module, *back])
    return list(found.values())


def told(graph: Graph, cycle: list[str]) -> str:
    """Describe a cycle: the chain, and where each of its imports is written."""
    steps = [graph[a][b] for a, b in zip(cycle, cycle[1:], strict=False)]
    return " -> ".join(cycle) + " (" + ", ".join(step.where() for step in steps) + ")"


# --- the checks ---


def test_every_module_belongs_to_a_row_of_the_table() -> None:
    homeless = [module for module in MODULES if layer_of(module) == "the package's root" and module != "chatkit"]
    assert not homeless, f"{homeless} belong to no row of the layer table: add one here and to architecture.md"


@pytest.mark.parametrize("name", [name for name in LAYERS if modules_of(name)])
def test_a_layer_imports_only_what_the_table_allows(name: str) -> None:
    broken = sorted({found for module in modules_of(name) for imp in imports_of(module) if (found := breach(imp))})
    if broken:
        pytest.fail(f"{len(broken)} imports break the layer table (architecture.md):\n" + "\n".join(broken))


def test_no_imports_go_round_in_a_circle() -> None:
    graph = import_graph()
    found = [told(graph, cycle) for cycle in cycles(graph)]
    if found:
        pytest.fail("imports that go round in a circle (every import counts, TYPE_CHECKING too):\n" + "\n".join(found))


# --- the table says what the design says (each rule of architecture.md, tried on an import made up for it) ---

SAYS = [
    ("chatkit.crypto.sealed", "cryptography.hazmat.primitives.ciphers.aead", None),
    ("chatkit.crypto.kdf", "chatkit.crypto.labels", None),
    ("chatkit.crypto.sealed", "socket", "crypto must never import socket"),
    ("chatkit.crypto.sealed", "threading", "crypto must never import threading"),
    ("chatkit.crypto.kdf", "chatkit.protocol", "crypto must never import anything else in chatkit"),
    ("chatkit.protocol", "json", None),
    ("chatkit.protocol", "chatkit.crypto", "protocol must never import chatkit.crypto"),
    ("chatkit.framing", "socket", "framing must never import socket"),
    ("chatkit.storage", "sqlite3", None),
    ("chatkit.storage", "chatkit.crypto.kdf", "storage must never import chatkit.crypto"),
    ("chatkit.server.conversation", "chatkit.framing", None),
    ("chatkit.server.classic", "chatkit.crypto", None),
    ("chatkit.server.sealed", "chatkit.crypto", "server may import chatkit.crypto only in chatkit.server.classic"),
    ("chatkit.server.sealed", "chatkit.crypto.kdf", "server may import chatkit.crypto only in chatkit.server.classic"),
    ("chatkit.server.sealed", "chatkit.crypto.signing", None),
    ("chatkit.server.chat_server", "ipywidgets", "server must never import ipywidgets"),
    ("chatkit.client.codec", "chatkit.crypto.sealed", None),
    ("chatkit.client.codec", "cryptography", "client must never import cryptography"),
    ("chatkit.client.chat_client", "chatkit.storage", "client must never import chatkit.storage"),
    ("chatkit.client.chat_client", "chatkit.server.member", "client must never import chatkit.server"),
    ("chatkit.widgets.chat", "chatkit.server", None),
    ("chatkit.widgets.chat", "chatkit.server.member", "widgets may use chatkit.server only by its public API"),
    ("chatkit.widgets.chat", "chatkit.crypto", "widgets must never import chatkit.crypto"),
    ("chatkit.widgets.chat", "socket", "widgets must never import socket"),
    ("chatkit.lab.stage", "chatkit.server.sealed", None),
    ("chatkit.lab.quantum", "chatkit.crypto.hybrid", None),
    ("chatkit.lab.quantum", "cryptography.hazmat", "lab must never import cryptography"),
    ("chatkit.lab.stage", "numpy", "lab may use nothing outside chatkit and the standard library but"),
    ("chatkit.lab.stage", "chatkit.cli", "nothing in chatkit may import cli"),
    ("chatkit.cli.server", "chatkit.server", None),
    ("chatkit.cli.book", "chatkit.book", None),
    ("chatkit.lab.stage", "chatkit.book", "nothing in chatkit may import book except ('cli',)"),
    ("chatkit.course.grade", "chatkit.lab.exercises", None),
    ("chatkit.course.grade", "chatkit.widgets", "course must never import chatkit.widgets"),
    ("chatkit.course.grade", "chatkit.client", None),
    (
        "chatkit.course.grade",
        "chatkit.server.postman",
        "course may import only chatkit.lab, chatkit.client, chatkit.crypto, chatkit.protocol",
    ),
    ("chatkit.book.execute", "nbclient", None),
    ("chatkit.book.execute", "chatkit.server", "book may import only nothing else in chatkit"),
]


@pytest.mark.parametrize(("importer", "target", "verdict"), SAYS)
def test_the_table_says_what_the_design_says(importer: str, target: str, verdict: str | None) -> None:
    found = breach(Import(importer, 1, target))
    if verdict is None:
        assert found is None, f"the design allows {importer} to import {target}, but the table says: {found}"
    else:
        assert found is not None and verdict in found, f"the design forbids {importer} -> {target}; table: {found}"


HIDDEN_IMPORTS = """
from typing import TYPE_CHECKING
from . import member
from .. import protocol
if TYPE_CHECKING:
    from chatkit.server.chat_server import ChatServer
def later():
    import sqlite3
    importlib.import_module("chatkit.cli.book")
"""


def test_imports_are_found_wherever_they_are_written() -> None:
    found = [(imp.line, imp.target) for imp in imports_in("chatkit.server.conversation", HIDDEN_IMPORTS)]
    assert sorted(found) == [
        (2, "typing"),
        (3, "chatkit.server.member"),
        (4, "chatkit.protocol"),
        (6, "chatkit.server.chat_server"),
        (8, "sqlite3"),
        (9, "chatkit.cli.book"),
    ]


def test_a_cycle_is_found_and_told_with_its_lines() -> None:
    graph: Graph = {"a": {"b": Import("chatkit.a", 3, "b")}, "b": {"a": Import("chatkit.b", 9, "a")}, "c": {}}
    assert cycles(graph) == [["a", "b", "a"]]
    assert told(graph, ["a", "b", "a"]) == "a -> b -> a (chatkit/a.py:3, chatkit/b.py:9)"
