"""Notebook 13, exercises: record now, decrypt later, with a quantum oracle that breaks X25519 and nothing else.

You recorded a ratchet-mode chat from the network (`chatkit.lab.recording.Recording`), and you hold the oracle
(`chatkit.lab.quantum.QuantumOracle`): give it an X25519 public key and it gives the private key, as a large quantum
computer running Shor's algorithm would. Open everything an X25519-only chat sent; a hybrid chat must stay closed.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
import base64  # noqa: F401
import json  # noqa: F401

from chatkit.client.pairwise import envelope_header  # noqa: F401
from chatkit.client.sender_keys import header_bytes  # noqa: F401
from chatkit.crypto import lengths, sealed  # noqa: F401
from chatkit.crypto.chains import ReceivingChain  # noqa: F401
from chatkit.crypto.errors import CannotDecrypt  # noqa: F401
from chatkit.crypto.hybrid_keys import recompute_chain_key  # noqa: F401
from chatkit.crypto.labels import ENVELOPE_AD, SENDER_MESSAGE_AD  # noqa: F401
from chatkit.lab.quantum import QuantumOracle
from chatkit.lab.recording import Direct, Exchange, Recording


def session_chain_key(exchange: Exchange, identity_keys: dict[str, bytes], oracle: QuantumOracle) -> bytes:
    """Return the chain key of a recorded exchange, from the private key the oracle gives for the offer's X25519 key.

    `identity_keys` maps each name to its (public) identity key; the transcript holds the initiator's first. On a
    hybrid exchange this still returns a key, but a wrong one: the ML-KEM secret is missing.
    """
    raise NotImplementedError("your code here: replace this line")


def open_envelope(chain: ReceivingChain, envelope: Direct) -> dict[str, object]:
    """Open one envelope with the session's receiving chain; return what it holds (CannotDecrypt if it does not open).

    The envelope's key is the chain's key for the envelope's `n`; its associated data is the label ENVELOPE_AD and
    envelope_header(sender, to, room, session).
    """
    raise NotImplementedError("your code here: replace this line")


def sender_keys_of(recording: Recording, oracle: QuantumOracle) -> dict[tuple[str, int], tuple[bytes, int]]:
    """Return {(sender, generation): (chain key, first index)} from every envelope the oracle lets you open.

    A sender hands the same chain to several members, at the index it has reached: keep the smallest index, so that
    you can open every message from there on. Skip a session whose envelopes do not open (a hybrid one).
    """
    raise NotImplementedError("your code here: replace this line")


def read_later(recording: Recording, oracle: QuantumOracle) -> list[tuple[str, str]]:
    """Return (sender, text) of every recorded message you can open, in the server's order.

    A message's key is the sender chain's key for its `index`; its associated data is SENDER_MESSAGE_AD and
    header_bytes(message, sender); the text inside is padded (lengths.unpad_bucket).
    """
    raise NotImplementedError("your code here: replace this line")
