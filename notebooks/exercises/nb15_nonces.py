"""Notebook 15, exercises: two sealed lines under one key and one nonce, and what they give away.

A captured sealed line (a `message` frame) carries its nonce, and its ciphertext field holds the ciphertext and
then the 16-byte tag. `blob_of(frame)` (chatkit.lab.nonce_bug) returns what GCM authenticated: the associated data
(label + header), the ciphertext without the tag, and the tag. `gcm_forbidden` has GHASH and the forbidden attack.
"""

import base64  # noqa: F401 (the stub keeps the imports a solution needs)
import json
import time  # noqa: F401
from typing import Any

from chatkit.crypto import labels, lengths, signing  # noqa: F401
from chatkit.lab import gcm_forbidden  # noqa: F401
from chatkit.lab.nonce_bug import blob_of  # noqa: F401
from chatkit.protocol import b64, header_bytes  # noqa: F401

Frame = dict[str, Any]


def plaintext_xor(first: Frame, second: Frame) -> bytes:
    """Return the XOR of the two padded plaintexts of two lines sealed under one key and one nonce.

    GCM is counter mode underneath: ciphertext = plaintext XOR keystream, and one key and nonce give one keystream.
    XOR the two ciphertexts (without their tags), as far as the shorter one goes. Raise ValueError if the two
    lines do not carry the same nonce (then the keystreams differ and the XOR means nothing).
    """
    raise NotImplementedError("your code here: replace this line")


def other_text(xor: bytes, known: str) -> str:
    """Given plaintext_xor of two lines and the text of one of them, return the text of the other.

    Both texts were padded to 32-byte buckets before sealing (lengths.pad_to_bucket: text, 0x80, zeros);
    lengths.unpad_bucket takes the padding off again.
    """
    raise NotImplementedError("your code here: replace this line")


def recover_h(captured: list[Frame]) -> int:
    """Return the GHASH key H from three or more lines of one room sealed under one key and one nonce.

    gcm_forbidden.candidate_keys on the pairs (first blob, each other blob) gives every H consistent with all of
    them; raise ValueError unless exactly one is left (then capture another line).
    """
    raise NotImplementedError("your code here: replace this line")


def forge(captured: list[Frame], known: str, text: str, sender: str, identity: signing.Identity) -> Frame:
    """Return a `message` line that a sealed client opens as `text` from `sender`, made without the room key.

    `captured`: three or more lines of one room under one nonce; the first one's text is `known`.
    1. H (recover_h), then the nonce's mask: gcm_forbidden.tag_mask(h, blob of the first line).
    2. The keystream: the first ciphertext XOR its padded text; the new padded text must fit in it (ValueError).
    3. The header: header_bytes(room, sender, 1, round(time.time(), 3)); the tag: gcm_forbidden.forged_tag over
       labels.MESSAGE_AD + header and the new ciphertext.
    4. message_line(...) below signs it with `identity` and builds the line.
    """
    raise NotImplementedError("your code here: replace this line")


def xor(one: bytes, other: bytes) -> bytes:
    """XOR two byte strings, as far as the shorter one goes."""
    return bytes(a ^ b for a, b in zip(one, other, strict=False))


def message_line(header: bytes, nonce: bytes, sealed: bytes, identity: signing.Identity) -> Frame:
    """Sign header + nonce + sealed with `identity` and build the `message` line a server would relay (given)."""
    room, sender, counter, sent_at = json.loads(header)
    signature = signing.sign(identity, labels.MESSAGE_SIGNATURE, header + nonce + sealed)
    fields = {"nonce": nonce, "ciphertext": sealed, "signature": signature, "pubkey": signing.public_bytes(identity)}
    encoded = {name: b64(value) for name, value in fields.items()}
    return {"type": "message", "id": 0, "room": room, "sender": sender, "counter": counter, "time": sent_at, **encoded}
