"""Make nbconvert's pages load their scripts from the site's assets/ folder, never from a CDN. Pure: text in, out.

nbconvert takes the URLs of require.js, the widget renderer and MathJax as settings, so those are pointed at
assets/ (see EXPORTER_SETTINGS). Two things need the page itself changed:
- Mermaid is loaded with `import()`, which Chromium refuses for file:// pages; its classic build (which sets
  `window.mermaid`) is loaded by a script tag instead, before require.js, whose `define` it would otherwise see;
- MathJax 3 is configured by `window.MathJax` set before it loads (nbconvert's configuration is for MathJax 2).
"""

import html
import re

from chatkit.book.errors import BookError

REQUIRE = "assets/requirejs/require.js"
WIDGETS = "assets/html-manager/embed-amd.js"
MATHJAX = "assets/mathjax/tex-svg-full.js"
MERMAID = "assets/mermaid/mermaid.min.js"

EXPORTER_SETTINGS = {
    "require_js_url": REQUIRE,
    "widget_renderer_url": WIDGETS,
    "mathjax_url": MATHJAX,
    "mermaid_js_url": MERMAID,
    "mermaid_layout_elk_js_url": "",  # no notebook asks for the ELK layout
}

# MathJax 3 reads window.MathJax as its configuration. The widget renderer typesets labels with MathJax 2's
# `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`, so Hub answers that call with MathJax 3's typesetting
# (before MathJax has loaded it does nothing: MathJax's first typeset covers the whole page).
MATHJAX_CONFIG = r"""<script>
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true
  },
  svg: {fontCache: "global"},
  Hub: {Queue: function () {}},
  startup: {
    ready: function () {
      MathJax.startup.defaultReady();
      MathJax.Hub = {Queue: function (job) {
        var element = job[2];
        var typeset = function () { return MathJax.typesetPromise([element]); };
        MathJax.startup.promise = MathJax.startup.promise.then(typeset);
      }};
    }
  }
};
</script>
"""

# What loads something: a script's or an image's src, a stylesheet's href, a CSS @import, a dynamic import().
LOADS = re.compile(
    r"""<(?:script|img|iframe|source|audio|video)\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']"""
    r"""|<link\b[^>]*?\bhref\s*=\s*["']([^"']+)["']"""
    r"""|@import\s+(?:url\()?\s*["']?([^"')\s;]+)"""
    r"""|\bimport\(\s*["']([^"']+)["']\s*\)""",
    re.IGNORECASE,
)
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, or protocol-relative //


def replace_once(page: str, old: str, new: str, what: str) -> str:
    """Replace the one place nbconvert wrote `old`; fail plainly if the template changed and it is not there."""
    count = page.count(old)
    if count != 1:
        raise BookError(f"expected nbconvert's page to hold {what} once ({old!r}), found it {count} times")
    return page.replace(old, new)


def replace_first(page: str, old: str, new: str, what: str) -> str:
    """Replace the first `old`, nbconvert's own (a notebook's HTML may hold another one further down)."""
    if old not in page:
        raise BookError(f"expected nbconvert's page to hold {what} ({old!r}), found none")
    return page.replace(old, new, 1)


def use_local_mermaid(page: str) -> str:
    """Load Mermaid's classic build from assets/ before require.js, and use it instead of importing the module."""
    page = replace_once(page, f'(await import("{MERMAID}")).default', "window.mermaid", "Mermaid's import")
    require = f'<script src="{REQUIRE}"></script>'
    return replace_once(page, require, f'<script src="{MERMAID}"></script>\n{require}', "require.js's script tag")


def use_local_mathjax(page: str) -> str:
    """Configure MathJax 3 for $...$ and $$...$$ just before the local copy loads."""
    tag = re.search(rf'<script src="{re.escape(MATHJAX)}">\s*</script>', page)
    if tag is None:
        raise BookError(f"expected nbconvert's page to load MathJax from {MATHJAX}, found no such script tag")
    return page[: tag.start()] + MATHJAX_CONFIG + page[tag.start() :]


def remote_loads(page: str) -> list[str]:
    """List every URL the page would fetch from the network (what it only links to does not count)."""
    found = (next(group for group in match.groups() if group) for match in LOADS.finditer(page))
    return [html.unescape(url) for url in found if REMOTE.match(html.unescape(url))]


def with_navigation(page: str, navigation: str) -> str:
    """Put a navigation bar at the top of the page's <main>."""
    return replace_first(page, "<main>", f"<main>\n{navigation}", "a <main> tag")


def only_local(page: str) -> str:
    """Return the page if it loads nothing from the network; fail, naming what it would load, if it does."""
    remote = remote_loads(page)
    if remote:
        raise BookError(f"expected the page to load only local files, but it still loads {remote[:5]}")
    return page


def make_offline(page: str) -> str:
    """Rewrite a page from nbconvert so that it loads nothing from the network; fail if something still would."""
    return only_local(use_local_mathjax(use_local_mermaid(page)))
