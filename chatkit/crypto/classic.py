"""The classic cipher, exactly as the original design: base64(IV || AES-256-CBC(PKCS7(text))).

INSECURE BY DESIGN. There is no MAC: anyone can flip ciphertext bits and change the plaintext (notebook 05),
and a receiver that reports bad padding becomes a decryption oracle (notebook 06). Kept for study.

>>> key = bytes(32)                                  # a fixed key, so the examples always print the same
>>> token = encrypt(key, "hi")                       # a fresh random IV each time
>>> len(token), decrypt(key, token)                  # 16 bytes of IV + one block, in base64
(44, 'hi')

PKCS7 fills the last block with copies of the filler's length; anything else is bad padding:

>>> pad(b"hi")[-1], len(pad(b"hi"))
(14, 16)
>>> unpad(b"hi" + bytes(14))
Traceback (most recent call last):
    ...
chatkit.crypto.errors.BadPadding: could not decrypt: bad padding

Without a MAC nothing notices a change. Flipping bits of the IV flips the same bits of the first block of
plaintext, so whoever knows where the amount is can change it:

>>> iv = bytes(16)
>>> ciphertext = cbc_encrypt_raw(key, iv, pad(b"pay carol 10 EUR"))
>>> forged_iv = bytearray(iv)
>>> forged_iv[10] ^= ord("1") ^ ord("9")
>>> unpad(cbc_decrypt_raw(key, bytes(forged_iv), ciphertext))
b'pay carol 90 EUR'
"""

import base64
import binascii
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from chatkit.crypto.errors import BadPadding, CannotDecrypt

BLOCK_BYTES = 16


def cbc_encrypt_raw(key: bytes, iv: bytes, data: bytes) -> bytes:
    """Encrypt whole blocks with AES-CBC, no padding (the building block; also used by the NIST vectors)."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def cbc_decrypt_raw(key: bytes, iv: bytes, data: bytes) -> bytes:
    """Decrypt whole blocks with AES-CBC, no padding check."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def pad(data: bytes) -> bytes:
    """Add PKCS7 padding up to a whole number of 16-byte blocks."""
    padder = padding.PKCS7(BLOCK_BYTES * 8).padder()
    return padder.update(data) + padder.finalize()


def unpad(data: bytes) -> bytes:
    """Strip PKCS7 padding, or raise BadPadding."""
    unpadder = padding.PKCS7(BLOCK_BYTES * 8).unpadder()
    try:
        return unpadder.update(data) + unpadder.finalize()
    except ValueError:
        raise BadPadding() from None


def encrypt(key: bytes, plaintext: str) -> str:
    """Encrypt text under a fresh random IV; return base64(IV || ciphertext) as the wire carries it."""
    iv = os.urandom(BLOCK_BYTES)
    ciphertext = cbc_encrypt_raw(key, iv, pad(plaintext.encode()))
    return base64.b64encode(iv + ciphertext).decode("ascii")


def split_token(token: str) -> tuple[bytes, bytes]:
    """Decode base64(IV || ciphertext) into (iv, ciphertext), or raise CannotDecrypt."""
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise CannotDecrypt("could not decrypt: not base64") from None
    if len(raw) < 2 * BLOCK_BYTES or len(raw) % BLOCK_BYTES:
        raise CannotDecrypt(f"could not decrypt: {len(raw)} bytes is not an IV plus whole 16-byte blocks")
    return raw[:BLOCK_BYTES], raw[BLOCK_BYTES:]


def decrypt(key: bytes, token: str) -> str:
    """Decrypt base64(IV || ciphertext) to text; raise BadPadding or CannotDecrypt on failure."""
    iv, ciphertext = split_token(token)
    plaintext = unpad(cbc_decrypt_raw(key, iv, ciphertext))
    try:
        return plaintext.decode()
    except UnicodeDecodeError:
        raise CannotDecrypt("could not decrypt: the plaintext is not UTF-8 text") from None
