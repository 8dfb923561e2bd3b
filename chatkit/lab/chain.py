"""One direction of a conversation under a hash ratchet, and a weak variant with one key for everything (notebook 11).

    alice, bob = Chain(start_key), Chain(start_key)     # both sides start from the key of a key exchange
    message = alice.seal("hi")                          # message 1, under its own key
    bob.open(message)                                   # Bob steps his copy of the chain the same way
    stolen = alice.chain_key                            # what a thief copies from Alice's memory

A thief with today's chain key can step it forward (future messages) but not back (earlier ones): HMAC is one-way.
"""

from dataclasses import dataclass

from chatkit.crypto import labels, ratchet, sealed

# A label of its own (S8), followed by the message number, as associated data.
MESSAGE_AD = labels.RATCHET_MESSAGE_AD


@dataclass(frozen=True)
class Sealed:
    """One message as the network carries it: its number, nonce and ciphertext (with the GCM tag)."""

    number: int
    nonce: bytes
    ciphertext: bytes


def number_bytes(number: int) -> bytes:
    """Return the message number as 8 bytes, bound to the ciphertext as associated data."""
    return number.to_bytes(8, "big")


def open_with(key: bytes, message: Sealed) -> str:
    """Decrypt one message with one message key, or raise CannotDecrypt."""
    return sealed.open_sealed(key, message.nonce, message.ciphertext, MESSAGE_AD, number_bytes(message.number)).decode()


class Chain:
    """A chain key that moves on with every message; each message gets a key of its own."""

    def __init__(self, chain_key: bytes) -> None:
        self.chain_key = chain_key
        self.count = 0  # messages sealed or opened so far

    def next_key(self) -> bytes:
        """Advance the chain once and return the key for the next message; the old chain key is forgotten."""
        self.chain_key, message_key = ratchet.ratchet_step(self.chain_key)
        return message_key

    def seal(self, text: str) -> Sealed:
        """Encrypt the next message under its own key."""
        self.count += 1
        nonce, ciphertext = sealed.seal(self.next_key(), text.encode(), MESSAGE_AD, number_bytes(self.count))
        return Sealed(self.count, nonce, ciphertext)

    def open(self, message: Sealed) -> str:
        """Decrypt the next message (this simple chain needs messages in order)."""
        if message.number != self.count + 1:
            raise ValueError(f"expected message {self.count + 1}, got {message.number}: this chain keeps no old keys")
        self.count += 1
        return open_with(self.next_key(), message)

    def heal(self, fresh_secret: bytes) -> None:
        """Mix a fresh shared secret from a new X25519 exchange into the chain (both sides do the same)."""
        self.chain_key = ratchet.heal(self.chain_key, fresh_secret)


class StaticChain(Chain):
    """INSECURE on purpose: one key for every message, so whoever copies it reads the past as well as the future."""

    def next_key(self) -> bytes:
        """Return the same key every time."""
        return self.chain_key
