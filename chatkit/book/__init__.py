"""The reading version of the notebooks: execute each one, write a static HTML site that opens offline.

    from chatkit.book import build_book
    pages = build_book(notebooks, out=Path("site"))   # or, from a terminal: chatkit book --out site

execute.py runs a notebook in a fresh kernel (widget state kept), vendor.py fetches the widget renderer, MathJax,
Mermaid and require.js from npm into a cache, render.py turns an executed notebook into a page that loads only
those local copies (offline.py rewrites what nbconvert points at a CDN; plain.py makes pages without any script,
for a machine without npm), contents.py writes the index page and the bar that links the pages, build.py runs it
all.
"""

from chatkit.book.build import build_book, choose_notebooks
from chatkit.book.errors import BookError

__all__ = ["BookError", "build_book", "choose_notebooks"]
