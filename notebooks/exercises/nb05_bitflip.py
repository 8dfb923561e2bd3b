"""Notebook 05, exercises: CBC is malleable.

In CBC the first plaintext block is D(C1) XOR IV. Whoever changes a byte of the IV changes the same byte of the
first plaintext block by exactly the same XOR, without knowing the key, and nothing tells the receiver.
"""

import base64  # noqa: F401 (the stub keeps the imports a solution needs)
import json  # noqa: F401

BLOCK_BYTES = 16


def xor(a: bytes, b: bytes) -> bytes:
    """Return a XOR b, byte by byte; raise ValueError if their lengths differ."""
    raise NotImplementedError("your code here: replace this line")


def retarget(token: str, offset: int, known: bytes, wanted: bytes) -> str:
    """Return a token whose first block reads `wanted` at `offset` where the original read `known`.

    `token` is base64(IV || ciphertext), as a classic `say` line carries it. Only the IV changes, so the change
    must fit in the first block: raise ValueError if offset + len(known) > 16 or the lengths of known and wanted differ.
    Hint: new IV byte = old IV byte XOR known byte XOR wanted byte.
    """
    raise NotImplementedError("your code here: replace this line")


def tamper_say(line: bytes, offset: int, known: bytes, wanted: bytes) -> bytes:
    """Return a classic `say` line with its ciphertext retargeted; return every other line unchanged.

    This is what a relay's tamper function does to each line on its way to the server.
    Hint: json.loads the line, change its "ciphertext", and json.dumps it back with a b"\\n" at the end.
    """
    raise NotImplementedError("your code here: replace this line")
