"""Which front-end the doctor runs in, as far as a kernel can tell, and what works there.

The signs are facts about the process (environment variables, loaded modules, the platform, the names defined in
the notebook), passed in, so the detection is a pure function that tests can feed any front-end.
"""

from collections.abc import Collection, Mapping

from chatkit.cli.probes import Finding, version_tuple

FIRST_BLANK_IPYWIDGETS = (8, 1, 9)  # VS Code's notebook view renders nothing from it (vscode-jupyter issue 17504)
VSCODE_IPYWIDGETS = "8.1.8"  # the last release VS Code renders

# One line per front-end: what works there (the doctor prints them all, so a student knows before moving).
WHERE_IT_WORKS = {
    "jupyter": "JupyterLab 4 and Notebook 7: everything works",
    "vscode": f"VS Code: widgets need ipywidgets {VSCODE_IPYWIDGETS}; 8.1.9 shows nothing (vscode-jupyter issue 17504)",
    "colab": "Colab: chat windows refresh only when a cell runs, not when a message arrives (colabtools issue 3373)",
    "jupyterlite": "JupyterLite: the kit cannot run: the browser's Python has no sockets and no threads",
    "terminal": "a terminal: `chatkit server` and `chatkit client` work; `chatkit lab` opens the notebooks",
}


def detect_frontend(
    environ: Mapping[str, str], modules: Collection[str], platform: str, notebook_names: Collection[str] = ()
) -> str:
    """Return a key of WHERE_IT_WORKS for the place these signs describe."""
    if platform == "emscripten" or "pyodide" in modules:  # Python compiled to WebAssembly: JupyterLite
        return "jupyterlite"
    if "google.colab" in modules or "COLAB_RELEASE_TAG" in environ:
        return "colab"
    if "ipykernel" not in modules:
        return "terminal"
    if "__vsc_ipynb_file__" in notebook_names:  # VS Code's Jupyter extension defines it, even on a remote kernel
        return "vscode"
    if "VSCODE_PID" in environ or "VSCODE_CWD" in environ:  # set by VS Code for every process it starts
        return "vscode"
    return "jupyter"  # JupyterLab or Notebook 7: both talk to the same server, and a kernel cannot tell which


def frontend_finding(frontend: str, ipywidgets: str | None) -> Finding:
    """Say what works in this front-end, given the installed ipywidgets version (None: not installed)."""
    name = "front-end"
    if frontend == "vscode" and ipywidgets and version_tuple(ipywidgets) >= FIRST_BLANK_IPYWIDGETS:
        detail = (
            f"VS Code, with ipywidgets {ipywidgets}: its notebook view may show no widget at all (vscode-jupyter issue"
            f" 17504, seen with 8.1.9): pip install 'ipywidgets=={VSCODE_IPYWIDGETS}' and restart the kernel,"
            " or open the notebooks in JupyterLab (`chatkit lab`)"
        )
        return Finding(name, False, detail, needed=False)
    if frontend == "vscode":
        return Finding(name, True, f"VS Code, with ipywidgets {ipywidgets}: its notebook view renders the widgets")
    if frontend == "colab":
        detail = WHERE_IT_WORKS["colab"] + "; servers, clients and checks work"
        return Finding(name, False, detail, needed=False)
    if frontend == "jupyterlite":
        return Finding(name, False, WHERE_IT_WORKS["jupyterlite"] + "; use JupyterLab, a JupyterHub or Binder")
    if frontend == "jupyter":
        return Finding(name, True, "JupyterLab 4 or Notebook 7 (a kernel cannot tell which): everything works")
    return Finding(name, True, WHERE_IT_WORKS[frontend])
