"""Student copies: what they hold, how the checks find them, and that a copy's own test command passes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatkit.course.home import MARKER, CourseError, find_home
from chatkit.course.student_copy import EXIT_REFUSED, main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("copies") / "student"
    assert main(["--out", str(folder), "--git"]) == 0
    return folder


def pytest_in(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run pytest in a copy the way a student would, with nothing pointing the checks elsewhere."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CHATKIT_")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, env=environment)


def test_a_copy_holds_the_student_material_and_nothing_of_the_instructor(copy: Path) -> None:
    names = {path.relative_to(copy).as_posix() for path in copy.rglob("*") if ".git" not in path.parts}
    assert {MARKER, "notebooks/data/passwords.txt", "tests/exercises/conftest.py"} <= names
    assert {p.name for p in (REPO / "notebooks").glob("*.ipynb")} == {
        p.name for p in (copy / "notebooks").glob("*.ipynb")
    }
    assert not [name for name in names if "instructor" in name or "solution" in name or "hidden" in name]
    assert not [p for p in (copy / "notebooks" / "exercises").glob("*.py") if "BEGIN SOLUTION" in p.read_text()]


def test_git_makes_a_repository_with_one_commit(copy: Path) -> None:
    log = subprocess.run(["git", "log", "--oneline"], cwd=copy, capture_output=True, text=True, timeout=30)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True, timeout=30)
    assert len(log.stdout.splitlines()) == 1 and status.stdout == ""


def test_the_copys_own_test_command_passes_on_a_fresh_copy(copy: Path) -> None:
    result = pytest_in(copy)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_exercise_checks_in_a_copy_fail_on_its_stubs(copy: Path) -> None:
    result = pytest_in(copy, "tests/exercises/test_nb00_warmup.py")
    assert result.returncode == 1 and "3 failed" in result.stdout, result.stdout[-3000:]


def test_a_copy_has_no_solutions_to_switch_to(copy: Path) -> None:
    result = pytest_in(copy, "tests/exercises/test_nb00_warmup.py", "--solutions")
    assert result.returncode != 0 and "only the kit's repository has the solutions" in result.stderr


def test_an_exercise_file_that_sets_the_old_switch_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "eve"
    assert main(["--out", str(folder)]) == 0
    stub = folder / "notebooks" / "exercises" / "nb00_warmup.py"
    stub.write_text('import os\n\nos.environ["CHATKIT_EXERCISES"] = "solutions"\n' + stub.read_text())
    result = pytest_in(folder, "tests/exercises/test_nb00_warmup.py")
    assert "3 failed" in result.stdout, result.stdout[-3000:]


def test_a_copy_goes_only_into_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["--out", str(tmp_path)]) == EXIT_REFUSED


def test_the_home_is_found_from_a_folder_inside_the_copy(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATKIT_HOME", raising=False)
    assert find_home(copy / "notebooks" / "exercises").root == copy.resolve()
    monkeypatch.chdir(copy / "notebooks")
    assert find_home().root == copy.resolve()


def test_chatkit_home_names_the_copy(copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATKIT_HOME", str(copy))
    assert find_home(tmp_path).root == copy.resolve()
    monkeypatch.setenv("CHATKIT_HOME", str(tmp_path))
    with pytest.raises(CourseError, match="is it a course copy"):
        find_home()


def test_no_copy_around_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATKIT_HOME", raising=False)
    with pytest.raises(CourseError, match="student-copy --out"):
        find_home(tmp_path)


def test_check_reports_on_the_copy_it_runs_in(
    copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chatkit.lab import exercises

    monkeypatch.delenv("CHATKIT_HOME", raising=False)
    monkeypatch.chdir(copy / "notebooks")
    assert copy.resolve() == exercises.REPO  # notebook 04 reads its word list through it
    assert exercises.check("nb00_warmup") is False
    assert "nb00_warmup: 3 failed" in capsys.readouterr().out
