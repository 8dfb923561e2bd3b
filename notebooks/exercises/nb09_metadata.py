"""Notebook 09, exercises: what a sealed server still learns without reading a single message.

The sealed server stores and relays ciphertext only, but each row and each line still says who, where, when and
roughly how long. You get what the server operator (or whoever copies its database) gets.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
import base64  # noqa: F401
import json  # noqa: F401
import sqlite3  # noqa: F401
from contextlib import closing  # noqa: F401

GCM_TAG_BYTES = 16  # AES-GCM appends a 16-byte tag to the ciphertext
BUCKET_BYTES = 32  # the sealed client pads every text to a whole number of 32-byte buckets before sealing


def sealed_padded_length(token: str) -> int:
    """Return how many padded plaintext bytes a sealed message's base64 `ciphertext` field carries.

    That is the text's length rounded up to a whole bucket (a marker byte always comes after the text), and it is
    all about size that the server learns.
    """
    raise NotImplementedError("your code here: replace this line")


def stored_metadata(db_path: str) -> list[tuple[str, str, str, int]]:
    """Return (room, sender, sent_at, padded length) for every stored message, oldest first.

    The `messages` table has columns room, sender, sent_at and payload; in sealed mode the payload is a JSON object
    whose `ciphertext` field is base64.
    """
    raise NotImplementedError("your code here: replace this line")


def who_talks_where(lines: list[bytes]) -> dict[str, list[str]]:
    """From captured wire lines, return {room: senders in the order they first spoke} for every 'message' line."""
    raise NotImplementedError("your code here: replace this line")
