"""Notebook 06's scenes: a padding oracle whose key stays here, locally or through a live classic server."""

import base64
import os
import random
from typing import Any

from chatkit.client.events import ChatMessage
from chatkit.course.scenes.judging import OneJudgement
from chatkit.crypto import BadPadding, classic
from chatkit.lab import Stage
from chatkit.lab.oracle import QUERIES_PER_BLOCK, PaddingOracle, lift_rate_limit

ZERO_IV = bytes(16)


class LocalPaddingOracle(OneJudgement):
    """A random key and one block; the check asks the oracle, then has the block's intermediate bytes judged."""

    def __init__(self, ends_in_02_02: bool = False) -> None:
        self.key = os.urandom(32)
        lucky = os.urandom(14) + b"\x02\x02"  # the all-zero IV makes a lucky 02 02 possible
        self.block = classic.cbc_encrypt_raw(self.key, ZERO_IV, lucky) if ends_in_02_02 else os.urandom(16)
        self.queries = 0

    def answer_block(self) -> str:
        """Return the block whose intermediate bytes the check must find."""
        return base64.b64encode(self.block).decode()

    def answer_oracle(self, iv: str, block: str) -> bool:
        """Say whether IV || block decrypts to valid padding."""
        self.queries += 1
        try:
            classic.unpad(classic.cbc_decrypt_raw(self.key, base64.b64decode(iv), base64.b64decode(block)))
        except BadPadding:
            return False
        return True

    def answer_judge(self, intermediate: str) -> dict[str, Any]:
        """Say whether these are the block's intermediate bytes, and how many questions it took."""
        self.judge_once()
        right = base64.b64decode(intermediate) == classic.cbc_decrypt_raw(self.key, ZERO_IV, self.block)
        return {"right": right, "queries": self.queries}


class LivePaddingOracle(OneJudgement):
    """A classic server that leaks bad padding; Alice says a secret; Mallory's questions go through the server."""

    def __init__(self) -> None:
        self.stage = Stage("classic", padding_oracle=True)
        lift_rate_limit(self.stage.server)  # our own server: a rate limit would only make the check slow
        alice, mallory = self.stage.client("alice"), self.stage.client("mallory", room="lab")
        self.secret = f"the code is {random.randint(1000, 9999)}, burn it"
        alice.send(self.secret)
        captured = alice.wait_for(lambda e: isinstance(e, ChatMessage) and e.own, timeout=5)
        self.token = captured.ciphertext if isinstance(captured, ChatMessage) else ""
        self.oracle = PaddingOracle(mallory, budget=3 * (QUERIES_PER_BLOCK + 16))

    def answer_token(self) -> str:
        """Return Alice's message as the network carried it: base64(IV || ciphertext)."""
        return self.token

    def answer_oracle(self, iv: str, block: str) -> bool:
        """Ask the live server through Mallory's connection."""
        return self.oracle(base64.b64decode(iv), base64.b64decode(block))

    def answer_judge(self, text: str) -> bool:
        """Say whether `text` is what Alice said."""
        self.judge_once()
        return text == self.secret

    def stop(self) -> None:
        self.stage.stop()
