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
    # BEGIN SOLUTION
    with closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT room, sender, payload FROM messages ORDER BY id").fetchall()
    return [(room, sender, payload) for room, sender, payload in rows]
    # END SOLUTION


def who_talked_where(lines: list[bytes]) -> list[tuple[str, str]]:
    """From captured wire lines, return (room, sender) of every 'message' line, in order; skip everything else."""
    # BEGIN SOLUTION
    seen = []
    for line in lines:
        frame = json.loads(line)
        if frame.get("type") == "message":
            seen.append((frame["room"], frame["sender"]))
    return seen
    # END SOLUTION


def classic_token_length(text: str) -> int:
    """Return how many bytes base64-decoded classic ciphertext has for `text`: a 16-byte IV plus PKCS7-padded blocks."""
    # BEGIN SOLUTION
    size = len(text.encode("utf-8"))
    return BLOCK + (size // BLOCK + 1) * BLOCK
    # END SOLUTION


def guess_from_length(token: str, candidates: list[str]) -> str:
    """Return the candidate answer whose classic ciphertext length matches the captured base64 `token`."""
    # BEGIN SOLUTION
    observed = len(base64.b64decode(token))
    matching = [text for text in candidates if classic_token_length(text) == observed]
    return matching[0] if matching else ""
    # END SOLUTION
