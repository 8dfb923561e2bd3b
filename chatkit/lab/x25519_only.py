"""Ratchet-mode members for notebook 13: the normal hybrid exchange, or the lab's weakened X25519-only one.

    alice = member(stage, "alice", pq=False, via=relay)    # INSECURE on purpose: no ML-KEM in her exchanges

`pq=False` is a knob of the ratchet codec (RatchetCodec(pq=False)), never a default: it must be set before the
member joins, because the member's pairwise sessions are made on joining. An X25519-only exchange is what every
messenger ran before 2023; a future quantum computer opens it from a recording (chatkit/lab/quantum.py).
"""

from chatkit.client import ChatClient
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.lab.relay import Relay
from chatkit.lab.stage import Stage


def member(stage: Stage, name: str, *, pq: bool = True, room: str = "general", via: Relay | None = None) -> ChatClient:
    """Connect a ratchet-mode member to the stage (through a relay if given), its exchanges hybrid or X25519-only."""
    if stage.mode != "ratchet":
        raise ValueError(f"pq is a knob of the ratchet mode's exchange, and this stage runs the {stage.mode} mode")
    host, port = via.address if via else stage.address
    client = ChatClient(host, port, name, "", room, "ratchet", keys=stage.keys_of(name))
    codec = client.codec
    if not isinstance(codec, RatchetCodec):
        raise TypeError(f"a ratchet-mode client should have a RatchetCodec, got {type(codec).__name__}")
    codec.pq = pq  # read when the member joins, so set before connecting
    stage.clients.append(client)
    return client.connect()
