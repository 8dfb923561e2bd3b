"""The hub's Dockerfile (docs/hub/Dockerfile) is read, not built: Docker does not run where the tests run.

What can be checked without Docker is checked: a date-tagged Jupyter Docker Stacks base image, the kit installed
once, not editable, with constraints.txt, nbgitpuller for the students' copies, and CHATKIT_HOME set; and
docs/classroom.md says plainly that the image is not built by the tests.
"""

import datetime
import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "docs" / "hub" / "Dockerfile"
BASE_IMAGE = re.compile(r"quay\.io/jupyter/[a-z-]+-notebook:(\d{4}-\d{2}-\d{2})")


def instructions() -> list[tuple[str, str]]:
    """Read the Dockerfile into (INSTRUCTION, arguments), with continued lines joined and comments left out."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_base_image_is_pinned_by_its_date() -> None:
    parsed = instructions()
    assert parsed[0][0] == "FROM", "the first instruction must be FROM"
    match = BASE_IMAGE.fullmatch(parsed[0][1])
    assert match, f"FROM {parsed[0][1]}: expected a Jupyter Docker Stacks image with a YYYY-MM-DD tag"
    datetime.date.fromisoformat(match.group(1))  # a real date, not just its shape


def test_the_kit_is_installed_once_not_editable_with_the_constraints() -> None:
    runs = [shlex.split(arguments) for name, arguments in instructions() if name == "RUN"]
    installs = [words for words in runs if "pip" in words and "install" in words]
    assert len(installs) == 1, "one pip install: the kit and nbgitpuller together"
    words = installs[0]
    assert "-e" not in words and "--editable" not in words
    assert words[words.index("--constraint") + 1].endswith("/constraints.txt")
    assert any(word.endswith("[notebooks]") for word in words)
    assert any(word.startswith("nbgitpuller==") for word in words)


def test_every_file_copied_exists() -> None:
    for name, arguments in instructions():
        if name == "COPY":
            sources = [word for word in shlex.split(arguments)[:-1] if not word.startswith("--")]
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: no such file in the repository"


def test_chatkit_home_is_set_for_the_students_copies() -> None:
    envs = [arguments for name, arguments in instructions() if name == "ENV"]
    assert any(arguments.startswith("CHATKIT_HOME=") for arguments in envs)


def test_the_classroom_guide_says_the_image_is_not_built_by_the_tests() -> None:
    guide = (REPO / "docs" / "classroom.md").read_text(encoding="utf-8")
    assert "docs/hub/Dockerfile" in guide
    assert "not built by the test suite" in guide
    assert "chatkit student-copy --git" in guide and "nbgitpuller" in guide and "CHATKIT_HOME" in guide
