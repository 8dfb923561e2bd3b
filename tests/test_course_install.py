"""Done when: a wheel of the kit, installed non-editable, serves two student copies, each check() on its own files.

The wheel is built from the tracked files (copied away from the checkout) and installed into a fresh virtual
environment that borrows only the dependencies of this one; nothing here may import chatkit from the checkout.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOLVED = "nb00_warmup"  # copy A solves it, copy B leaves the stub


def run(command: list[str], cwd: Path, seconds: int = 300) -> subprocess.CompletedProcess[str]:
    """Run a command without this checkout on the path; fail with its output if it fails to start or times out."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "CHATKIT_HOME")}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=seconds, env=environment)


def build_wheel(tmp_path: Path) -> Path:
    """Build a wheel from a copy of the tracked files; return its path."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True, timeout=60)
    source = tmp_path / "source"
    for name in tracked.stdout.splitlines():
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "wheels"), "."], source)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return next((tmp_path / "wheels").glob("chatkit-*.whl"))


def fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """Make a venv with the wheel installed non-editable and this environment's packages borrowed; return python."""
    venv = tmp_path / "venv"
    made = run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)  # type: ignore[attr-defined]
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).stdout.strip()
    )
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # a path line: its .pth files stay off
    installed = run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], tmp_path
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return python


def student_copy(python: Path, folder: Path) -> None:
    code = f"from chatkit.course.student_copy import main; raise SystemExit(main(['--out', {str(folder)!r}]))"
    made = run([str(python), "-c", code], folder.parent)
    assert made.returncode == 0, made.stdout + made.stderr


def check_in(python: Path, copy: Path) -> subprocess.CompletedProcess[str]:
    """Run check() the way a notebook in the copy does: from its notebooks/ folder."""
    code = f"from chatkit.lab.exercises import check; raise SystemExit(0 if check({SOLVED!r}) else 1)"
    return run([str(python), "-c", code], copy / "notebooks")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_an_installed_wheel_serves_two_copies_each_on_its_own_files(tmp_path: Path) -> None:
    python = fresh_environment(tmp_path, build_wheel(tmp_path))
    where = run([str(python), "-c", "import chatkit; print(chatkit.__file__)"], tmp_path).stdout
    assert where.startswith(str(tmp_path / "venv")), f"chatkit came from {where}, not the installed wheel"
    solved, untouched = tmp_path / "alice", tmp_path / "bob"
    for copy in (solved, untouched):
        student_copy(python, copy)
    shutil.copyfile(
        REPO / "notebooks" / "instructor" / "solutions" / f"{SOLVED}.py",
        solved / "notebooks" / "exercises" / f"{SOLVED}.py",
    )
    passed, failed = check_in(python, solved), check_in(python, untouched)
    assert passed.returncode == 0 and "every check passes" in passed.stdout, passed.stdout + passed.stderr
    assert failed.returncode == 1 and "3 failed" in failed.stdout, failed.stdout + failed.stderr
    healthy = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], untouched)
    assert healthy.returncode == 0, healthy.stdout[-3000:]
