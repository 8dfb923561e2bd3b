"""What AES-GCM computes from its key before it touches a message: the hash key H and a nonce's mask (notebook 15).

GCM (NIST SP 800-38D) authenticates with GHASH, a polynomial evaluated at H = AES_K(0^128), and hides the result
under the mask AES_K(J0), where J0 is the 96-bit nonce followed by the 32-bit counter 1. Only a key holder can
compute either; notebook 15 shows that a repeated nonce lets an outsider recover H anyway. The lab uses this to
check that recovery against the truth.

>>> h, mask = hash_key_and_mask(bytes(16), bytes(12))
>>> h.hex()                                    # AES-128 of the zero block under the zero key
'66e94bd4ef8a2c3b884cfa59ca342b2e'
>>> len(mask)
16
"""

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_BYTES = 16
NONCE_BYTES = 12


def hash_key_and_mask(key: bytes, nonce: bytes) -> tuple[bytes, bytes]:
    """Return (H, AES_K(J0)) for an AES key and a 96-bit nonce: one block each, as GCM derives them."""
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"a GCM nonce here is {NONCE_BYTES} bytes, got {len(nonce)}")
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # ECB of single blocks: GCM's own first steps
    h = encryptor.update(bytes(BLOCK_BYTES))
    mask = encryptor.update(nonce + (1).to_bytes(4, "big")) + encryptor.finalize()
    return h, mask
