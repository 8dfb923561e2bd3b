"""The book builder's parts without a browser: contents, offline rewriting, npm tarballs, choosing notebooks,
one real execution (widget state kept, a failure reported), and the command's answers when it cannot build.

The whole book in a real browser, with the network blocked, is tests/browser/test_book.py.
"""

import io
import tarfile
from pathlib import Path

import nbformat
import pytest

from chatkit.book import BookError, choose_notebooks
from chatkit.book.contents import Chapter, contents_page, navigation, notebook_title
from chatkit.book.execute import execute_notebook
from chatkit.book.offline import MATHJAX, MERMAID, REQUIRE, WIDGETS, make_offline, remote_loads, use_local_mermaid
from chatkit.book.plain import WIDGET_VIEW, without_widget_views
from chatkit.book.render import render_page
from chatkit.book.vendor import Package, fetch, packed_name, unpack
from chatkit.cli import book

WIDGET_STATE = {
    "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0},
}


def notebook(*cells: nbformat.NotebookNode, widgets: bool = False) -> nbformat.NotebookNode:
    """Make a notebook from cells, with an (empty) widget state when asked."""
    nb = nbformat.v4.new_notebook(cells=list(cells))
    if widgets:
        nb.metadata["widgets"] = WIDGET_STATE
    return nb


def markdown(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source)


