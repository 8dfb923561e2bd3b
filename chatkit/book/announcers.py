"""Leave the screen-reader announcers out of the book: a page that is read, not chatted in, has nothing to announce.

Each chat widget holds a LiveRegion (chatkit/widgets/live_region.py), whose front end is JavaScript that anywidget
loads at run time; the book's offline widget renderer cannot load it and would draw an error box in its place. The
region is empty in a saved page anyway (it only ever announces rows as they arrive), so it is dropped from the
saved widget state, and so is every reference to it from the widgets that held it.
"""

from typing import Any

from nbformat import NotebookNode

STATE_KEY = "application/vnd.jupyter.widget-state+json"
ANNOUNCER_MODULE = "anywidget"


def without_announcers(nb: NotebookNode) -> NotebookNode:
    """Drop every anywidget model from a notebook's saved widget state, and the references to them."""
    saved = nb.metadata.get("widgets", {}).get(STATE_KEY)
    if not saved:
        return nb
    models: dict[str, Any] = saved["state"]
    dropped = {model_id for model_id, model in models.items() if model.get("model_module") == ANNOUNCER_MODULE}
    for model_id in dropped:
        del models[model_id]
    references = {f"IPY_MODEL_{model_id}" for model_id in dropped}
    for model in models.values():
        children = model.get("state", {}).get("children")
        if isinstance(children, list):
            model["state"]["children"] = [child for child in children if child not in references]
    return nb
