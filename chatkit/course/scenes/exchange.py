"""Notebook 10's scene: Alice and Bob run the ratchet mode's exchange unsigned; every message crosses the check.

The check's Mallory (the student's code) sits in the middle and sees only what crosses the wire: both names and
identity keys (public) and the three messages. The chain keys Alice and Bob end up with stay here, to be judged.
"""

import base64
import secrets
from typing import Any

from chatkit.course.scenes.judging import OneJudgement
from chatkit.crypto import signing
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.hybrid import Initiator, Responder


class UnsignedExchange(OneJudgement):
    """Alice starts an unsigned exchange with Bob; the check carries each message and may change it."""

    def __init__(self) -> None:
        self.names = f"alice-{secrets.token_hex(2)}", f"bob-{secrets.token_hex(2)}"
        alice_id, bob_id = signing.new_identity(), signing.new_identity()
        self.keys = signing.public_bytes(alice_id), signing.public_bytes(bob_id)
        self.alice = Initiator(alice_id, *self.names, self.keys[1], signed=False)
        self.bob = Responder(bob_id, self.names[1], self.names[0], self.keys[0], signed=False)
        self.chain_keys: tuple[bytes, bytes] = (b"", b"")

    def answer_public(self) -> dict[str, Any]:
        """Return what anyone knows: both names and both identity keys (base64)."""
        return {"names": list(self.names), "identity_keys": [b64(key) for key in self.keys]}

    def answer_offer(self) -> dict[str, str]:
        """Return Alice's offer, as it leaves her."""
        return self.alice.offer()

    def answer_answer(self, offer: dict[str, str]) -> dict[str, str]:
        """Give Bob the offer that reached him; return his answer."""
        return self.bob.on_offer(offer)

    def answer_finish(self, answer: dict[str, str]) -> bool:
        """Give Alice the answer that reached her, and Bob her finish; say whether both finished without noticing."""
        try:
            finish, alice_key = self.alice.on_answer(answer)
            self.chain_keys = alice_key, self.bob.on_finish(finish)
        except HandshakeFailed:
            return False
        return True

    def answer_judge(self, with_alice: str, with_bob: str) -> bool:
        """Say whether Mallory holds the chain key Alice uses and the one Bob uses."""
        self.judge_once()
        alice_key, bob_key = self.chain_keys
        return bool(alice_key) and (with_alice, with_bob) == (b64(alice_key), b64(bob_key))


def b64(data: bytes) -> str:
    """Return bytes as base64 text, the way they cross the referee's pipe."""
    return base64.b64encode(data).decode()
