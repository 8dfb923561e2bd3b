"""Build the kit with the student material inside the wheel, so `chatkit student-copy` works from an install.

Everything else about the package is in pyproject.toml. The material is copied at build time, not kept twice in
the repository: notebooks/ and tests/exercises/ are the source, and chatkit/course/layout.py says which of their
files a student gets (never the instructor material, the solutions or the hidden checks).
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def student_files() -> list[Path]:
    """Return the student files, read through chatkit/course/layout.py (loaded alone: no chatkit import)."""
    spec = importlib.util.spec_from_file_location("chatkit_layout", HERE / "chatkit" / "course" / "layout.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot read chatkit/course/layout.py")
    layout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layout)
    return list(layout.student_files(HERE))


class BuildWithMaterial(build_py):
    """Build the package, then copy the student material into chatkit/course/material/."""

    def run(self) -> None:
        """Build as usual; unless this is an editable install (which reads the checkout), add the material."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        material = Path(self.build_lib) / "chatkit" / "course" / "material"
        for relative in student_files():
            target = material / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / relative, target)


setup(cmdclass={"build_py": BuildWithMaterial})
