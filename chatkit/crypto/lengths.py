r"""Hide the exact length of a message: pad it to a whole number of 32-byte buckets before sealing.

AES-GCM keeps the plaintext's length exactly (ciphertext = plaintext + a 16-byte tag), so without padding "yes"
and "no" are told apart by length alone (notebook 03). Padding inside the AEAD is authenticated like the rest,
so nobody can strip or change it unnoticed. A one-byte marker (0x80) ends the text, zeros fill the bucket
(the ISO/IEC 7816-4 method): unambiguous for any text, including one that ends in zero bytes.
What remains visible is the length to within a bucket, and the bucket size is a trade-off with bandwidth.

>>> len(pad_to_bucket(b"yes")), len(pad_to_bucket(b"no")), len(pad_to_bucket(b"x" * 31)), len(pad_to_bucket(b"x" * 32))
(32, 32, 32, 64)
>>> pad_to_bucket(b"no")[:4]
b'no\x80\x00'
>>> unpad_bucket(pad_to_bucket(b"zeros at the end\x00\x00"))
b'zeros at the end\x00\x00'
>>> unpad_bucket(bytes(32))                          # no marker: not something pad_to_bucket made
Traceback (most recent call last):
    ...
chatkit.crypto.errors.CannotDecrypt: could not decrypt: wrong password or tampered message
"""

from chatkit.crypto.errors import CannotDecrypt

BUCKET_BYTES = 32
MARKER = b"\x80"


def pad_to_bucket(data: bytes, bucket: int = BUCKET_BYTES) -> bytes:
    """Append the marker and zeros up to the next whole bucket (always at least the marker)."""
    filler = -(len(data) + 1) % bucket
    return data + MARKER + bytes(filler)


def unpad_bucket(data: bytes) -> bytes:
    """Strip the zeros and the marker, or raise CannotDecrypt if they are not there."""
    text = data.rstrip(b"\x00")
    if not text.endswith(MARKER):
        raise CannotDecrypt()
    return text[:-1]
