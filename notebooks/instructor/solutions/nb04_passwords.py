"""Notebook 04, exercises: recover a room password from one captured line, then precompute and reuse.

Classic mode derives its key with PBKDF2-HMAC-SHA256, a static salt and 100,000 iterations (chatkit.crypto.kdf),
and every newcomer's 'hello' carries their name encrypted under that key: a known plaintext to test guesses on.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
import json  # noqa: F401

from chatkit.crypto import CannotDecrypt, classic, kdf  # noqa: F401


def name_and_proof(hello_line: bytes) -> tuple[str, str]:
    """Return the (name, proof) fields of a captured 'hello' line."""
    # BEGIN SOLUTION
    frame = json.loads(hello_line)
    return frame["name"], frame["proof"]
    # END SOLUTION


def key_fits(key: bytes, name: str, proof: str) -> bool:
    """Return True if `key` decrypts the proof to the name (a wrong key fails to decrypt or gives other text)."""
    # BEGIN SOLUTION
    try:
        return classic.decrypt(key, proof) == name
    except CannotDecrypt:
        return False
    # END SOLUTION


def recover_password(hello_line: bytes, words: list[str]) -> str | None:
    """Try each word as the password (kdf.classic_key) on one captured hello line; return the right one or None."""
    # BEGIN SOLUTION
    name, proof = name_and_proof(hello_line)
    for word in words:
        if key_fits(kdf.classic_key(word), name, proof):
            return word
    return None
    # END SOLUTION


def precompute(words: list[str]) -> dict[str, bytes]:
    """Return {word: classic key} for every word: the slow part, done once for every deployment there is."""
    # BEGIN SOLUTION
    return {word: kdf.classic_key(word) for word in words}
    # END SOLUTION


def look_up(table: dict[str, bytes], hello_line: bytes) -> str | None:
    """Find the password of a captured hello line in a precomputed table, without deriving any key."""
    # BEGIN SOLUTION
    name, proof = name_and_proof(hello_line)
    return next((word for word, key in table.items() if key_fits(key, name, proof)), None)
    # END SOLUTION
