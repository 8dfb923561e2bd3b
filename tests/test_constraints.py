"""constraints.txt pins the versions the kit is tested with, for a classroom image; this test keeps it honest.

Every dependency of pyproject.toml (the package and every extra) is pinned there with `==`, every pin meets the
lower bound pyproject.toml asks for, and every pin is the version installed in the environment running this test.
"""

import importlib.metadata
import re
import tomllib
from pathlib import Path

from chatkit.cli.probes import version_tuple

REPO = Path(__file__).resolve().parent.parent
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+-]*)")
REQUIREMENT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?:>=\s*([0-9.]+))?\s*")


def normalised(name: str) -> str:
    """Write a package name the way pip compares them: 'PyYAML' and 'pyyaml' are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """Read constraints.txt: package name -> pinned version (every line that is not a comment must be a pin)."""
    found = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        match = PIN.fullmatch(text)
        assert match, f"constraints.txt: {line!r} is not of the form name==version"
        found[normalised(match.group(1))] = match.group(2)
    return found


def lower_bounds() -> dict[str, str | None]:
    """Read every requirement of pyproject.toml (the kit itself left out): name -> its `>=` bound, or None."""
    with (REPO / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    texts = project["dependencies"] + [text for extra in project["optional-dependencies"].values() for text in extra]
    bounds = {}
    for text in texts:
        match = REQUIREMENT.fullmatch(text)
        assert match, f"pyproject.toml: cannot read {text!r} (this test knows `name`, `name[extra]`, `name>=x.y`)"
        if normalised(match.group(1)) != "chatkit":
            bounds[normalised(match.group(1))] = match.group(3)
    return bounds


def test_every_dependency_is_pinned() -> None:
    missing = sorted(set(lower_bounds()) - set(pins()))
    assert not missing, f"pyproject.toml asks for {missing}, which constraints.txt does not pin"


def test_every_pin_meets_pyprojects_lower_bound() -> None:
    pinned = pins()
    for name, lowest in lower_bounds().items():
        if lowest is not None:
            assert version_tuple(pinned[name]) >= version_tuple(lowest), f"{name}=={pinned[name]} is below {lowest}"


def test_every_pin_is_what_the_tests_run_with() -> None:
    wrong = {}
    for name, version in pins().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong[name] = installed
    lines = "\n".join(f"{name}=={installed}" for name, installed in sorted(wrong.items()))
    assert not wrong, f"constraints.txt disagrees with this environment; write these lines there:\n{lines}"
