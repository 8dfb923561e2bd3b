"""Notebook 11's scene: a thief copies a chain key mid-conversation; what can they read of the messages captured?"""

import base64
import os
import random
import secrets
from typing import Any

from chatkit.course.scenes.judging import OneJudgement
from chatkit.lab.chain import Chain, StaticChain


class RatchetTheft(OneJudgement):
    """Alice's chain (a ratchet, or a static key) seals a conversation; the key is stolen after a random message."""

    def __init__(self, static: bool = False) -> None:
        chain = StaticChain(os.urandom(32)) if static else Chain(os.urandom(32))
        count, self.stolen_after = (6, 0) if static else (12, random.randint(2, 8))  # a static key opens all
        texts = [f"message {n}: {secrets.token_hex(4)}" for n in range(1, count + 1)]
        sealed = [chain.seal(text) for text in texts[: self.stolen_after]]
        self.stolen = chain.chain_key
        sealed += [chain.seal(text) for text in texts[self.stolen_after :]]
        self.captured = [{"number": s.number, "nonce": b64(s.nonce), "ciphertext": b64(s.ciphertext)} for s in sealed]
        self.readable = {str(n): text for n, text in enumerate(texts, start=1) if n > self.stolen_after}

    def answer_theft(self) -> dict[str, Any]:
        """Return what the thief has: the stolen chain key, and every message the network carried."""
        return {"stolen": b64(self.stolen), "stolen_after": self.stolen_after, "captured": self.captured}

    def answer_judge(self, read: dict[str, str]) -> bool:
        """Say whether the thief read exactly the messages a thief can read."""
        self.judge_once()
        return read == self.readable


def b64(data: bytes) -> str:
    """Return bytes as base64 text, the way they cross the referee's pipe."""
    return base64.b64encode(data).decode()
