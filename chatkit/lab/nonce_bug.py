"""INSECURE on purpose: a sealed client whose AES-GCM nonces count 1, 2, 3 ... from every new connection (notebook 15).

A counter is a fine nonce for ONE sender under ONE key. But a room key is shared by every member, and this client
starts counting again at each connection: Alice's first message, Bob's first message and Alice's first message after
a reconnect all go out under the nonce 00...01 and the same key. Everything else is the kit's sealed client: only
its `nonce_for` step is replaced.

    stage = NonceBugStage()             # a sealed server; stage.client(...) gives counting-nonce clients
    alice = stage.client("alice")

`blob_of(frame)` takes a captured sealed line apart into what GCM authenticated (chatkit.lab.gcm_forbidden);
`say_as_outsider` sends a forged line through the kit's own server from a connection that never knew the passphrase.
"""

import base64
import socket
from typing import Any

from chatkit.client import ChatClient
from chatkit.client.codec import SealedCodec
from chatkit.client.keystore import KeyStore
from chatkit.crypto import labels, sealed
from chatkit.lab.gcm_forbidden import SealedBlob
from chatkit.lab.relay import Relay
from chatkit.lab.stage import Stage
from chatkit.protocol import MAX_LINE_BYTES, Frame, decode, encode, header_bytes

TAG_BYTES = 16
SAY_FIELDS = ("room", "counter", "time", "nonce", "ciphertext", "signature")
OUTSIDER_SECONDS = 5.0


class CountingNonceCodec(SealedCodec):
    """INSECURE on purpose: the sealed codec with nonce = how many messages this connection has sealed so far."""

    sealed_count = 0

    def nonce_for(self, counter: int) -> bytes:
        """Return how many messages this client has sealed, as 12 bytes, instead of a random nonce."""
        self.sealed_count += 1
        return self.sealed_count.to_bytes(sealed.NONCE_BYTES, "big")  # the bug: every member counts from 1


class NonceBugStage(Stage):
    """A sealed Stage whose clients have the counting-nonce bug (the server is the kit's own, unchanged)."""

    def __init__(self, **options: Any) -> None:
        super().__init__("sealed", **options)

    def client(
        self, name: str, *, room: str = "general", password: str | None = None, via: Relay | None = None, **options: Any
    ) -> ChatClient:
        """Connect a person with a counting-nonce client (the codec swapped in before connecting)."""
        host, port = via.address if via else self.address
        options.setdefault("iterations", self.iterations)
        passphrase = password or self.password
        client = ChatClient(host, port, name, passphrase, room, self.mode, **options)
        store = KeyStore.for_person(name, options.setdefault("keys", self.keys_of(name)))
        client.codec = CountingNonceCodec(passphrase, options["iterations"], options.get("identity"), store)
        self.clients.append(client)
        return client.connect()


def blob_of(frame: Frame) -> SealedBlob:
    """Return what GCM authenticated in a sealed line: label + header as associated data, ciphertext, tag."""
    header = header_bytes(frame["room"], frame["sender"], frame["counter"], frame["time"])
    raw = base64.b64decode(frame["ciphertext"])
    return SealedBlob(labels.MESSAGE_AD + header, raw[:-TAG_BYTES], raw[-TAG_BYTES:])


def say_as_outsider(address: tuple[str, int], line: Frame) -> None:
    """Connect as the line's sender, with its pubkey and no passphrase, say the line once, and leave (bounded in time).

    A sealed server holds no key, so it cannot tell a member from an outsider: it checks the line's shape and
    counter and relays it. Only the readers' checks (the tag, the signature) decide.
    """
    hello = {"type": "hello", "name": line["sender"], "room": line["room"], "pubkey": line["pubkey"]}
    with socket.create_connection(address, timeout=OUTSIDER_SECONDS) as connection:
        stream = connection.makefile("rwb")
        stream.write(encode(hello))
        stream.flush()
        while decode(stream.readline(MAX_LINE_BYTES + 1))["type"] != "joined":  # welcome, then joined (or timeout)
            pass
        stream.write(encode({"type": "say", **{field: line[field] for field in SAY_FIELDS}}))
        stream.flush()
        stream.close()
