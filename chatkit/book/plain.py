"""The book without npm (`chatkit book --no-npm`): pages that load no script at all. Pure: notebook or text in, out.

Every chatkit widget also carries a plain-text version of what it shows (chatkit/widgets/view.py); with the widget
views taken out of the outputs, nbconvert writes that text instead. That text is what the widget showed when it
was displayed (messages that came later are missing), so this is the lesser book. Diagrams stay as their Mermaid
source and formulas as TeX, since their renderers come from npm.
"""

import copy
import re

from nbformat import NotebookNode

from chatkit.book.errors import BookError
from chatkit.book.offline import MATHJAX, MERMAID, REQUIRE, only_local, replace_first, replace_once

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MERMAID_MODULE = re.compile(r'<script type="module">(?:(?!</script>).)*?import\("' + re.escape(MERMAID), re.DOTALL)
MATHJAX_TAG = re.compile(rf'<script src="{re.escape(MATHJAX)}">\s*</script>')
# nbconvert hides a diagram until Mermaid has drawn it; with no Mermaid, its source is what there is to read.
SHOW_DIAGRAM_SOURCE = "<style>.jp-Mermaid:not(.jp-RenderedMermaid) { display: block; }</style>\n</head>"


def without_widget_views(nb: NotebookNode) -> NotebookNode:
    """Return a copy of an executed notebook whose outputs show their plain text instead of widget views."""
    plain = copy.deepcopy(nb)
    plain.metadata.pop("widgets", None)
    for cell in plain.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return plain


def remove_mermaid_module(page: str) -> str:
    """Remove the module script that would import Mermaid."""
    start = MERMAID_MODULE.search(page)
    if start is None:
        raise BookError(f"expected nbconvert's page to import Mermaid from {MERMAID}, found no such script")
    end = page.index("</script>", start.end()) + len("</script>")
    return page[: start.start()] + page[end:]


def without_scripts(page: str) -> str:
    """Take out the tags that would load require.js, MathJax and Mermaid from assets/, and show diagrams' source."""
    page = replace_once(page, f'<script src="{REQUIRE}"></script>', "", "require.js's script tag")
    page = remove_mermaid_module(MATHJAX_TAG.sub("", page))
    return only_local(replace_first(page, "</head>", SHOW_DIAGRAM_SOURCE, "a </head> tag"))
