"""Turn an executed notebook into one page of the book with nbconvert's HTML exporter (JupyterLab's look).

The exporter embeds the widget state the execution recorded, and the page draws the widgets from it with the
local widget renderer; offline.py makes sure the page asks no CDN for anything. Without npm (scripts=False) the
page loads no script at all and shows each widget's plain text (plain.py).
"""

from nbconvert import HTMLExporter
from nbformat import NotebookNode

from chatkit.book.announcers import without_announcers
from chatkit.book.offline import EXPORTER_SETTINGS, make_offline, with_navigation
from chatkit.book.plain import without_scripts, without_widget_views


def export(nb: NotebookNode, title: str) -> str:
    """Export a notebook as nbconvert's page, every script pointed at the site's assets/ folder."""
    exporter = HTMLExporter(template_name="lab", **EXPORTER_SETTINGS)  # type: ignore[no-untyped-call]
    page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return page


def render_page(nb: NotebookNode, title: str, navigation: str, scripts: bool = True) -> str:
    """Render an executed notebook as a page that works offline, with the book's navigation bar on top."""
    nb = without_announcers(nb)
    page = make_offline(export(nb, title)) if scripts else without_scripts(export(without_widget_views(nb), title))
    return with_navigation(page, navigation)
