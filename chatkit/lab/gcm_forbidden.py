"""Joux's "forbidden attack" on AES-GCM: two messages under one key and one nonce give away the GHASH key H.

How a GCM tag is made (NIST SP 800-38D, sections 6.4 and 7.1), with H = AES_K(0^128) and J0 = nonce || 00000001:

    tag = AES_K(J0) + GHASH_H(A, C),    GHASH_H = X1*H^m + X2*H^(m-1) + ... + Xm*H

where X1 ... Xm are the blocks of the associated data A and the ciphertext C, each zero-padded, then one block of
their lengths in bits. The mask AES_K(J0) depends on the nonce only, so two tags under ONE nonce cancel it:

    tag1 + tag2 = GHASH_H(A1, C1) + GHASH_H(A2, C2)

a polynomial in H with known coefficients, and H is one of its roots (A. Joux, "Authentication failures in NIST
version of GCM", 2006; H. Böck, A. Zauner, S. Devlin, J. Somorovsky, P. Jovanovic, "Nonce-Disrespecting
Adversaries", USENIX WOOT 2016, found it on real HTTPS servers). H is the same for every nonce of a key, so a second
pair of messages (or a third message under the same nonce) leaves H as the one common root. With H and one tag, the
mask of that nonce follows, and a tag for any ciphertext and associated data under that nonce: a forgery.

The same algebra shows that a GCM tag does not commit to its key: knowing two keys, one linear equation gives a
ciphertext block whose tag is right under both (`block_for_two_keys`), which is why the room check is a MAC.
"""

from dataclasses import dataclass

from chatkit.crypto.gcm_internals import hash_key_and_mask
from chatkit.lab import gf128

BLOCK_BYTES = 16


@dataclass(frozen=True)
class SealedBlob:
    """What GCM authenticated, as anyone on the wire sees it: associated data, ciphertext (without tag), tag."""

    associated: bytes
    ciphertext: bytes
    tag: bytes


def blocks_of(data: bytes) -> list[int]:
    """Cut bytes into 16-byte blocks, zero-padding the last, each read as a field element."""
    padded = data + bytes(-len(data) % BLOCK_BYTES)
    return [int.from_bytes(padded[i : i + BLOCK_BYTES], "big") for i in range(0, len(padded), BLOCK_BYTES)]


def ghash_blocks(associated: bytes, ciphertext: bytes) -> list[int]:
    """Return the blocks GHASH eats: A padded, C padded, then len(A) and len(C) in bits, 64 bits each."""
    lengths = (len(associated) * 8).to_bytes(8, "big") + (len(ciphertext) * 8).to_bytes(8, "big")
    return blocks_of(associated) + blocks_of(ciphertext) + blocks_of(lengths)


def ghash(h: int, associated: bytes, ciphertext: bytes) -> int:
    """GHASH_H(A, C) (SP 800-38D, algorithm 2): for each block, add it in and multiply by H."""
    total = 0
    for block in ghash_blocks(associated, ciphertext):
        total = gf128.multiply(total ^ block, h)
    return total


def ghash_polynomial(message: SealedBlob) -> gf128.Polynomial:
    """Return tag + GHASH_H(A, C) as a polynomial in H: zero at the true H, up to the constant mask AES_K(J0).

    Coefficient of H^0 is the tag; the last block (the lengths) goes with H^1, the first with H^m.
    """
    return [int.from_bytes(message.tag, "big"), *reversed(ghash_blocks(message.associated, message.ciphertext))]


def nonce_reuse_polynomial(first: SealedBlob, second: SealedBlob) -> gf128.Polynomial:
    """Return the polynomial in H that two messages under one key and nonce give: the masks cancel in the sum."""
    return gf128.add_polynomials(ghash_polynomial(first), ghash_polynomial(second))


def candidate_keys(*pairs: tuple[SealedBlob, SealedBlob]) -> list[int]:
    """Return every H consistent with all the pairs (each pair: two messages under one nonce, any nonce per pair)."""
    if not pairs:
        raise ValueError("expected at least one pair of messages sealed under the same nonce, got none")
    common = nonce_reuse_polynomial(*pairs[0])
    for pair in pairs[1:]:
        common = gf128.gcd(common, nonce_reuse_polynomial(*pair))  # H is a root of every one: it survives the gcd
    return gf128.roots(common)


def tag_mask(h: int, message: SealedBlob) -> int:
    """Return AES_K(J0) for the message's nonce: its tag minus its GHASH (minus is plus)."""
    return int.from_bytes(message.tag, "big") ^ ghash(h, message.associated, message.ciphertext)


def forged_tag(h: int, mask: int, associated: bytes, ciphertext: bytes) -> bytes:
    """Return the tag GCM would give this ciphertext and associated data under the nonce whose mask is given."""
    return (mask ^ ghash(h, associated, ciphertext)).to_bytes(BLOCK_BYTES, "big")


def key_and_mask(key: bytes, nonce: bytes) -> tuple[int, int]:
    """Return (H, AES_K(J0)) for a key and a 96-bit nonce, as numbers: what only a key holder knows."""
    h, mask = hash_key_and_mask(key, nonce)
    return int.from_bytes(h, "big"), int.from_bytes(mask, "big")


def block_for_two_keys(first: tuple[int, int], second: tuple[int, int], associated: bytes) -> bytes:
    """Return one ciphertext block and a tag that GCM accepts under both keys, given each as (H, mask) of one nonce.

    With one block C, tag = mask + A-terms + C*H^2 + lengths*H: setting the two tags equal leaves one linear
    equation in C, solved by dividing by H1^2 + H2^2.
    """
    (h1, mask1), (h2, mask2) = first, second
    zero = bytes(BLOCK_BYTES)
    constant = mask1 ^ mask2 ^ ghash(h1, associated, zero) ^ ghash(h2, associated, zero)
    weight = gf128.multiply(h1, h1) ^ gf128.multiply(h2, h2)
    block = gf128.multiply(constant, gf128.inverse(weight)).to_bytes(BLOCK_BYTES, "big")
    return block + forged_tag(h1, mask1, associated, block)
