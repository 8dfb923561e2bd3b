"""environment.yml (conda, Binder) and pyproject.toml (pip) must ask for the same packages.

What must match: the package's own dependencies plus the `notebooks` extra, names and version bounds, since
that is what a student needs to run the notebooks. The `test` extra may add test-only packages (pytest, ruff, ...):
Binder does not run the test suite, so environment.yml leaves them out.
"""

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
CONDA_ONLY = {"python", "pip"}  # the interpreter and the installer: conda needs them named, pip does not


def load_pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return project


def load_environment() -> dict[str, Any]:
    environment: dict[str, Any] = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    return environment


def split_requirement(text: str) -> tuple[str, str]:
    """Split 'Name[extra] >= 1.0' into its normalised name and its version bounds ('pyyaml', '>=6')."""
    match = NAME.match(text.strip())
    assert match, f"cannot read the requirement {text!r}"
    rest = re.sub(r"^\[[^\]]*\]", "", text.strip()[match.end() :])
    return re.sub(r"[-_.]+", "-", match.group()).lower(), rest.replace(" ", "")


def pip_requirements() -> dict[str, str]:
    """Return what pip installs for the notebooks: dependencies plus the notebooks extra, name -> bounds."""
    project = load_pyproject()
    wanted = project["dependencies"] + project["optional-dependencies"]["notebooks"]
    return dict(split_requirement(text) for text in wanted)


def conda_requirements() -> dict[str, str]:
    """Return the conda packages environment.yml asks for, name -> bounds (the pip section left out)."""
    listed = [entry for entry in load_environment()["dependencies"] if isinstance(entry, str)]
    return dict(split_requirement(text) for text in listed)


def test_environment_yml_asks_for_the_same_packages_as_pyproject() -> None:
    conda = {name: bounds for name, bounds in conda_requirements().items() if name not in CONDA_ONLY}
    assert conda == pip_requirements()


def test_environment_yml_names_python_and_pip() -> None:
    conda = conda_requirements()
    assert set(conda) >= CONDA_ONLY
    pinned = tuple(int(part) for part in conda["python"].lstrip("=").split("."))
    lowest = tuple(int(part) for part in load_pyproject()["requires-python"].lstrip(">=").split("."))
    assert pinned >= lowest, "environment.yml pins a Python older than pyproject.toml's requires-python"


def test_environment_yml_installs_the_kit_itself() -> None:
    environment = load_environment()
    assert environment["name"] == "chatkit"
    assert "conda-forge" in environment["channels"]
    pip_sections = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)]
    assert pip_sections == [["-e ."]], "Binder should install the package from the repository with `pip -e .`"


def test_the_test_extra_builds_on_the_notebooks_extra() -> None:
    test_extra = [text.replace(" ", "") for text in load_pyproject()["optional-dependencies"]["test"]]
    assert "chatkit[notebooks]" in test_extra, "the tests run the notebooks, so the test extra needs their packages"


def test_split_requirement_normalises_names() -> None:
    assert split_requirement("PyYAML >= 6") == ("pyyaml", ">=6")
    assert split_requirement("python=3.11") == ("python", "=3.11")
    assert split_requirement("chatkit[notebooks]") == ("chatkit", "")
    assert split_requirement("typing_extensions") == ("typing-extensions", "")
