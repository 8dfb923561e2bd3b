"""The server package's imports all point down: no cycle, not even through type hints, and no back-references.

Every `import` in chatkit/server is read from the source (TYPE_CHECKING blocks included), so a cycle hidden in a
type hint is found too.
"""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import chatkit.server

SERVER = Path(chatkit.server.__file__).parent


def imports_of(path: Path) -> set[str]:
    """Return the chatkit modules a file imports, anywhere in it (as dotted names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("chatkit")}


def server_graph() -> dict[str, set[str]]:
    """Return {server module: the server modules it imports} (the package's __init__ left out: it only re-exports)."""
    modules = {path.stem: imports_of(path) for path in SERVER.glob("*.py") if path.stem != "__init__"}
    return {
        name: {m.split(".")[2] for m in found if m.startswith("chatkit.server.")} & set(modules) - {name}
        for name, found in modules.items()
    }


def test_the_server_modules_import_each_other_without_a_cycle() -> None:
    try:
        order = list(TopologicalSorter(server_graph()).static_order())
    except CycleError as cycle:
        raise AssertionError(f"import cycle in chatkit/server: {cycle.args[1]}") from None
    assert order.index("member") < order.index("hub") < order.index("conversation") < order.index("chat_server")


def test_a_conversation_talks_only_to_the_hub() -> None:
    assert "chat_server" not in server_graph()["conversation"]
    assert "postman" not in server_graph()["member"] and "member" in server_graph()["postman"]


# The sealed server holds no key: of the crypto it imports only the signature check, with public keys (S4).
PUBLIC_KEY_CHECKS = {"chatkit.crypto.errors", "chatkit.crypto.labels", "chatkit.crypto.signing"}


def test_the_sealed_server_imports_no_crypto_but_the_public_key_check() -> None:
    crypto = {name for name in imports_of(SERVER / "sealed.py") if name.startswith("chatkit.crypto")}
    assert {name.rsplit(".", 1)[0] if name.count(".") > 2 else name for name in crypto} <= PUBLIC_KEY_CHECKS, crypto
    assert "cryptography" not in (SERVER / "sealed.py").read_text()
