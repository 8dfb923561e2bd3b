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
    # BEGIN SOLUTION
    private = oracle.private_key(base64.b64decode(exchange.offer.body["x25519"]))
    initiator, responder = exchange.names
    keys = (identity_keys[initiator], identity_keys[responder])
    return recompute_chain_key(exchange.names, keys, exchange.offer.body, exchange.answer.body, private)
    # END SOLUTION


def open_envelope(chain: ReceivingChain, envelope: Direct) -> dict[str, object]:
    """Open one envelope with the session's receiving chain; return what it holds (CannotDecrypt if it does not open).

    The envelope's key is the chain's key for the envelope's `n`; its associated data is the label ENVELOPE_AD and
    envelope_header(sender, to, room, session).
    """
    # BEGIN SOLUTION
    body = envelope.body
    key = chain.key_for(body["n"])
    header = envelope_header(envelope.sender, envelope.to, envelope.room, body["session"])
    nonce, ciphertext = base64.b64decode(body["nonce"]), base64.b64decode(body["ciphertext"])
    return dict(json.loads(sealed.open_sealed(key, nonce, ciphertext, ENVELOPE_AD, header)))
    # END SOLUTION


def sender_keys_of(recording: Recording, oracle: QuantumOracle) -> dict[tuple[str, int], tuple[bytes, int]]:
    """Return {(sender, generation): (chain key, first index)} from every envelope the oracle lets you open.

    A sender hands the same chain to several members, at the index it has reached: keep the smallest index, so that
    you can open every message from there on. Skip a session whose envelopes do not open (a hybrid one).
    """
    # BEGIN SOLUTION
    found: dict[tuple[str, int], tuple[bytes, int]] = {}
    for exchange in recording.exchanges:
        chain = ReceivingChain(session_chain_key(exchange, recording.identity_keys, oracle))
        try:
            items = [open_envelope(chain, e) for e in recording.envelopes if e.body["session"] == exchange.session]
        except CannotDecrypt:
            continue
        for item in items:
            place = (exchange.offer.sender, int(str(item["generation"])))
            position = (base64.b64decode(str(item["chain"])), int(str(item["index"])))
            if place not in found or position[1] < found[place][1]:
                found[place] = position
    return found
    # END SOLUTION


def read_later(recording: Recording, oracle: QuantumOracle) -> list[tuple[str, str]]:
    """Return (sender, text) of every recorded message you can open, in the server's order.

    A message's key is the sender chain's key for its `index`; its associated data is SENDER_MESSAGE_AD and
    header_bytes(message, sender); the text inside is padded (lengths.unpad_bucket).
    """
    # BEGIN SOLUTION
    chains = {place: ReceivingChain(*position) for place, position in sender_keys_of(recording, oracle).items()}
    texts = []
    for message in recording.messages:
        chain = chains.get((message["sender"], message["generation"]))
        if chain is None:
            continue
        key = chain.key_for(message["index"])
        nonce, ciphertext = base64.b64decode(message["nonce"]), base64.b64decode(message["ciphertext"])
        padded = sealed.open_sealed(key, nonce, ciphertext, SENDER_MESSAGE_AD, header_bytes(message, message["sender"]))
        texts.append((message["sender"], lengths.unpad_bucket(padded).decode()))
    return texts
    # END SOLUTION
