"""Notebook 11, exercises: per-message keys, what a thief with a stolen chain key can read, and healing.

Use chatkit.crypto.ratchet (ratchet_step, heal) and chatkit.lab.chain (Sealed, open_with).
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey  # noqa: F401

from chatkit.crypto import CannotDecrypt, ratchet  # noqa: F401
from chatkit.lab.chain import Sealed, open_with  # noqa: F401


def message_keys(chain_key: bytes, count: int) -> list[bytes]:
    """Return the keys of the next `count` messages of a chain that starts at `chain_key`."""
    # BEGIN SOLUTION
    keys = []
    for _ in range(count):
        chain_key, message_key = ratchet.ratchet_step(chain_key)
        keys.append(message_key)
    return keys
    # END SOLUTION


def read_after_theft(stolen: bytes, captured: list[Sealed], lookahead: int = 50) -> dict[int, str]:
    """Return {message number: text} for every captured message the stolen state opens.

    Try the stolen bytes themselves as a key, and the keys of the next `lookahead` messages; skip what fails.
    """
    # BEGIN SOLUTION
    candidates = [stolen, *message_keys(stolen, lookahead)]
    read: dict[int, str] = {}
    for message in captured:
        for key in candidates:
            try:
                read[message.number] = open_with(key, message)
                break
            except CannotDecrypt:
                continue
    return read
    # END SOLUTION


def healed_chain_key(chain_key: bytes, mine: X25519PrivateKey, their_public: bytes) -> bytes:
    """Return the chain key after one Diffie-Hellman step: mix the X25519 secret of `mine` and `their_public` in."""
    # BEGIN SOLUTION
    fresh = mine.exchange(X25519PublicKey.from_public_bytes(their_public))
    return ratchet.heal(chain_key, fresh)
    # END SOLUTION
