"""Notebook 11's scene: a thief copies a member's sending chain mid-conversation; what opens of what was captured?

Alice seals each message under the next key of her sending chain (chatkit/crypto/chains.py), as the ratchet mode
does; after a random message the thief copies the chain (its snapshot). The texts stay here, to be judged.
"""

import base64
import json
import random
import secrets
from typing import Any

from chatkit.course.scenes.judging import OneJudgement
from chatkit.crypto import labels, sealed
from chatkit.crypto.chains import SendingChain

MESSAGES = 12


class ChainTheft(OneJudgement):
    """Alice's chain seals a conversation; it is copied after a random message; the network captured every one."""

    def __init__(self) -> None:
        chain = SendingChain.fresh()
        self.stolen_after = random.randint(2, MESSAGES - 3)
        texts = [f"message {n}: {secrets.token_hex(4)}" for n in range(MESSAGES)]
        self.captured = [seal_next(chain, text) for text in texts[: self.stolen_after]]
        self.stolen = chain.snapshot()
        self.captured += [seal_next(chain, text) for text in texts[self.stolen_after :]]
        self.readable = {str(n): text for n, text in enumerate(texts) if n >= self.stolen_after}

    def answer_theft(self) -> dict[str, Any]:
        """Return what the thief has: the copied chain, and every message the network carried."""
        stolen = {"chain_key": b64(self.stolen["chain_key"]), "index": self.stolen["index"]}
        return {"stolen": stolen, "captured": self.captured}

    def answer_judge(self, read: dict[str, str]) -> bool:
        """Say whether the thief read exactly the messages from the theft on."""
        self.judge_once()
        return read == self.readable


def header_of(index: int) -> bytes:
    """Return the header a message is bound to (its associated data): the room, the sender, the index."""
    return json.dumps(["general", "alice", index]).encode()


def seal_next(chain: SendingChain, text: str) -> dict[str, Any]:
    """Seal a text under the chain's next message key; return it as captured (bytes as base64)."""
    index, key = chain.next()
    header = header_of(index)
    nonce, ciphertext = sealed.seal(key, text.encode(), labels.SENDER_MESSAGE_AD, header)
    return {"index": index, "header": b64(header), "nonce": b64(nonce), "ciphertext": b64(ciphertext)}


def b64(data: bytes) -> str:
    """Return bytes as base64 text, the way they cross the referee's pipe."""
    return base64.b64encode(data).decode()
