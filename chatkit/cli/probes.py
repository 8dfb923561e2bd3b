"""What `chatkit doctor` checks about this Python: its version, the packages' versions, loopback sockets and threads.

Every check returns a Finding and prints nothing, so tests (and notebook 00) can look at the results directly.
"""

import importlib.metadata
import platform
import re
import socket
import threading
from dataclasses import dataclass

# The lowest versions pyproject.toml asks for (tests/test_doctor.py keeps the two in step).
NEEDED_PYTHON = (3, 11)
LOWEST_VERSIONS = {
    "cryptography": (47,),  # 47: the first with ML-KEM-768 (the ratchet mode)
    "ipywidgets": (8, 1),
    "anywidget": (0, 9),
    "jupyterlab": (4, 2),
    "notebook": (7, 2),
}
FOR_NOTEBOOKS = ("ipywidgets", "anywidget", "jupyterlab", "notebook")  # the terminal commands run without them
PROBE_SECONDS = 5.0


@dataclass(frozen=True)
class Finding:
    """One thing checked: what, whether it works, a sentence about it, and whether the kit cannot do without it."""

    name: str
    works: bool
    detail: str
    needed: bool = True


def version_tuple(text: str) -> tuple[int, ...]:
    """Turn '8.1.9' (or '4.2.0rc1') into (8, 1, 9) (or (4, 2, 0)) for comparing."""
    numbers = []
    for part in text.split("."):
        if (digits := re.match(r"\d+", part)) is None:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers)


def shown(version: tuple[int, ...]) -> str:
    """Write a version tuple the usual way: (8, 1) -> '8.1'."""
    return ".".join(str(number) for number in version)


def python_finding(version: str | None = None) -> Finding:
    """Check that this Python is new enough for the kit."""
    version = version or platform.python_version()
    works = version_tuple(version) >= NEEDED_PYTHON
    return Finding("Python", works, f"{version} ({shown(NEEDED_PYTHON)} or newer needed)")


def package_finding(name: str, installed: str | None) -> Finding:
    """Check one package's installed version (None: not installed) against the lowest version the kit asks for."""
    lowest, needed = shown(LOWEST_VERSIONS[name]), name not in FOR_NOTEBOOKS
    wanted = f"{lowest} or newer" + ("" if needed else ", for the notebooks")
    if installed is None:
        return Finding(name, False, f"not installed ({wanted}): pip install 'chatkit[notebooks]'", needed)
    works = version_tuple(installed) >= LOWEST_VERSIONS[name]
    return Finding(name, works, f"{installed} ({wanted})", needed)


def installed_version(name: str) -> str | None:
    """Return the installed version of a package, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def package_findings() -> list[Finding]:
    """Check every package the kit asks for."""
    return [package_finding(name, installed_version(name)) for name in LOWEST_VERSIONS]


def loopback_finding() -> Finding:
    """Open a listener on 127.0.0.1 (port 0: any free one), connect once, and hear a reply from another thread."""
    try:
        with socket.create_server(("127.0.0.1", 0)) as listener:
            listener.settimeout(PROBE_SECONDS)
            replier = threading.Thread(target=reply_once, args=(listener,), name="doctor-loopback", daemon=True)
            replier.start()
            with socket.create_connection(listener.getsockname()[:2], timeout=PROBE_SECONDS) as sock:
                heard = sock.recv(16)
            replier.join(PROBE_SECONDS)
    except (OSError, RuntimeError) as error:  # no sockets (a browser's Python), or no threads
        return Finding("loopback sockets and threads", False, f"do not work here: {error}")
    works = heard == b"ok\n"
    return Finding("loopback sockets and threads", works, "a listener on 127.0.0.1 answered from its thread")


def reply_once(listener: socket.socket) -> None:
    """Accept one connection and answer it with one line."""
    conn, _ = listener.accept()
    with conn:
        conn.sendall(b"ok\n")
