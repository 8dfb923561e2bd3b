"""The book's table of contents and the bar that links the pages in order. Pure: notebooks and names in, HTML out."""

import html
from dataclasses import dataclass

from nbformat import NotebookNode

STYLE = """body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
  color: #1a1a1a; background: #ffffff; line-height: 1.5; }
a { color: #0b57d0; }
ul { list-style: none; padding: 0; }
li { margin: 0.4rem 0; }
.problem { color: #b00020; }"""

# The bar sits in nbconvert's page, so it takes JupyterLab's theme variables (with light fallbacks).
NAV_STYLE = """<style>
.chatkit-book-nav { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; padding: 0.75rem 1rem;
  border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); font-family: var(--jp-ui-font-family, sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #1a1a1a); }
.chatkit-book-nav a { color: var(--jp-content-link-color, #0b57d0); text-decoration: underline; }
.chatkit-book-nav .note { margin-left: auto; }
</style>"""
READING_NOTE = "A reading copy: the chat windows show how the run ended. To chat, open the notebook in JupyterLab."


@dataclass(frozen=True)
class Chapter:
    """One page of the book: the notebook's name, its title, and what went wrong running it (None: nothing)."""

    name: str  # the notebook's file name without .ipynb, e.g. "02-chat-tour"
    title: str
    problem: str | None = None

    @property
    def href(self) -> str:
        """Return the page's file name in the site."""
        return f"{self.name}.html"


def notebook_title(nb: NotebookNode, fallback: str) -> str:
    """Return the text of the notebook's first level-one heading, or the fallback when it has none."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        source: str = cell.source
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return fallback


def contents_entry(chapter: Chapter) -> str:
    """Render one line of the table of contents: a link, and a warning if the notebook did not run to the end."""
    link = f'<a href="{html.escape(chapter.href)}">{html.escape(chapter.title)}</a>'
    if chapter.problem is None:
        return f"<li>{link}</li>"
    return f'<li>{link} <span class="problem">(stopped early: {html.escape(chapter.problem)})</span></li>'


def contents_page(chapters: list[Chapter], heading: str = "chatkit: the notebooks, executed") -> str:
    """Render the index page: the notebooks in order, each linked to its page."""
    entries = "\n".join(contents_entry(chapter) for chapter in chapters)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(heading)}</title>
<style>
{STYLE}
</style>
</head>
<body>
<main>
<h1>{html.escape(heading)}</h1>
<p>Every notebook run top to bottom in a fresh kernel, with its outputs and the chat windows as they were at the
end. To chat yourself, open the notebooks in JupyterLab.</p>
<ul>
{entries}
</ul>
</main>
</body>
</html>
"""


def navigation(chapters: list[Chapter], index: int) -> str:
    """Render the bar at the top of a page: the contents, and the pages before and after this one."""
    links = ['<a href="index.html">Contents</a>']
    if index > 0:
        before = chapters[index - 1]
        links.append(f'<a rel="prev" href="{html.escape(before.href)}">&larr; {html.escape(before.title)}</a>')
    if index + 1 < len(chapters):
        after = chapters[index + 1]
        links.append(f'<a rel="next" href="{html.escape(after.href)}">{html.escape(after.title)} &rarr;</a>')
    links.append(f'<span class="note">{READING_NOTE}</span>')
    return f'{NAV_STYLE}\n<nav aria-label="book" class="chatkit-book-nav">{"".join(links)}</nav>'
