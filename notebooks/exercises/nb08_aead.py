"""Notebook 08, exercises: what a sealed line is made of, and how a receiver checks each part.

A sealed `message` carries room, sender, counter and time in the clear, and the receiver rebuilds the header from
them: header_bytes(room, sender, counter, time). AES-GCM authenticates that header as associated data, and the
sender's Ed25519 signature covers header, nonce and ciphertext. Change any of them and the checks fail.
"""

import base64  # noqa: F401 (the stub keeps the imports a solution needs)
from typing import Any

from chatkit.crypto import BadSignature, CannotDecrypt, labels, lengths, sealed, signing  # noqa: F401
from chatkit.protocol import header_bytes  # noqa: F401

Frame = dict[str, Any]
TAG_BYTES = 16  # AES-GCM appends a 16-byte tag to the ciphertext


def parts(frame: Frame) -> dict[str, bytes]:
    """Return the bytes of a sealed message frame, part by part.

    Keys: "header" (header_bytes of the frame's room, sender, counter, time), "nonce", "ciphertext" (without the
    tag), "tag" (the last 16 bytes of the base64-decoded ciphertext field), "signature" and "pubkey".
    """
    raise NotImplementedError("your code here: replace this line")


def open_message(key: bytes, frame: Frame) -> str:
    """Check and decrypt a sealed message with the room key, or raise CannotDecrypt.

    AES-GCM, with labels.MESSAGE_AD + header as associated data: sealed.open_sealed does exactly that. The text
    inside is padded to a 32-byte bucket: lengths.unpad_bucket takes the padding off.
    """
    raise NotImplementedError("your code here: replace this line")


def sender_signed(frame: Frame, pinned: bytes) -> bool:
    """Return True if the signature over header + nonce + ciphertext-and-tag checks out with the key PINNED for them.

    Not with the frame's pubkey: the server attaches that one, and a malicious server attaches its own.

    The signature covers labels.MESSAGE_SIGNATURE first (signing.verify adds it; it raises BadSignature).
    """
    raise NotImplementedError("your code here: replace this line")


def is_fresh(last_seen: dict[tuple[str, str], int], frame: Frame) -> bool:
    """Return True, and remember the counter, if it is larger than any this (room, sender) sent before; else False."""
    raise NotImplementedError("your code here: replace this line")
