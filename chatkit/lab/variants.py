"""The capstone's variants: the kit's server and clients with one weakness switched on (notebook 12).

    stage = VariantStage("no-replay-check")                  # weak: old messages are accepted again
    stage = VariantStage("no-replay-check", hardened=True)   # the same stage with the kit's own check back on
    alice = stage.client("alice")                            # a client of the variant (its codec included)

Every variant runs on 127.0.0.1 like any Stage; only the teams' own stages are targets.
"""

from dataclasses import dataclass
from typing import Any

from chatkit.client import ChatClient
from chatkit.client.codec import SealedCodec
from chatkit.client.freshness import Verdict
from chatkit.client.keystore import KeyStore
from chatkit.lab.relay import Relay
from chatkit.lab.stage import Stage
from chatkit.server.sealed import SealedRules


class ForgetfulServer(SealedRules):
    """INSECURE on purpose: accepts any counter, so a replayed message is stored and relayed again (S4 off)."""

    def _check_fresh(self, room: str, sender: str, counter: int) -> None:
        """Check nothing."""


class ForgetfulCodec(SealedCodec):
    """INSECURE on purpose: a client that shows an old message again as if it were new (S4 off)."""

    def is_replay(self, verdict: Verdict) -> bool:
        """Never call anything a replay."""
        return False


class TrustingCodec(SealedCodec):
    """INSECURE on purpose: a client that never warns when a sender's signing key changes (S6 off)."""

    def key_changed(self, sender: str, pinned: bytes, offered: bytes, name: str) -> bool:
        """Never report a change: pin whatever key the server attached, silently."""
        self.identities.store(name).accept(sender, offered)
        return False


@dataclass(frozen=True)
class Variant:
    """One weakness: the mode it runs in, what is switched on, and the pieces that do it."""

    mode: str
    weakness: str
    padding_oracle: bool = False
    server_rules: type[SealedRules] | None = None
    codec: type[SealedCodec] | None = None


VARIANTS = {
    "padding-oracle": Variant("classic", "the classic server says why decryption failed (notebook 06)", True),
    "no-replay-check": Variant(
        "sealed", "server and clients accept an old counter again (S4 off)", False, ForgetfulServer, ForgetfulCodec
    ),
    "ignores-key-change": Variant(
        "sealed", "clients never warn when a sender's signing key changes (S6 off)", codec=TrustingCodec
    ),
}


class VariantStage(Stage):
    """A Stage running one variant, weak or (hardened=True) with the kit's own protection switched back on."""

    def __init__(self, variant: str, *, hardened: bool = False, **options: Any) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"no variant {variant!r}; choose one of {sorted(VARIANTS)}")
        spec = VARIANTS[variant]
        super().__init__(spec.mode, padding_oracle=spec.padding_oracle and not hardened, **options)
        self.variant, self.hardened = variant, hardened
        if spec.server_rules is not None and not hardened:
            self.server.rules = spec.server_rules()  # before anyone connects: every message goes through it
        self.codec = None if hardened else spec.codec

    def __repr__(self) -> str:
        state = "hardened" if self.hardened else "weak"
        return f"<VariantStage {self.variant} ({state}) on {self.address[0]}:{self.address[1]}>"

    def client(
        self, name: str, *, room: str = "general", password: str | None = None, via: Relay | None = None, **options: Any
    ) -> ChatClient:
        """Connect a person with the variant's client (its codec swapped in before connecting)."""
        if self.codec is None:
            return super().client(name, room=room, password=password, via=via, **options)
        host, port = via.address if via else self.address
        options.setdefault("iterations", self.iterations)
        client = ChatClient(host, port, name, password or self.password, room, self.mode, **options)
        store = KeyStore.for_person(name, options.setdefault("keys", self.keys_of(name)))
        client.codec = self.codec(password or self.password, options["iterations"], options.get("identity"), store)
        self.clients.append(client)
        return client.connect()
