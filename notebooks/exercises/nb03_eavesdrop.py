"""Notebook 03, exercises: what the server and the network see in classic mode.

You get what an attacker gets: the server's SQLite file, or the lines a relay captured on the network.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
import base64  # noqa: F401
import json  # noqa: F401
import sqlite3  # noqa: F401
from contextlib import closing  # noqa: F401

BLOCK = 16  # AES block size in bytes


def read_server_log(db_path: str) -> list[tuple[str, str, str]]:
    """Return (room, sender, payload) for every row of the server's `messages` table, oldest first."""
    raise NotImplementedError("your code here: replace this line")


def who_talked_where(lines: list[bytes]) -> list[tuple[str, str]]:
    """From captured wire lines, return (room, sender) of every 'message' line, in order; skip everything else."""
    raise NotImplementedError("your code here: replace this line")


def classic_token_length(text: str) -> int:
    """Return how many bytes base64-decoded classic ciphertext has for `text`: a 16-byte IV plus PKCS7-padded blocks."""
    raise NotImplementedError("your code here: replace this line")


def guess_from_length(token: str, candidates: list[str]) -> str:
    """Return the candidate answer whose classic ciphertext length matches the captured base64 `token`."""
    raise NotImplementedError("your code here: replace this line")
