"""Turn an executed notebook into one page of the book with nbconvert's HTML exporter (JupyterLab's look).

The exporter embeds the widget state the execution recorded, and the page draws the widgets from it with the
local widget renderer; offline.py makes sure the page asks no CDN for anything.
"""

from nbconvert import HTMLExporter
from nbformat import NotebookNode

from chatkit.book.offline import EXPORTER_SETTINGS, make_offline, with_navigation


def exporter() -> HTMLExporter:
    """Make an HTML exporter that points every script at the site's assets/ folder."""
    return HTMLExporter(template_name="lab", **EXPORTER_SETTINGS)  # type: ignore[no-untyped-call]


def render_page(nb: NotebookNode, title: str, navigation: str) -> str:
    """Render an executed notebook as a page that works offline, with the book's navigation bar on top."""
    page, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return with_navigation(make_offline(page), navigation)
