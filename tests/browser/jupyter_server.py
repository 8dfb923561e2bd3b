"""Start JupyterLab or Notebook 7 from this venv on a free loopback port, in a private tmp home, and stop it.

    server = JupyterServer("lab", root=tmp / "notebooks", home=tmp / "jupyter").start()
    page.goto(server.url("lab/tree/02-chat-tour.ipynb?reset"))
    server.shut_down_kernels()
    server.stop()

Only the process this starts is ever stopped, by its PID.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.nbrun import REPO

API_TRIES = 5  # a GET answered with a server error is asked again this often
START_SECONDS = 90
STOP_SECONDS = 15

# Settings every run gets: all cells in the page (so cell N is the N-th .jp-Cell), no news or update checks.
USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
SERVER_CONFIG = {
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "extension_manager": "readonly",  # never ask PyPI
    }
}


def free_port() -> int:
    """Ask the OS for a free loopback port (closed again at once; the server binds it right after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def private_environment(home: Path) -> dict[str, str]:
    """Give Jupyter private config, data, runtime and settings folders; kernels and extensions come from the venv."""
    folders = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "workspaces",
        "IPYTHONDIR": home / "ipython",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **{name: str(folder) for name, folder in folders.items()}}
    env["JUPYTER_PATH"] = os.pathsep.join([str(Path(sys.prefix) / "share" / "jupyter"), env.get("JUPYTER_PATH", "")])
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    # the served notebooks are a tmp copy, outside any course copy: their check() cells use this repository's
    env.setdefault("CHATKIT_HOME", str(REPO))
    return env


def write_settings(home: Path) -> None:
    """Write the user settings and the server config into the private folders."""
    for name, values in USER_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))


class JupyterServer:
    """A `jupyter lab` or `jupyter notebook` subprocess serving one folder."""

    def __init__(self, app: str, root: Path, home: Path) -> None:
        self.app, self.root, self.home = app, root, home
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.log_path = home / f"{app}-server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """Build the command line: this venv's Jupyter, loopback only, our port and token, no browser."""
        return [
            *(sys.executable, "-m", "jupyterlab" if self.app == "lab" else "notebook"),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # containers and CI runners often run as root
        ]

    def start(self) -> "JupyterServer":
        """Start the server and wait (bounded) until its REST API answers."""
        env = private_environment(self.home)
        write_settings(self.home)
        with self.log_path.open("wb") as log:
            command = self.command()
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.root)
        self.wait_until_ready()
        return self

    def wait_until_ready(self) -> None:
        """Poll /api/status until it answers; fail with the server's log if it dies or takes too long."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "api/status")
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter {self.app} did not answer within {START_SECONDS} s:\n{self.log_tail()}")

    def url(self, path: str) -> str:
        """Return the address of a page, with the token so the browser is logged in."""
        joiner = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path}{joiner}token={self.token}"

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API; return the decoded JSON answer (None when empty).

        A GET that meets a server error is asked again a few times: jupyter_server answers 500 to
        `GET /api/kernels` while a kernel is half started (its `last_activity` is not set yet).
        """
        for attempt in range(API_TRIES):
            try:
                return self._call(method, path)
            except urllib.error.HTTPError as error:
                if method != "GET" or error.code < 500 or attempt == API_TRIES - 1:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable: the last try returns or raises")

    def _call(self, method: str, path: str) -> Any:
        """Make one REST call and decode its JSON answer."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/{path}", method=method)
        request.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def kernels(self) -> list[dict[str, Any]]:
        """List the kernels the server runs."""
        return list(self.api("GET", "api/kernels"))

    def shut_down_kernels(self) -> None:
        """Shut down every kernel this server started (its sessions too)."""
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")
        for kernel in self.kernels():
            self.api("DELETE", f"api/kernels/{kernel['id']}")

    def stop(self) -> None:
        """Terminate our server process (and only it), waiting; kill it if it does not go."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)

    def log_tail(self, lines: int = 60) -> str:
        """Return the end of the server's log."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
