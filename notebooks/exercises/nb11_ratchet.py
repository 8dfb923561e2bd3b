"""Notebook 11, exercises: what a thief who copied a member's sending chain can compute, and the active thief.

Use chatkit.crypto.chains (SendingChain, ReceivingChain), chatkit.crypto.sealed (open_sealed) and
chatkit.crypto.hybrid (Responder): the ratchet mode's own code.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
import base64  # noqa: F401
from typing import Any  # noqa: F401

from chatkit.crypto import CannotDecrypt, labels, sealed, signing  # noqa: F401
from chatkit.crypto.chains import ReceivingChain, SendingChain  # noqa: F401
from chatkit.crypto.hybrid import Responder  # noqa: F401


def message_keys(stolen: dict[str, Any], count: int) -> dict[int, bytes]:
    """Return {index: message key} for the next `count` messages of a sending chain copied as `stolen`.

    `stolen` is what SendingChain.snapshot() gives: {"chain_key": 32 bytes, "index": the next index}.
    """
    raise NotImplementedError("your code here: replace this line")


def read_after_theft(stolen: dict[str, Any], captured: list[dict[str, Any]]) -> dict[int, str]:
    """Return {index: text} for every captured message the stolen chain opens; skip the ones it cannot.

    Each captured message is {"index", "header", "nonce", "ciphertext"} (bytes as base64), sealed with
    sealed.seal(message key, text, labels.SENDER_MESSAGE_AD, header). A ReceivingChain rebuilt from the stolen
    chain gives the key for an index, or raises CannotDecrypt.
    """
    raise NotImplementedError("your code here: replace this line")


def answer_as(
    stolen_identity: signing.Identity, victim: str, peer: str, peer_public: bytes, offer: dict[str, str]
) -> tuple[Responder, dict[str, str]]:
    """Answer `peer`'s offer as `victim`, signing with the victim's stolen identity key: return (responder, answer).

    This is the active thief of a key update: `peer` started a fresh exchange with the victim to heal, and the
    thief, on the network path, answers it first.
    """
    raise NotImplementedError("your code here: replace this line")
