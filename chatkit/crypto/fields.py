"""Read the fields of a JSON message that came from someone else, refusing each bad one with a sentence.

The hybrid exchange and the group's changes both carry bytes as base64 text in JSON objects. A missing field,
text that is not base64 or bytes of the wrong length must raise the caller's own error (HandshakeFailed,
BadChange), never a bare KeyError or binascii.Error that a student cannot act on.

>>> from chatkit.crypto.errors import HandshakeFailed
>>> offer = {"session": b64(bytes(16))}
>>> raw_field(offer, "session", "offer", HandshakeFailed, size=16) == bytes(16)
True
>>> raw_field(offer, "x25519", "offer", HandshakeFailed)
Traceback (most recent call last):
    ...
chatkit.crypto.errors.HandshakeFailed: key exchange failed: the offer has no 'x25519' field
"""

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

ErrorClass = Callable[[str], ValueError]  # HandshakeFailed, BadChange: built from one sentence


def b64(data: bytes) -> str:
    """Return bytes as base64 text, as JSON carries them."""
    return base64.b64encode(data).decode("ascii")


def message_fields(message: object, what: str, error: ErrorClass) -> Mapping[str, Any]:
    """Return the message if it is a JSON object, else raise error."""
    if not isinstance(message, Mapping):
        raise error(f"the {what} should be a JSON object, got {type(message).__name__}")
    return message


def text_field(message: Mapping[str, Any], name: str, what: str, error: ErrorClass) -> str:
    """Return a text field of a message, or raise error saying which field is missing or not text."""
    if name not in message:
        raise error(f"the {what} has no {name!r} field")
    value = message[name]
    if not isinstance(value, str):
        raise error(f"the {what}'s {name!r} should be text, got {type(value).__name__}")
    return value


def raw_field(message: Mapping[str, Any], name: str, what: str, error: ErrorClass, size: int | None = None) -> bytes:
    """Return the bytes a base64 field holds, checking their length if `size` is given."""
    text = text_field(message, name, what, error)
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise error(f"the {what}'s {name!r} is not valid base64") from None
    if size is not None and len(data) != size:
        raise error(f"the {what}'s {name!r} should be {size} bytes, got {len(data)}")
    return data


def number_field(message: Mapping[str, Any], name: str, what: str, error: ErrorClass) -> int:
    """Return a whole-number field of a message (not a bool, not negative), or raise error."""
    if name not in message:
        raise error(f"the {what} has no {name!r} field")
    value = message[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise error(f"the {what}'s {name!r} should be a whole number from 0, got {value!r}")
    return value
