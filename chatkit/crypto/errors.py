"""The exceptions the crypto layer raises, each with a sentence a student can act on."""

# The one sentence a person sees for every message that fails to open, in every mode (docs/security.md, S7).
CANNOT_DECRYPT = "could not decrypt: wrong password or tampered message"


class CannotDecrypt(ValueError):
    """A ciphertext did not decrypt: the key is wrong or the bytes were changed.

    Sealed mode shows only this one message (docs/security.md, S7): telling the two causes apart would help an attacker.
    """

    def __init__(self, detail: str = CANNOT_DECRYPT) -> None:
        super().__init__(detail)


class BadPadding(CannotDecrypt):
    """Classic mode only: the CBC plaintext did not end in valid PKCS7 padding.

    Keeping this apart from other failures is exactly what makes a padding oracle possible (notebook 06).
    """

    def __init__(self) -> None:
        super().__init__("could not decrypt: bad padding")


class BadSignature(ValueError):
    """An Ed25519 signature did not verify for the claimed sender."""

    def __init__(self) -> None:
        super().__init__("signature does not verify: the message was not signed by the claimed sender")


class HandshakeFailed(ValueError):
    """The hybrid exchange (hybrid.py) stopped: a message was forged, swapped, replayed, malformed or out of order.

    No key comes out of a failed exchange; the sentence says which check failed, so that a student can see the
    attack that was caught.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"key exchange failed: {reason}")


class BadChange(ValueError):
    """A change to the group (group_state.py) was refused: not signed by a member, or not made on our group state."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"group change refused: {reason}")
