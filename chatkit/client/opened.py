"""What a codec gives back for a message it opened, in every mode, and the one refusal for one it could not open."""

from dataclasses import dataclass

from chatkit.client.events import Problem
from chatkit.crypto import CANNOT_DECRYPT
from chatkit.protocol import Frame, Refused


@dataclass(frozen=True)
class Opened:
    """A message a codec opened: its plaintext, and warnings to show with it (a gap before it, a look-alike name)."""

    text: str
    warnings: tuple[Problem, ...] = ()


def cannot_decrypt(message: Frame) -> Refused:
    """Return the one refusal for every way a message can fail to open (one error for all, S7)."""
    return Refused("cannot_decrypt", f"{CANNOT_DECRYPT} (from {message['sender']})")
