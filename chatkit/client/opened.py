"""What a codec gives back for a message it opened, in every mode."""

from dataclasses import dataclass

from chatkit.client.events import Problem


@dataclass(frozen=True)
class Opened:
    """A message a codec opened: its plaintext, and warnings to show with it (a gap before it, a look-alike name)."""

    text: str
    warnings: tuple[Problem, ...] = ()
