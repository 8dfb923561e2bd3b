"""Notebook 06, exercises: a padding oracle decrypts a whole message without the key.

The oracle is any function oracle(iv, block) -> bool that says whether IV || block decrypts to valid PKCS7 padding.
Because plaintext = D(block) XOR iv, choosing the IV lets us test guesses for D(block) one byte at a time.
"""

import base64  # noqa: F401 (the stub keeps the imports a solution needs)
from collections.abc import Callable

BLOCK_BYTES = 16
Oracle = Callable[[bytes, bytes], bool]


def iv_tail(intermediate: bytes, pad: int) -> bytes:
    """Return IV bytes that turn the known last bytes of D(block) into plaintext bytes all equal to `pad`.

    `intermediate` holds the last len(intermediate) bytes of D(block), the block's decryption before the XOR.
    """
    # BEGIN SOLUTION
    return bytes(byte ^ pad for byte in intermediate)
    # END SOLUTION


def recover_intermediate(oracle: Oracle, block: bytes) -> bytes:
    """Return D(block), all 16 bytes, found from the last byte to the first with at most 16 * 256 + 16 questions.

    For pad = 1, 2, ... 16: set the IV's last pad-1 bytes with iv_tail, try the 256 values of the byte before them;
    the one the oracle accepts gives D(block)[16 - pad] = guess XOR pad. With pad = 1, check a hit by changing
    the IV's second-last byte too (the plaintext may have ended in 02 02 by luck). Raise ValueError if no guess fits.
    """

    # BEGIN SOLUTION
    def find_byte(intermediate: bytes, pad: int) -> int:
        """Return the intermediate byte at position 16 - pad, given the ones after it."""
        tail = iv_tail(intermediate, pad)
        for guess in range(256):
            iv = bytes(BLOCK_BYTES - pad) + bytes([guess]) + tail
            if oracle(iv, block) and (pad > 1 or oracle(iv[:-2] + bytes([iv[-2] ^ 0xFF]) + iv[-1:], block)):
                return guess ^ pad
        raise ValueError(f"no guess gave valid padding at pad {pad}: the server is not an oracle")

    intermediate = b""
    for pad in range(1, BLOCK_BYTES + 1):
        intermediate = bytes([find_byte(intermediate, pad)]) + intermediate
    return intermediate
    # END SOLUTION


def decrypt_token(oracle: Oracle, token: str) -> str:
    """Decrypt a captured classic token, base64(IV || ciphertext), block by block through the oracle.

    Each plaintext block is recover_intermediate(block) XOR the block before it (the IV for the first one).
    Remove the PKCS7 padding at the end (its last byte says how many bytes to drop) and decode UTF-8.
    """
    # BEGIN SOLUTION
    raw = base64.b64decode(token)
    blocks = [raw[i : i + BLOCK_BYTES] for i in range(0, len(raw), BLOCK_BYTES)]
    plaintext = b""
    for previous, block in zip(blocks, blocks[1:], strict=False):
        plaintext += bytes(a ^ b for a, b in zip(recover_intermediate(oracle, block), previous, strict=True))
    return plaintext[: -plaintext[-1]].decode()
    # END SOLUTION
