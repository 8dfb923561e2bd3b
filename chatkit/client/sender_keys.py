"""Sender keys (ratchet mode): my own chain of message keys, the chains others gave me, and sealing with them.

Each member seals its messages with keys from its own one-way chain (chatkit/crypto/chains.py) and hands the chain's
current position (chain key and next index) to the other members over pairwise sessions (pairwise.py). A new
generation is a fresh chain: made on joining, after a removal and after a key update, so that whoever left, or
whoever copied the old one, learns nothing of what follows. A message names its generation and index; its header
(room, sender, epoch, group hash, generation, index) is bound as associated data and covered by the sender's
Ed25519 signature, which is checked against the key in the signed group state, never the one the server attaches.
"""

import json
from typing import Any

from chatkit.crypto import lengths, sealed, signing
from chatkit.crypto.chains import ReceivingChain, SendingChain
from chatkit.crypto.errors import CannotDecrypt
from chatkit.crypto.fields import number_field, raw_field
from chatkit.crypto.labels import SENDER_MESSAGE_AD, SENDER_MESSAGE_SIGNATURE
from chatkit.protocol import Frame, ProtocolError, Refused, b64, unb64

KEPT_GENERATIONS = 2  # per sender: the current one and the one before (messages still on their way)


def header_bytes(message: Frame, sender: str) -> bytes:
    """The bytes of a ratchet message's header: bound as associated data and signed."""
    fields = [message["room"], sender, message["epoch"], message["group"], message["generation"], message["index"]]
    return json.dumps(fields, separators=(",", ":")).encode()


class SenderKeys:
    """My sending chain and its generation, and the receiving chain of each member's generations."""

    def __init__(self) -> None:
        self.generation = -1  # no chain yet: renew() makes generation 0
        self.chain: SendingChain | None = None
        self.receiving: dict[tuple[str, int], ReceivingChain] = {}  # (sender, generation) -> their chain
        self.sent: dict[tuple[int, int], str] = {}  # (generation, index) -> my text, until the server echoes it

    def renew(self) -> None:
        """Start a new generation: a fresh chain that nobody else has yet."""
        self.generation += 1
        self.chain = SendingChain.fresh()

    def share(self, epoch: int) -> dict[str, Any]:
        """Return my chain's position, to hand to another member inside an envelope."""
        if self.chain is None:
            raise ProtocolError("no sender key yet: it is made when this member enters the group")
        chain_key, index = self.chain.position
        return {
            "kind": "sender_key",
            "epoch": epoch,
            "generation": self.generation,
            "chain": b64(chain_key),
            "index": index,
        }

    def learn(self, sender: str, payload: dict[str, Any]) -> None:
        """Keep the chain another member gave me, and forget their generations older than the ones kept."""
        generation = number_field(payload, "generation", "sender key", ProtocolError)
        chain_key = raw_field(payload, "chain", "sender key", ProtocolError, size=32)
        index = number_field(payload, "index", "sender key", ProtocolError)
        self.receiving[(sender, generation)] = ReceivingChain(chain_key, index)
        for old in [key for key in self.receiving if key[0] == sender and key[1] <= generation - KEPT_GENERATIONS]:
            del self.receiving[old]

    def forget(self, sender: str) -> None:
        """Drop every chain of a member who left the group."""
        for key in [key for key in self.receiving if key[0] == sender]:
            del self.receiving[key]

    def has(self, sender: str, generation: int) -> bool:
        """Return whether a member's generation has reached me."""
        return (sender, generation) in self.receiving

    def seal(self, identity: signing.Identity, header: Frame, text: str) -> Frame:
        """Seal and sign text with my next message key; `header` holds room, epoch and group (the rest is added)."""
        if self.chain is None:
            raise ProtocolError("no sender key yet: it is made when this member enters the group")
        index, message_key = self.chain.next()
        say = {"type": "say", **header, "generation": self.generation, "index": index}
        signed = header_bytes(say, header["sender"])
        del say["sender"]
        nonce, ciphertext = sealed.seal(message_key, lengths.pad_to_bucket(text.encode()), SENDER_MESSAGE_AD, signed)
        signature = signing.sign(identity, SENDER_MESSAGE_SIGNATURE, signed + nonce + ciphertext)
        self.sent[(self.generation, index)] = text
        return {**say, "nonce": b64(nonce), "ciphertext": b64(ciphertext), "signature": b64(signature)}

    def open(self, message: Frame, signer: bytes) -> str:
        """Check the signature with the signer's group key, decrypt with a peeked key, then use that key up.

        Raises BadSignature or CannotDecrypt for a forgery, Refused('replay') for a key already used, and
        Refused('cannot_decrypt') for an index too far ahead of the sender's chain. A message that does not decrypt
        uses up no key, so an old one (from another chain) cannot burn the place of a genuine one.
        """
        sender, index = message["sender"], message["index"]
        signed = header_bytes(message, sender)
        nonce, ciphertext = unb64(message, "nonce"), unb64(message, "ciphertext")
        signing.verify(signer, unb64(message, "signature"), SENDER_MESSAGE_SIGNATURE, signed + nonce + ciphertext)
        chain = self.receiving[(sender, message["generation"])]
        try:
            message_key = chain.peek(index)
        except CannotDecrypt as unusable:
            if chain.too_far_ahead(index):
                raise Refused("cannot_decrypt", f"too far ahead, not opened: {unusable} (from {sender})") from None
            raise Refused("replay", f"replay rejected: {unusable} (from {sender})") from None
        padded = sealed.open_sealed(message_key, nonce, ciphertext, SENDER_MESSAGE_AD, signed)
        chain.key_for(index)  # it opened: only now is its key used up
        return lengths.unpad_bucket(padded).decode("utf-8", errors="replace")

    def snapshot(self) -> dict[str, Any]:
        """Return every secret here, as a thief who copied this member's memory would hold it."""
        return {
            "generation": self.generation,
            "chain": None if self.chain is None else self.chain.snapshot(),
            "receiving": {key: chain.snapshot() for key, chain in self.receiving.items()},
        }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> "SenderKeys":
        """Rebuild sender keys from snapshot()'s dict (what the thief of notebook 11 runs)."""
        keys = cls()
        keys.generation = state["generation"]
        keys.chain = None if state["chain"] is None else SendingChain.from_snapshot(state["chain"])
        keys.receiving = {key: ReceivingChain.from_snapshot(chain) for key, chain in state["receiving"].items()}
        return keys
