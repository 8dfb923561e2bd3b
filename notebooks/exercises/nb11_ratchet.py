"""Notebook 11, exercises: what a thief who copied a member's sending chain can compute, and the active thief.

Use chatkit.crypto.chains (SendingChain, ReceivingChain) and chatkit.crypto.hybrid (Responder): the chat's own code.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
from typing import Any  # noqa: F401

from chatkit.crypto import signing  # noqa: F401
from chatkit.crypto.chains import ReceivingChain, SendingChain  # noqa: F401
from chatkit.crypto.hybrid import Responder  # noqa: F401


def message_keys(stolen: dict[str, Any], count: int) -> dict[int, bytes]:
    """Return {index: message key} for the next `count` messages of a sending chain copied as `stolen`.

    `stolen` is what SendingChain.snapshot() gives: {"chain_key": 32 bytes, "index": the next index}.
    """
    raise NotImplementedError("your code here: replace this line")


def thief_can_open(stolen: dict[str, Any], indices: list[int]) -> list[int]:
    """Return the indices (of the ones given) whose message key a thief holding `stolen` can compute.

    Try it: a ReceivingChain rebuilt from the stolen chain hands out a key for an index, or raises CannotDecrypt.
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
