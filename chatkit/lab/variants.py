"""The capstone's blind variants: the sealed mode with one protection left out, known to students only by a ticket.

    ticket = ticket_for("spring-2027", "team-04", "silent-gap")   # opaque, e.g. 'ZQ4M3XKB'; the instructor's map
    target = CapstoneStage(ticket)                               # a sealed stage running that variant, on loopback
    alice = target.client("alice")                               # a client of the variant (its codec included)
    fixed = CapstoneStage(ticket, fixed=True)                     # the same stage with the kit's protection back

Every stage says the same things whatever its variant: the server's banner and welcome, every text a client shows,
every line on the wire (up to the random bytes: nonces, ciphertexts, keys, signatures, times), and its repr names
only the ticket. A ticket is derived from the class's seed and the team, so a glance tells nothing; it is not a
secret either (this module decodes it), which is why the rules of engagement say: attack through the wire and the
clients, never by reading the stage's objects. The instructor's map (class_map) is for the instructor's eyes.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from chatkit.client import ChatClient
from chatkit.client.keystore import KeyStore
from chatkit.client.room_pins import RoomPins
from chatkit.lab import flaws
from chatkit.lab.capstone_codec import CapstoneCodec
from chatkit.lab.relay import Relay
from chatkit.lab.stage import Stage
from chatkit.server.sealed import SealedRules


class TicketError(ValueError):
    """A ticket that no draw of this kit made."""


@dataclass(frozen=True)
class Variant:
    """One weakness: what it leaves out, the client and the server that leave it out, and who can exploit it."""

    weakness: str
    attacker: str
    codec: type[CapstoneCodec] = CapstoneCodec
    rules: type[SealedRules] = SealedRules


# The catalogue, in a fixed order (a ticket stores the position). Instructor material: never printed to students.
VARIANTS = {
    "counter-nonce": Variant(
        "the nonce is the sender's counter: two senders reuse it", "eavesdropper", flaws.CounterNonce
    ),
    "unpadded": Variant("no padding: lengths give the text's length away", "eavesdropper", flaws.Unpadded),
    "signs-plaintext": Variant(
        "the signature covers the text, not the header", "member on the path", flaws.SignsPlaintext
    ),
    "skips-signature": Variant("the signature is never checked", "member on the path", flaws.SkipsSignature),
    "silent-repin": Variant("a changed key is pinned silently", "member", flaws.SilentRepin),
    "trusts-attached-key": Variant("the server's attached key beats the pin", "member", flaws.TrustsAttachedKey),
    "forgets-replays": Variant("the client shows an old number again", "server", flaws.ForgetsReplays),
    "marks-in-memory": Variant("the replay marks are lost on restart", "server", flaws.MarksInMemory),
    "silent-gap": Variant("a dropped message is not reported", "server", flaws.SilentGap),
    "unflagged-look-alike": Variant("a look-alike name is not flagged", "member", flaws.UnflaggedLookAlike),
    "no-replay-check": Variant(
        "neither server nor client checks the counter", "network", flaws.ForgetsReplays, flaws.ForgetfulServer
    ),
    "name-marks": Variant(
        "the server's marks belong to a name, signed or not", "outsider", rules=flaws.NameMarksServer
    ),
}
TICKET_TAG_BYTES = 4


def ticket_for(seed: str, team: str, variant: str) -> str:
    """Return the opaque ticket of `team`'s variant in the class drawn with `seed` (8 letters and digits)."""
    if variant not in VARIANTS:
        raise TicketError(f"no variant {variant!r}: choose one of the {len(VARIANTS)} in VARIANTS")
    tag = hmac.new(seed.encode(), team.encode(), hashlib.sha256).digest()[:TICKET_TAG_BYTES]
    position = (list(VARIANTS).index(variant) + tag[0]) % 256  # masked, so equal variants look unrelated
    return base64.b32encode(tag + bytes([position])).decode()


def variant_of(ticket: str) -> str:
    """Return the variant a ticket stands for (instructor's side: the student notebooks never call this)."""
    try:
        raw = base64.b32decode(ticket)
    except ValueError:
        raise TicketError(f"a ticket is 8 letters and digits from a class draw, got {ticket!r}") from None
    if len(raw) != TICKET_TAG_BYTES + 1 or (raw[-1] - raw[0]) % 256 >= len(VARIANTS):
        raise TicketError(f"{ticket!r} is not a ticket of this kit's draw")
    return list(VARIANTS)[(raw[-1] - raw[0]) % 256]


class CapstoneStage(Stage):
    """A sealed Stage running a ticket's variant, or (fixed=True) the same stage with the protection put back."""

    def __init__(self, ticket: str, *, fixed: bool = False, **options: Any) -> None:
        variant = VARIANTS[variant_of(ticket)]
        super().__init__("sealed", **options)
        self.ticket, self.fixed = ticket, fixed
        self.server.rules = SealedRules() if fixed else variant.rules()  # before anyone connects
        self.codec = CapstoneCodec if fixed else variant.codec

    def __repr__(self) -> str:
        state = "fixed" if self.fixed else "as drawn"
        return f"<CapstoneStage {self.ticket} ({state}) on {self.address[0]}:{self.address[1]}>"

    def client(
        self, name: str, *, room: str = "general", password: str | None = None, via: Relay | None = None, **options: Any
    ) -> ChatClient:
        """Connect a person with the stage's client (its codec swapped in before connecting)."""
        host, port = via.address if via else self.address
        options.setdefault("iterations", self.iterations)
        options.setdefault("keys", self.keys_of(name))
        passphrase = password or self.password
        client = ChatClient(host, port, name, passphrase, room, "sealed", **options)
        store = KeyStore.for_person(name, options["keys"])
        identity, despite_check = options.get("identity"), options.get("despite_check", False)
        pins = RoomPins(f"{host}:{port}", store.folder)  # as ChatClient keeps them: beside the person's other pins
        client.codec = self.codec(
            passphrase, options["iterations"], identity, store, room_pins=pins, despite_check=despite_check
        )
        self.clients.append(client)
        return client.connect()