def code(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


# --- contents and navigation ---


def test_the_title_is_the_first_level_one_heading() -> None:
    nb = notebook(code("# a comment, not a heading"), markdown("intro\n## a section\n# 02 · A chat tour\n# later"))
    assert notebook_title(nb, "02-chat-tour") == "02 · A chat tour"
    assert notebook_title(notebook(markdown("## only a section")), "02-chat-tour") == "02-chat-tour"


def test_the_contents_page_lists_the_chapters_in_order_and_escapes_titles() -> None:
    chapters = [Chapter("00-start-here", "00 · Start here"), Chapter("01-x", "01 · <b>bold</b> & co", "boom")]
    page = contents_page(chapters)
    assert page.index('href="00-start-here.html"') < page.index('href="01-x.html"')
    assert "01 · &lt;b&gt;bold&lt;/b&gt; &amp; co" in page and "<b>bold</b>" not in page
    assert "stopped early: boom" in page
    assert "stopped early" not in page.split('href="01-x.html"')[0], "only the failed chapter says it stopped"


def test_navigation_links_the_contents_and_the_neighbours() -> None:
    chapters = [Chapter("00-a", "A"), Chapter("01-b", "B"), Chapter("02-c", "C")]
    first, middle, last = (navigation(chapters, index) for index in range(3))
    assert 'href="index.html"' in first and 'rel="prev"' not in first and 'href="01-b.html"' in first
    assert 'rel="prev" href="00-a.html"' in middle and 'rel="next" href="02-c.html"' in middle
    assert 'rel="next"' not in last


# --- offline: nothing from a CDN ---


def test_remote_loads_finds_what_would_be_fetched_and_not_plain_links() -> None:
    page = """
    <script src="https://cdn.example/require.js"></script>
    <link rel="stylesheet" href="//fonts.example/css">
    <style>@import url('http://styles.example/a.css');</style>
    <script type="module">const m = await import("https://cdn.example/mermaid.mjs");</script>
    <img src="data:image/png;base64,AAAA"> <script src="assets/local.js"></script>
    <a href="https://www.rfc-editor.org/rfc/rfc5869">RFC 5869</a>
    """
    assert remote_loads(page) == [
        "https://cdn.example/require.js",
        "//fonts.example/css",
        "http://styles.example/a.css",
        "https://cdn.example/mermaid.mjs",
    ]


def test_a_rendered_page_loads_only_local_assets() -> None:
    nb = notebook(
        markdown("# 05 · Math\n\n$P_i = D_K(C_i) \\oplus C_{i-1}$"),
        markdown("```mermaid\nsequenceDiagram\n    A->>B: hi\n```"),
        widgets=True,
    )
    page = render_page(nb, "05 · Math", '<nav id="book-nav">contents</nav>')
    assert remote_loads(page) == []
    for local in (REQUIRE, WIDGETS, MATHJAX, MERMAID):
        assert local in page, f"the page should load {local}"
    assert page.index(f'<script src="{MERMAID}">') < page.index(f'<script src="{REQUIRE}">'), (
        "Mermaid's classic build must load before require.js defines `define`"
    )
    assert page.index("window.MathJax = {") < page.index(f'<script src="{MATHJAX}">'), "MathJax 3 reads its config"
    assert f'import("{MERMAID}")' not in page and "window.mermaid" in page, "file:// pages cannot import()"
    assert page.index("<main>") < page.index('<nav id="book-nav">') < page.index("<h1")


def test_the_navigation_goes_into_nbconvert_main_not_one_a_notebook_shows() -> None:
    nb = notebook(markdown("# t\n\n<main>a notebook's own main</main>"))
    page = render_page(nb, "t", '<nav id="book-nav"></nav>')
    assert page.count('<nav id="book-nav">') == 1
    assert page.index('<nav id="book-nav">') < page.index("a notebook's own main")


def test_make_offline_refuses_a_page_that_still_loads_from_a_cdn() -> None:
    nb = notebook(markdown('# t\n\n<img src="https://images.example/x.png">'))
    with pytest.raises(BookError, match="still loads"):
        render_page(nb, "t", "<nav></nav>")


def test_the_rewrites_fail_plainly_when_nbconvert_changes_its_page() -> None:
    with pytest.raises(BookError, match="Mermaid's import"):
        use_local_mermaid("<html><head></head><body></body></html>")
    with pytest.raises(BookError, match="MathJax"):
        make_offline(f'<script src="{REQUIRE}"></script><script>(await import("{MERMAID}")).default</script>')


# --- without npm: no scripts, widgets as plain text ---


def widget_output(text: str) -> nbformat.NotebookNode:
    """Make a code cell whose output is a widget view with its plain-text fallback, as the chat widgets give."""
    cell = code("chat")
    view = {"version_major": 2, "version_minor": 0, "model_id": "abc"}
    cell.outputs = [nbformat.v4.new_output("display_data", data={WIDGET_VIEW: view, "text/plain": text})]
    return cell


def test_without_widget_views_keeps_the_plain_text_and_leaves_the_original_alone() -> None:
    nb = notebook(widget_output("alice in general"), widgets=True)
    plain = without_widget_views(nb)
    assert plain.cells[0].outputs[0].data == {"text/plain": "alice in general"}
    assert "widgets" not in plain.metadata
    assert WIDGET_VIEW in nb.cells[0].outputs[0].data and "widgets" in nb.metadata


def test_a_page_without_npm_loads_no_script_and_shows_the_text() -> None:
    nb = notebook(
        markdown("# 02 · Tour\n\n$x^2$\n\n```mermaid\nsequenceDiagram\n    A->>B: hi\n```"),
        widget_output("alice in general (classic)"),
        widgets=True,
    )
    page = render_page(nb, "02 · Tour", "<nav></nav>", scripts=False)
    assert "<script src=" not in page and "import(" not in page
    assert "alice in general (classic)" in page
    assert "sequenceDiagram" in page and ".jp-Mermaid:not(.jp-RenderedMermaid) { display: block; }" in page


def test_the_command_builds_without_npm_when_asked(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    out = tmp_path / "site"
    assert book.main(["--out", str(out), "--from", str(folder), "--no-npm", "00"]) == book.BUILT
    assert '<a href="00-start-here.html">00-start-here</a>' in (out / "index.html").read_text()
    assert (out / "00-start-here.html").is_file() and not (out / "assets").exists()


# --- npm tarballs ---


def make_tarball(path: Path, files: dict[str, bytes]) -> Path:
    """Write a gzipped tarball like the ones `npm pack` makes (everything under package/)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


PACKAGE = Package("@scope/renderer", "1.2.3", ("dist/embed.js", "dist/*.woff2", "package.json"), "renderer")


def test_the_tarball_name_is_the_one_npm_pack_writes() -> None:
    assert PACKAGE.tarball == "scope-renderer-1.2.3.tgz"
    assert PACKAGE.spec == "@scope/renderer@1.2.3"


def test_the_tarball_name_is_read_from_what_npm_printed() -> None:
    assert packed_name('[{"filename": "scope-renderer-1.2.3.tgz", "files": []}]', PACKAGE) == PACKAGE.tarball
    with pytest.raises(BookError, match="to print JSON naming its tarball"):
        packed_name("npm notice: something else", PACKAGE)


def test_unpack_copies_only_what_the_page_needs_into_its_folder(tmp_path: Path) -> None:
    files = {
        "package/dist/embed.js": b"js",
        "package/dist/icons.woff2": b"font",
        "package/src/index.ts": b"source",
        "package/package.json": b"{}",
        "other/dist/embed.js": b"outside package/",
    }
    tarball = make_tarball(tmp_path / PACKAGE.tarball, files)
    copied = unpack(tarball, PACKAGE, tmp_path / "assets")
    assert sorted(path.name for path in copied) == ["embed.js", "icons.woff2", "package.json"]
    assert (tmp_path / "assets" / "renderer" / "embed.js").read_bytes() == b"js"


def test_a_cached_tarball_needs_no_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    cached = make_tarball(tmp_path / PACKAGE.tarball, {"package/dist/embed.js": b"js"})
    assert fetch(PACKAGE, tmp_path) == cached


def test_without_npm_and_cache_the_error_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(BookError, match="needs npm.*apt-get install npm"):
        fetch(PACKAGE, tmp_path / "empty-cache")


# --- choosing notebooks ---


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A notebooks folder: three numbered notebooks, and files the book leaves out."""
    for name in ("00-start-here", "01-sockets", "02-chat-tour", "notes"):
        nbformat.write(notebook(markdown(f"# {name}")), tmp_path / f"{name}.ipynb")
    (tmp_path / "instructor").mkdir()
    nbformat.write(notebook(), tmp_path / "instructor" / "03-solutions.ipynb")
    return tmp_path


def test_every_numbered_notebook_in_order(folder: Path) -> None:
    assert [path.name for path in choose_notebooks(folder)] == [
        "00-start-here.ipynb",
        "01-sockets.ipynb",
        "02-chat-tour.ipynb",
    ]


def test_notebooks_named_by_number_name_or_path_come_in_order(folder: Path) -> None:
    chosen = choose_notebooks(folder, ["02", "00-start-here.ipynb", str(folder / "01-sockets.ipynb"), "02-chat-tour"])
    assert [path.name for path in chosen] == ["00-start-here.ipynb", "01-sockets.ipynb", "02-chat-tour.ipynb"]


def test_a_name_that_matches_no_notebook_is_refused(folder: Path) -> None:
    with pytest.raises(BookError, match="'07' to name one notebook, found 0"):
        choose_notebooks(folder, ["07"])
    (folder / "empty").mkdir()
    with pytest.raises(BookError, match="found none"):
        choose_notebooks(folder / "empty")


# --- one real execution ---


THREAD_CELL = """\
import threading
import ipywidgets
label = ipywidgets.Label("set by the cell")
display(label)
threading.Timer(0.1, lambda: setattr(label, "value", "set by a thread")).start()  # once no cell runs any more
"""


def widget_values(nb: nbformat.NotebookNode, model_name: str) -> list[object]:
    """Return the value of every widget of one kind in an executed notebook's stored widget state."""
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return [entry["state"].get("value") for entry in state.values() if entry["model_name"] == model_name]


def test_execution_keeps_what_a_thread_shows_after_the_last_cell(tmp_path: Path) -> None:
    path = tmp_path / "00-widgets.ipynb"
    nbformat.write(notebook(markdown("# widgets"), code(THREAD_CELL)), path)
    run = execute_notebook(path, cell_seconds=30)
    assert run.problem is None
    assert widget_values(run.nb, "LabelModel") == ["set by a thread"]


def test_execution_reports_where_it_stopped_and_keeps_the_widgets_before(tmp_path: Path) -> None:
    path = tmp_path / "00-stops.ipynb"
    cells = [code("import ipywidgets\nipywidgets.IntSlider(7)"), code("raise ValueError('on purpose')")]
    nbformat.write(notebook(*cells, code("print('never runs')")), path)
    run = execute_notebook(path, cell_seconds=30)
    assert run.problem == "ValueError: on purpose"
    assert widget_values(run.nb, "IntSliderModel") == [7]
    assert run.nb.cells[2].get("outputs", []) == [], "the cells after the failure did not run"


# --- the command ---


def test_the_command_without_npm_fails_plainly_before_running_anything(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    out = tmp_path / "site"
    exit_code = book.main(["--out", str(out), "--from", str(folder), "--cache", str(tmp_path / "cache"), "00"])
    assert exit_code == book.FAILED
    assert "needs npm" in capsys.readouterr().err
    assert not (out / "index.html").exists()


def test_the_command_names_the_notebook_it_cannot_find(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert book.main(["--out", str(tmp_path / "site"), "--from", str(folder), "99"]) == book.FAILED
    assert "'99' to name one notebook" in capsys.readouterr().err


def test_the_screen_reader_announcers_are_left_out_of_a_page() -> None:
    from nbformat import from_dict

    from chatkit.book.announcers import STATE_KEY, without_announcers

    state = {
        "box": {"model_module": "@jupyter-widgets/controls", "state": {"children": ["IPY_MODEL_log", "IPY_MODEL_say"]}},
        "log": {"model_module": "@jupyter-widgets/controls", "state": {}},
        "say": {"model_module": "anywidget", "state": {"_esm": "export default {}"}},
    }
    nb = from_dict({"cells": [], "metadata": {"widgets": {STATE_KEY: {"state": state}}}})
    kept = without_announcers(nb).metadata["widgets"][STATE_KEY]["state"]
    assert sorted(kept) == ["box", "log"]
    assert kept["box"]["state"]["children"] == ["IPY_MODEL_log"]
