"""Round trips through `cryptography`: each builds keys, uses them once, and says whether the answer was right.

`chatkit doctor` imports this module only once it knows `cryptography` can be imported at all.
"""

import os
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatkit.cli.probes import Finding, installed_version


def aes_gcm_works() -> bool:
    """Seal and open one message with AES-256-GCM (sealed mode's cipher)."""
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, b"probe", b"header")
    return AESGCM(key).decrypt(nonce, ciphertext, b"header") == b"probe"


def x25519_works() -> bool:
    """Agree on one shared secret with X25519 from both sides."""
    alice, bob = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    return alice.exchange(bob.public_key()) == bob.exchange(alice.public_key())


def ed25519_works() -> bool:
    """Sign with Ed25519 and verify the signature."""
    key = Ed25519PrivateKey.generate()
    try:
        key.public_key().verify(key.sign(b"probe"), b"probe")
    except InvalidSignature:
        return False
    return True


def ml_kem_768_works() -> bool:
    """Encapsulate a secret to an ML-KEM-768 key and decapsulate it (older `cryptography` has no such module)."""
    from cryptography.hazmat.primitives.asymmetric import mlkem  # imported here: its absence is an answer, not a crash

    key = mlkem.MLKEM768PrivateKey.generate()
    secret, ciphertext = key.public_key().encapsulate()
    return bool(key.decapsulate(ciphertext) == secret)


RATCHET_NEEDS = (
    "the ratchet mode cannot run here: its hybrid exchange needs ML-KEM-768 (cryptography 47 or later, on a backend"
    " that has it); classic and sealed still work"
)


def crypto_finding(name: str, round_trip: Callable[[], bool], needed: bool = True, without: str = "") -> Finding:
    """Run one primitive once through the installed `cryptography` and say whether it worked (`without`: what fails)."""
    try:
        works = round_trip()
    except (ImportError, AttributeError, UnsupportedAlgorithm) as error:  # too old a library, or too old an OpenSSL
        detail = f"not in this cryptography ({installed_version('cryptography')}): {error}"
        return Finding(name, False, f"{detail}; {without}" if without else detail, needed)
    return Finding(name, works, "works" if works else f"gave a wrong answer{'; ' + without if without else ''}", needed)


def crypto_findings() -> list[Finding]:
    """Check the primitives the modes use; ML-KEM-768 only the ratchet mode's, so the others run without it."""
    return [
        crypto_finding("AES-256-GCM", aes_gcm_works),
        crypto_finding("X25519", x25519_works),
        crypto_finding("Ed25519", ed25519_works),
        crypto_finding("ML-KEM-768", ml_kem_768_works, needed=False, without=RATCHET_NEEDS),
    ]
