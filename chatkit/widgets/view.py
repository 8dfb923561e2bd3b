"""What every chatkit widget shares: a plain-text fallback, and a register so a notebook can close them all."""

import weakref
from typing import Any, Protocol


class Closable(Protocol):
    def close(self) -> None: ...


OPEN: "weakref.WeakSet[Any]" = weakref.WeakSet()  # every view not yet closed


class TextFallback:
    """Mix into a widget class: show `text()` where widgets cannot render (plain-text front ends, nbconvert)."""

    def text(self) -> str:
        """Return what the view shows, as plain text."""
        return ""

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if bundle is not None:
            bundle["text/plain"] = self.text()
        return bundle


def register(view: Closable) -> None:
    """Remember an open view, so close_all() can find it."""
    OPEN.add(view)


def forget(view: Closable) -> None:
    """Forget a view that was closed."""
    OPEN.discard(view)


def close_parts(widget: Any, source: Any = None, listener: Any = None) -> None:
    """Stop a view's flusher, stop listening to its source, close its child widgets, and forget it."""
    flusher = getattr(widget, "_flusher", None)
    if flusher is not None:
        flusher.close()
    listeners = getattr(source, "listeners", [])
    if listener in listeners:
        listeners.remove(listener)
    for child in getattr(widget, "children", ()):
        child.close()
    forget(widget)


def close_all() -> None:
    """Close every open chatkit widget: its client, its flusher thread, its listeners (safe on a notebook re-run)."""
    for view in list(OPEN):
        view.close()
