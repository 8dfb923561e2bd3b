"""`chatkit doctor`: each check is a function returning a Finding; one function prints the report.

The front-end is detected from signs passed in, so every front-end is tested here, whichever one runs the tests.
"""

import importlib.util
import re
import socket
import sys
import threading
import tomllib
from pathlib import Path

import pytest
from cryptography.exceptions import UnsupportedAlgorithm

from chatkit import cli
from chatkit.cli import crypto_probes, doctor, frontends, probes
from chatkit.cli.probes import Finding

REPO = Path(__file__).resolve().parent.parent


def test_versions_compare_as_numbers() -> None:
    assert probes.version_tuple("8.1.9") == (8, 1, 9)
    assert probes.version_tuple("4.2.0rc1") == (4, 2, 0)
    assert probes.version_tuple("44") == (44,)
    assert probes.version_tuple("8.10") > probes.version_tuple("8.9")


def test_python_must_be_3_11_or_newer() -> None:
    assert not probes.python_finding("3.10.14").works
    assert probes.python_finding("3.11.0").works
    assert probes.python_finding("3.13.1").works


def test_packages_are_checked_against_their_lowest_version() -> None:
    assert not probes.package_finding("cryptography", "46.0.3").works
    assert probes.package_finding("cryptography", "47.0.0").works
    missing = probes.package_finding("cryptography", None)
    assert not missing.works and missing.needed and "pip install" in missing.detail
    widgets = probes.package_finding("ipywidgets", None)
    assert not widgets.works and not widgets.needed  # the terminal commands run without it


def test_the_lowest_versions_are_the_ones_pyproject_asks_for() -> None:
    with (REPO / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    bounds = dict(re.fullmatch(r"([\w-]+)\s*>=\s*([\d.]+)", text).groups() for text in project["dependencies"])  # type: ignore[union-attr]
    for text in project["optional-dependencies"]["notebooks"]:
        name, lowest = re.fullmatch(r"([\w-]+)\s*>=\s*([\d.]+)", text).groups()  # type: ignore[union-attr]
        bounds[name] = lowest
    for name, lowest in probes.LOWEST_VERSIONS.items():
        assert probes.version_tuple(bounds[name]) == lowest, name
    assert tuple(int(part) for part in project["requires-python"].lstrip(">=").split(".")) == probes.NEEDED_PYTHON


# --- crypto ---


def test_the_installed_cryptography_has_what_the_modes_need() -> None:
    findings = {finding.name: finding for finding in crypto_probes.crypto_findings()}
    for name in ("AES-256-GCM", "X25519", "Ed25519"):
        assert findings[name].works and findings[name].needed, findings[name]
    assert not findings["ML-KEM-768"].needed
    has_mlkem = importlib.util.find_spec("cryptography.hazmat.primitives.asymmetric.mlkem") is not None
    assert findings["ML-KEM-768"].works == has_mlkem


@pytest.mark.parametrize("error", [ImportError("no module mlkem"), UnsupportedAlgorithm("not in this OpenSSL")])
def test_a_primitive_the_library_lacks_is_reported_not_raised(error: Exception) -> None:
    def round_trip() -> bool:
        raise error

    finding = crypto_probes.crypto_finding("ML-KEM-768", round_trip, needed=False)
    assert not finding.works and "not in this cryptography" in finding.detail


def test_without_cryptography_the_doctor_still_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "chatkit.cli.crypto_probes", None)  # importing it now raises ImportError
    monkeypatch.delattr(cli, "crypto_probes")  # else `from chatkit.cli import crypto_probes` finds it there
    [finding] = doctor.crypto_findings()
    assert not finding.works and finding.needed


# --- loopback sockets and threads ---


def test_loopback_works_here_and_leaves_no_thread() -> None:
    finding = probes.loopback_finding()
    assert finding.works, finding
    assert not [thread for thread in threading.enumerate() if thread.name == "doctor-loopback"]


