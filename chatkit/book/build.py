"""Build the book: choose the notebooks, fetch the page scripts, execute and render each notebook, write the index."""

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from chatkit.book.contents import Chapter, contents_page, navigation, notebook_title
from chatkit.book.errors import BookError
from chatkit.book.execute import CELL_SECONDS, execute_notebook, read_notebook
from chatkit.book.render import render_page
from chatkit.book.vendor import default_cache, vendor_assets

NUMBERED = re.compile(r"^\d\d-.+\.ipynb$")  # the walkthrough: 00-start-here.ipynb, 01-...; not instructor files


def numbered_notebooks(folder: Path) -> list[Path]:
    """Return the walkthrough's notebooks in folder, in order."""
    found = sorted(path for path in folder.glob("*.ipynb") if NUMBERED.match(path.name))
    if not found:
        raise BookError(f"expected numbered notebooks (00-name.ipynb, ...) in {folder}, found none")
    return found


def find_notebook(every: list[Path], name: str) -> Path:
    """Find one notebook by path, by file name, by name without .ipynb, or by its number ("02")."""
    if name.endswith(".ipynb") and Path(name).is_file():
        return Path(name)
    matches = [path for path in every if name in (path.name, path.stem) or path.name.startswith(f"{name}-")]
    if len(matches) != 1:
        shown = ", ".join(path.name for path in matches) or "none"
        raise BookError(f"expected {name!r} to name one notebook, found {len(matches)} ({shown})")
    return matches[0]


def choose_notebooks(folder: Path, names: Sequence[str] = ()) -> list[Path]:
    """Return every numbered notebook in folder, or only the ones named, in the walkthrough's order."""
    every = numbered_notebooks(folder)
    if not names:
        return every
    chosen = {find_notebook(every, name).resolve() for name in names}
    return sorted(chosen, key=lambda path: path.name)


def plan_chapters(notebooks: list[Path]) -> list[Chapter]:
    """Read each notebook's title before running anything, so every page can link to the others."""
    return [Chapter(path.stem, notebook_title(read_notebook(path), path.stem)) for path in notebooks]


def build_book(
    notebooks: list[Path],
    out: Path,
    cache: Path | None = None,
    cell_seconds: int = CELL_SECONDS,
    say: Callable[[str], None] = print,
    scripts: bool = True,
) -> list[Chapter]:
    """Write the site into out/: assets/, one page per notebook, index.html; return the chapters as they ran.

    With scripts=False nothing comes from npm and the pages load no script (widgets as their plain text)."""
    out.mkdir(parents=True, exist_ok=True)
    if scripts:
        vendor_assets(out, cache or default_cache())  # first, so a missing npm fails before minutes of running
    chapters = plan_chapters(notebooks)
    for index, path in enumerate(notebooks):
        say(f"running {path.name}")
        run = execute_notebook(path, cell_seconds)
        if run.problem is not None:
            say(f"{path.name} stopped early: {run.problem}")
            chapters[index] = dataclasses.replace(chapters[index], problem=run.problem)
        page = render_page(run.nb, chapters[index].title, navigation(chapters, index), scripts)
        (out / chapters[index].href).write_text(page, encoding="utf-8")
    (out / "index.html").write_text(contents_page(chapters), encoding="utf-8")
    return chapters
