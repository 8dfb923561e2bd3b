"""Notebook 10, exercises: the ratchet mode's key exchange, the relay that breaks it unsigned, and key pinning.

The same code the chat runs: chatkit.crypto.hybrid (Initiator, Responder, and new_x25519_key, new_mlkem_key, the
makers of fresh keys), chatkit.crypto.hybrid_messages (Offer, Answer: the messages as values) and
chatkit.crypto.hybrid_keys (x25519_shared, encapsulate, transcript, derive_keys: how a key comes out of them).
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
from chatkit.crypto import hybrid_keys  # noqa: F401
from chatkit.crypto.hybrid import Initiator, Responder, new_mlkem_key, new_x25519_key  # noqa: F401
from chatkit.crypto.hybrid_messages import Answer, Offer  # noqa: F401


def run_exchange(initiator: Initiator, responder: Responder) -> tuple[bytes, bytes]:
    """Carry the offer, the answer and the finish between the two sides; return (initiator's key, responder's key)."""
    raise NotImplementedError("your code here: replace this line")


def key_changed(pins: dict[str, bytes], sender: str, pubkey: bytes) -> bool:
    """Pin a sender's key on first use (store it in `pins`); return True if it differs from the pinned one.

    A different key is never pinned in its place: only the person may accept it (the client holds the sender's
    messages back until then).
    """
    raise NotImplementedError("your code here: replace this line")


class Mallory:
    """A relay in the middle of an unsigned exchange: she answers Alice herself and makes her own offer to Bob.

    Everything she needs is public (both names, both identity keys, the messages on the wire) or hers (her own
    fresh X25519 and ML-KEM keys). At the end she holds the chain key Alice uses and the one Bob uses.
    """

    def __init__(self, names: tuple[str, str], identity_keys: tuple[bytes, bytes]) -> None:
        self.names, self.identity_keys = names, identity_keys  # (initiator, responder): both public
        self.with_alice = b""  # the chain key Alice ends up with (Alice thinks she shares it with Bob)
        self.with_bob = b""  # the chain key Bob ends up with (Bob thinks he shares it with Alice)

    def on_offer(self, offer: dict[str, str]) -> dict[str, str]:
        """Keep Alice's offer; return an offer of Mallory's own (same session id, her fresh keys) for Bob."""
        raise NotImplementedError("your code here: replace this line")

    def on_answer(self, answer: dict[str, str]) -> dict[str, str]:
        """Work out the key Bob uses from his answer; answer Alice herself and work out the key Alice will use."""
        raise NotImplementedError("your code here: replace this line")
