"""Key derivation: turn a password into a key, slowly on purpose.

classic: PBKDF2-HMAC-SHA256, a static salt and 100,000 iterations, exactly as the original design did.
sealed: the room's creator chooses a random salt and the KDF (room_params.py): Argon2id with OWASP's m=19 MiB, t=2,
p=1 by default, or PBKDF2-HMAC-SHA256 at 600,000 iterations or more (OWASP's figure), then HKDF with a label so the
key belongs to one room, its parameters and one purpose. scrypt is here for comparison (notebook 04).

The same password and salt always give the same key; that is what lets two people derive it apart:

>>> key = classic_key("hunter2")
>>> len(key), key == classic_key("hunter2"), key == classic_key("hunter3")
(32, True, False)

The static salt is the classic weakness: every deployment turns "hunter2" into these very bytes, so one table of
precomputed guesses serves them all (notebook 04):

>>> key.hex()
'994c612b26f72cf81cbda9309dac288510e3c9a0a826f65ea8db3b422409c4ff'

A random salt per room (room_params.py), and the room's name and parameters in the HKDF label, make each room's
key its own:

>>> from chatkit.crypto import labels
>>> salt = new_salt()
>>> stretched = pbkdf2_sha256(b"pw", salt, 1000)
>>> len(salt), hkdf_sha256(stretched, labels.ROOM_KEY + b"general") == hkdf_sha256(stretched, labels.ROOM_KEY + b"lab")
(16, False)

HKDF is fast on purpose: its input is already a strong secret (from a key exchange), not a guessable password.

>>> hkdf_sha256(b"a strong shared secret", labels.HYBRID_KDF + b"alice|bob").hex()
'05841830ce04e60d7d104c44374e85d776353a79f80612a133dfa2fdf94c3ddf'
"""

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_BYTES = 32  # AES-256
SALT_BYTES = 16
CLASSIC_SALT = b"static_salt_1234"  # the original design's salt: the same for every deployment (a weakness)
CLASSIC_ITERATIONS = 100_000
SEALED_ITERATIONS = 600_000


def pbkdf2_sha256(password: bytes, salt: bytes, iterations: int, length: int = KEY_BYTES) -> bytes:
    """Derive `length` bytes from a password with PBKDF2-HMAC-SHA256."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=length, salt=salt, iterations=iterations)
    return kdf.derive(password)


def classic_key(password: str, iterations: int = CLASSIC_ITERATIONS) -> bytes:
    """Derive the classic mode's key: static salt, so equal passwords give equal keys everywhere."""
    return pbkdf2_sha256(password.encode(), CLASSIC_SALT, iterations)


def new_salt() -> bytes:
    """Return a fresh random salt, one per room."""
    return os.urandom(SALT_BYTES)


def hkdf_sha256(secret: bytes, info: bytes, salt: bytes | None = None, length: int = KEY_BYTES) -> bytes:
    """Stretch a secret that is already strong into a key for the purpose `info` names."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def argon2id_key(password: bytes, salt: bytes, memory_kib: int = 19 * 1024, passes: int = 2, lanes: int = 1) -> bytes:
    """Derive a key with Argon2id (OWASP's first choice): memory-hard, so GPUs gain less."""
    kdf = Argon2id(salt=salt, length=KEY_BYTES, iterations=passes, lanes=lanes, memory_cost=memory_kib)
    return kdf.derive(password)


def scrypt_key(password: bytes, salt: bytes, n: int = 2**15, r: int = 8) -> bytes:
    """Derive a key with scrypt, another memory-hard KDF."""
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=1).derive(password)
