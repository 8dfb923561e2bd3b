"""A hash ratchet: a new key for every message, and old keys cannot be recomputed (notebook 11).

Each step turns the chain key into two keys with HMAC: the next chain key and this message's key. HMAC is
one-way, so someone who steals today's chain key cannot run it backwards to read yesterday's messages
(forward secrecy). Mixing in a fresh Diffie-Hellman secret (`heal`) locks a thief out of future messages too, if the
thief only copied the state and stays passive (docs/security.md, S14: the chat itself uses no ratchet yet).

>>> chain_key = bytes(32)                            # fixed, so the example always prints the same
>>> next_chain_key, message_key = ratchet_step(chain_key)
>>> message_key.hex()[:16], next_chain_key != chain_key, next_chain_key != message_key
('0ad00eeac4683c49', True, True)
>>> ratchet_step(chain_key) == (next_chain_key, message_key)     # both sides step alike
True
>>> healed = heal(next_chain_key, fresh_secret=b"from a new X25519 exchange")
>>> len(healed), healed != next_chain_key
(32, True)
"""

from cryptography.hazmat.primitives import hashes, hmac

from chatkit.crypto import labels
from chatkit.crypto.kdf import hkdf_sha256


def _hmac_sha256(key: bytes, data: bytes) -> bytes:
    """Return HMAC-SHA256 of data under key: a one-way function of both."""
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize()


def ratchet_step(chain_key: bytes) -> tuple[bytes, bytes]:
    """Advance the chain once; return (next chain key, key for this message)."""
    return _hmac_sha256(chain_key, labels.RATCHET_CHAIN_KEY), _hmac_sha256(chain_key, labels.RATCHET_MESSAGE_KEY)


def heal(chain_key: bytes, fresh_secret: bytes) -> bytes:
    """Mix a fresh shared secret (from a new X25519 exchange) into the chain: the new chain owes nothing to the old."""
    return hkdf_sha256(fresh_secret, labels.RATCHET_HEAL, salt=chain_key)
