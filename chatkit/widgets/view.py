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


def close_all() -> None:
    """Close every open chatkit widget: its client, its flusher thread, its listeners (safe on a notebook re-run)."""
    for view in list(OPEN):
        view.close()