def test_no_sockets_is_a_needed_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sockets(*args: object, **kwargs: object) -> socket.socket:
        raise OSError("sockets are not available in this Python")

    monkeypatch.setattr(socket, "create_server", no_sockets)
    finding = probes.loopback_finding()
    assert not finding.works and finding.needed and "not available" in finding.detail


# --- the front-end ---

KERNEL = {"ipykernel"}


@pytest.mark.parametrize(
    ("environ", "modules", "platform", "expected"),
    [
        ({}, set(), "emscripten", "jupyterlite"),
        ({}, {"pyodide", "ipykernel"}, "linux", "jupyterlite"),
        ({}, {"google.colab", "ipykernel"}, "linux", "colab"),
        ({"COLAB_RELEASE_TAG": "release-colab"}, KERNEL, "linux", "colab"),
        ({"VSCODE_PID": "4242"}, KERNEL, "darwin", "vscode"),
        ({"VSCODE_PID": "4242"}, set(), "darwin", "terminal"),  # VS Code's own terminal: no notebook there
        ({}, KERNEL, "linux", "jupyter"),
        ({}, set(), "win32", "terminal"),
    ],
)
def test_the_frontend_is_read_from_its_signs(
    environ: dict[str, str], modules: set[str], platform: str, expected: str
) -> None:
    assert frontends.detect_frontend(environ, modules, platform) == expected


def test_a_vscode_notebook_is_known_by_the_name_it_defines() -> None:
    assert frontends.detect_frontend({}, KERNEL, "linux", ["__vsc_ipynb_file__", "x"]) == "vscode"
    assert frontends.detect_frontend({}, KERNEL, "linux", ["x"]) == "jupyter"


def test_vscode_with_ipywidgets_8_1_9_gets_the_version_it_needs() -> None:
    finding = frontends.frontend_finding("vscode", "8.1.9")
    assert not finding.works and not finding.needed
    assert "ipywidgets==8.1.8" in finding.detail and "17504" in finding.detail
    assert frontends.frontend_finding("vscode", "8.1.8").works


def test_colab_and_jupyterlite_say_what_does_not_work() -> None:
    colab = frontends.frontend_finding("colab", "8.1.9")
    assert not colab.works and not colab.needed and "3373" in colab.detail
    lite = frontends.frontend_finding("jupyterlite", None)
    assert not lite.works and lite.needed and "no sockets" in lite.detail
    assert frontends.frontend_finding("jupyter", "8.1.9").works


# --- the report ---


def test_only_a_needed_failure_fails_the_doctor() -> None:
    note = Finding("front-end", False, "Colab: ...", needed=False)
    assert doctor.all_needed_work([Finding("Python", True, "3.11"), note])
    assert not doctor.all_needed_work([Finding("X25519", False, "missing"), note])


def test_the_report_shows_every_finding_and_where_else_it_works() -> None:
    findings = [Finding("Python", True, "3.11.7"), Finding("X25519", False, "missing"), Finding("f", False, "x", False)]
    text = doctor.format_report(findings, here="vscode")
    assert "ok    Python: 3.11.7" in text and "FAILS X25519: missing" in text and "note  f: x" in text
    assert frontends.WHERE_IT_WORKS["colab"] in text and frontends.WHERE_IT_WORKS["vscode"] not in text
    assert text.endswith("does not work here: X25519")


def test_print_report_prints_and_main_exits_0_here(capsys: pytest.CaptureFixture[str]) -> None:
    doctor.print_report()
    assert capsys.readouterr().out.rstrip().endswith("everything the kit needs works here.")
    assert doctor.main([]) == doctor.EXIT_OK


def test_main_exits_1_when_something_needed_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "run_checks", lambda: [Finding("loopback sockets and threads", False, "none")])
    assert doctor.main([]) == doctor.EXIT_SOMETHING_NEEDED_FAILS
