"""Notebook 05, exercises: CBC is malleable.

In CBC the first plaintext block is D(C1) XOR IV. Whoever changes a byte of the IV changes the same byte of the
first plaintext block by exactly the same XOR, without knowing the key, and nothing tells the receiver.
"""

import base64  # noqa: F401 (the stub keeps the imports a solution needs)
import json  # noqa: F401

BLOCK_BYTES = 16


def xor(a: bytes, b: bytes) -> bytes:
    """Return a XOR b, byte by byte; raise ValueError if their lengths differ."""
    # BEGIN SOLUTION
    if len(a) != len(b):
        raise ValueError(f"xor needs two strings of the same length, got {len(a)} and {len(b)} bytes")
    return bytes(x ^ y for x, y in zip(a, b, strict=True))
    # END SOLUTION


def retarget(token: str, offset: int, known: bytes, wanted: bytes) -> str:
    """Return a token whose first block reads `wanted` at `offset` where the original read `known`.

    `token` is base64(IV || ciphertext), as a classic `say` line carries it. Only the IV changes, so the change
    must fit in the first block: raise ValueError if offset + len(known) > 16 or the lengths of known and wanted differ.
    Hint: new IV byte = old IV byte XOR known byte XOR wanted byte.
    """
    # BEGIN SOLUTION
    if len(known) != len(wanted) or offset < 0 or offset + len(known) > BLOCK_BYTES:
        raise ValueError("known and wanted must have the same length and fit in the first 16-byte block")
    raw = base64.b64decode(token)
    iv = bytearray(raw[:BLOCK_BYTES])
    end = offset + len(known)
    iv[offset:end] = xor(xor(bytes(iv[offset:end]), known), wanted)
    return base64.b64encode(bytes(iv) + raw[BLOCK_BYTES:]).decode("ascii")
    # END SOLUTION


def tamper_say(line: bytes, offset: int, known: bytes, wanted: bytes) -> bytes:
    """Return a classic `say` line with its ciphertext retargeted; return every other line unchanged.

    This is what a relay's tamper function does to each line on its way to the server.
    Hint: json.loads the line, change its "ciphertext", and json.dumps it back with a b"\\n" at the end.
    """
    # BEGIN SOLUTION
    frame = json.loads(line)
    if frame.get("type") != "say":
        return line
    frame["ciphertext"] = retarget(frame["ciphertext"], offset, known, wanted)
    return json.dumps(frame).encode() + b"\n"
    # END SOLUTION
