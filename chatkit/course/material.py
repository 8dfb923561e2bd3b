"""Where a student copy is made from: the material inside the installed wheel, or the kit's checkout.

A wheel carries the student files under chatkit/course/material/ (setup.py copies them in at build time); run from
a checkout (an editable install), the kit's repository is the material itself, and it also has what only an
instructor has: the solutions and the hidden checks.
"""

from pathlib import Path

from chatkit.course.home import MARKER, CourseError, Home
from chatkit.course.layout import HIDDEN_CHECKS

PACKAGED = Path(__file__).resolve().parent / "material"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def material_root() -> Path:
    """Return the folder the student files are copied from."""
    if (PACKAGED / "notebooks").is_dir():
        return PACKAGED
    checkout = instructor_checkout()
    if checkout is None:
        raise CourseError(f"no student material in {PACKAGED} nor a kit checkout around it: rebuild the wheel")
    return checkout.root


def instructor_checkout() -> Home | None:
    """Return the kit's repository this package runs from, if it runs from one (an editable install)."""
    root = Path(__file__).resolve().parents[2]
    return Home(root) if (root / MARKER).is_file() and (root / "notebooks" / "instructor").is_dir() else None


def default_hidden_checks() -> Path | None:
    """Return the kit's folder of hidden checks, when run from a checkout that has one."""
    checkout = instructor_checkout()
    folder = checkout.root / HIDDEN_CHECKS if checkout else None
    return folder if folder is not None and folder.is_dir() else None
