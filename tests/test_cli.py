"""The `chatkit` command: it lists its subcommands, hands each one the rest of the line, says plainly when one is
missing, and `chatkit lab` finds the student's own notebooks (tested with --dry-run: no JupyterLab is started)."""

import os
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest

from chatkit import cli
from chatkit.cli import lab

REPO = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 60


def run_chatkit(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m chatkit ARGS` with this checkout's package first on the path."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "chatkit", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=WAIT_SECONDS)


# --- the dispatcher ---


def test_help_lists_every_subcommand_with_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == cli.EXIT_OK
    shown = capsys.readouterr().out
    for name in ("lab", "server", "client", "student-copy", "grade", "book", "doctor"):
        assert f"  {name} " in shown, name
        assert cli.SUBCOMMANDS[name].summary in shown


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == cli.EXIT_USAGE
    assert "usage: chatkit COMMAND" in capsys.readouterr().err


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve"]) == cli.EXIT_USAGE
    assert "no command 'serve'" in capsys.readouterr().err


def test_the_subcommand_gets_the_rest_of_the_line_and_its_exit_code_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        received.append(argv)
        return 7

    fake = types.ModuleType("fake_subcommand")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_subcommand", fake)
    monkeypatch.setitem(cli.SUBCOMMANDS, "fake", cli.Subcommand("fake_subcommand", "a fake"))
    assert cli.main(["fake", "--help", "x"]) == 7
    assert received == [["--help", "x"]]


def test_a_subcommand_not_installed_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(cli.SUBCOMMANDS, "later", cli.Subcommand("chatkit.not_written_yet", "comes later"))
    assert cli.main(["later"]) == cli.EXIT_UNAVAILABLE
    assert "chatkit later: not available here" in capsys.readouterr().err


def test_a_bug_inside_a_subcommand_is_not_hidden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "broken_subcommand.py").write_text("import a_dependency_nobody_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli.SUBCOMMANDS, "broken", cli.Subcommand("broken_subcommand", "broken"))
    with pytest.raises(ModuleNotFoundError, match="a_dependency_nobody_installed"):
        cli.main(["broken"])


def test_this_branchs_own_subcommands_are_there() -> None:
    for name in ("lab", "server", "doctor"):
        assert callable(cli.find_main(name)), name


def test_pyproject_installs_the_command() -> None:
    with (REPO / "pyproject.toml").open("rb") as file:
        scripts = tomllib.load(file)["project"]["scripts"]
    assert scripts["chatkit"] == "chatkit.cli:main"


def test_python_m_chatkit_help_works_from_any_folder(tmp_path: Path) -> None:
    done = run_chatkit("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert all(name in done.stdout for name in cli.SUBCOMMANDS)


def test_chatkit_server_keeps_the_scripts_exit_codes(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "CHATKIT_PASSWORD"}
    done = run_chatkit("server", "--mode", "classic", "--port", "0", "--db", "chat.db", cwd=tmp_path, env=env)
    assert done.returncode == 4, done.stderr  # EXIT_NO_PASSWORD, as scripts/run_server.py
    assert "CHATKIT_PASSWORD" in done.stderr
    with pytest.raises(SystemExit) as stopped:
        cli.main(["server", "--padding-oracle"])
    assert stopped.value.code == cli.EXIT_USAGE


# --- chatkit lab ---


def make_copy(root: Path) -> Path:
    """Make the smallest student copy: a notebooks folder with one notebook."""
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "00-start-here.ipynb").write_text("{}")
    return root


def test_lab_takes_a_copy_or_its_notebooks_folder(tmp_path: Path) -> None:
    copy = make_copy(tmp_path / "copy")
    assert lab.find_notebooks(copy, tmp_path, {}) == copy / "notebooks"
    assert lab.find_notebooks(copy / "notebooks", tmp_path, {}) == copy / "notebooks"


def test_lab_looks_here_then_in_chatkit_home(tmp_path: Path) -> None:
    here, home = make_copy(tmp_path / "here"), make_copy(tmp_path / "home")
    assert lab.find_notebooks(None, here, {"CHATKIT_HOME": str(home)}) == here / "notebooks"
    assert lab.find_notebooks(None, tmp_path, {"CHATKIT_HOME": str(home)}) == home / "notebooks"
    assert lab.find_notebooks(None, tmp_path, {}) is None


def test_a_folder_given_is_the_only_one_tried(tmp_path: Path) -> None:
    here = make_copy(tmp_path / "here")
    assert lab.find_notebooks(tmp_path / "typo", here, {}) is None  # never falls back to ./notebooks


def test_lab_dry_run_prints_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = make_copy(tmp_path / "copy")
    assert cli.main(["lab", "--dry-run", str(copy)]) == lab.EXIT_OK
    command = capsys.readouterr().out.strip()
    assert "-m jupyterlab" in command
    assert command.endswith(str((copy / "notebooks").resolve()))


def test_lab_without_notebooks_says_how_to_make_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHATKIT_HOME", raising=False)
    assert lab.main(["--dry-run"]) == lab.EXIT_NO_NOTEBOOKS
    assert "chatkit student-copy --out DIR" in capsys.readouterr().err


def test_lab_runs_the_command_and_returns_its_exit_code() -> None:
    assert lab.run_until_stopped([sys.executable, "-c", "raise SystemExit(3)"]) == 3
