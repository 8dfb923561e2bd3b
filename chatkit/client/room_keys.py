"""How a sealed client enters a room: create it, or check what its creator left, then derive its key once (S5, S12).

The server announces a room with the parameters (salt and KDF) and the check its creator's client left, or with
none when the room is new. A new room: we choose its parameters and send them back with a check. A known room:
its parameters must be above our floor and the ones we pinned when we first joined it, and its check (an HMAC
under the room key over the room and the parameters) must match the key our passphrase gives. A check that does not
match is either a wrong passphrase or a room an outsider created first; by default we refuse, and with
`despite_check=True` we go on with a warning (the outsider still cannot read: they do not have our passphrase).
Parameters below our floor (but within the ceiling) are refused too, unless `despite_check=True`: then we go on
with a `weak_room` warning. Malformed ones never get here from an honest server: it keeps no malformed offer (S11).
"""

from dataclasses import dataclass

from chatkit.client.events import Problem
from chatkit.client.keystore import PinCheck
from chatkit.client.room_pins import RoomPins
from chatkit.crypto import room_check, room_params
from chatkit.protocol import Frame, ProtocolError, Refused, b64, check_room_params, unb64

CHECK_DIFFERS = (
    "the room's check does not match your passphrase: either yours is wrong, or whoever created the room did not"
    " know it"
)
ROOM_CHANGED = (
    "its salt or KDF differs from the ones pinned when you first joined it: the server (or the network) changed"
    " them; refused"
)

WEAKER = (
    "weaker key derivation than your floor ({weak}): going on as you asked; anyone who stores its check can guess"
    " the passphrase faster"
)
MADE_AGAIN = (
    "the server says it is new, but you joined it before: its parameters are gone (a new database, or a server"
    " that splits the room); you made it again with new ones, and members who kept the old ones cannot read you"
)


@dataclass(frozen=True)
class Joining:
    """What joining a room leads to: a message to send back (a new room's check), and a warning to show."""

    reply: Frame | None = None  # sent, and the server's answer awaited (a sealed room's check)
    warning: Problem | None = None
    sends: tuple[Frame, ...] = ()  # sent without waiting for an answer (the ratchet mode's 'create')


class RoomKeys:
    """One person's room keys for one session, and how each was agreed on."""

    def __init__(
        self, passphrase: str, iterations: int | None, room_pins: RoomPins | None, despite_check: bool
    ) -> None:
        self._passphrase = passphrase  # kept: each room's key comes from the parameters its creator chose
        self.iterations = iterations  # None: Argon2id for rooms we create; a number: cheap PBKDF2, asked for
        self.room_pins = room_pins or RoomPins("this server")
        self.despite_check = despite_check
        self.keys: dict[str, bytes] = {}  # room -> key, derived once per session (S5)
        self._derived: dict[bytes, bytes] = {}  # binding (room and parameters) -> key
        self._creating: set[str] = set()  # the room we just offered parameters for, until the next 'joined'

    def on_joined(self, joined: Frame) -> Joining:
        """Create the room, or check its parameters and check; raise Refused saying why we will not stay."""
        room = joined["room"]
        creating, self._creating = room in self._creating, set()  # only the very next 'joined' may settle a race
        if "kdf" not in joined:  # a new room: we are its creator and choose its salt and KDF
            return self._create(room)
        params, weak = self._accepted(room, joined["kdf"])
        return self._enter(room, params, joined, creating, weak)

    def _enter(
        self, room: str, params: room_params.RoomParams, joined: Frame, creating: bool, weak: str = ""
    ) -> Joining:
        """Derive the key of a room its creator set up, compare pin and check, and keep the key if we stay."""
        bound = room_params.binding(room, params)
        key = self._key(room, params)
        matches = check_matches(key, bound, joined)
        if creating and matches:  # someone with our passphrase created it a moment before us: use theirs
            self.room_pins.forget(room)
        if self.room_pins.check(room, bound) is PinCheck.CHANGED:
            raise Refused("room_changed", f"room {room}: {ROOM_CHANGED}")
        if not matches and not self.despite_check:
            raise Refused("wrong_password", f"wrong password for room {room}: {CHECK_DIFFERS}")
        self.keys[room] = key
        if weak:  # below our floor, and we were asked to go on: say so, with the check's news too
            differs = "" if matches else f"; and {CHECK_DIFFERS}"
            return Joining(warning=Problem("weak_room", f"room {room} uses {weak}{differs}"))
        if matches:
            return Joining()
        return Joining(warning=Problem("check_differs", f"room {room}: {CHECK_DIFFERS}; going on as you asked"))

    def _create(self, room: str) -> Joining:
        """Choose a new room's parameters, pin them, and return the check that lets later members test theirs."""
        params = room_params.choose(self.iterations)
        bound = room_params.binding(room, params)
        known = self.room_pins.check(room, bound) is not PinCheck.NEW
        if known:  # we were in it before: the server lost its parameters, or drops them to split the room
            self.room_pins.forget(room)
            self.room_pins.check(room, bound)
        self._creating.add(room)
        self.keys[room] = self._key(room, params)
        check = room_check.make_check(self.keys[room], bound)
        offer = {"type": "check", "room": room, "kdf": room_params.to_fields(params), "check": b64(check)}
        return Joining(offer, Problem("room_made_again", f"room {room}: {MADE_AGAIN}") if known else None)

    def _accepted(self, room: str, fields: object) -> tuple[room_params.RoomParams, str]:
        """Return the room's parameters and, if below our floor but asked to go on, why; else raise Refused."""
        try:
            check_room_params(fields)  # the shape, the same check the server makes before it stores an offer
            params = room_params.from_fields(fields)
            room_params.check_ceiling(params)  # an absurdly costly room is refused, whatever we were asked
        except (ProtocolError, room_params.WeakParams) as malformed:
            raise Refused("weak_room", f"room {room}: {malformed}") from None
        try:
            room_params.check_floor(params, self._weakest_pbkdf2())
        except room_params.WeakParams as weak:
            if not self.despite_check:
                raise Refused("weak_room", f"room {room}: {weak}") from None
            return params, WEAKER.format(weak=weak)
        return params, ""

    def _weakest_pbkdf2(self) -> int:
        """Return the fewest PBKDF2 iterations we accept: OWASP's, unless fewer were asked for explicitly."""
        if self.iterations is None:
            return room_params.PBKDF2_FLOOR
        return min(self.iterations, room_params.PBKDF2_FLOOR)

    def _key(self, room: str, params: room_params.RoomParams) -> bytes:
        """Derive a room's key once per session and parameters (a derivation is slow on purpose)."""
        bound = room_params.binding(room, params)
        if bound not in self._derived:
            self._derived[bound] = room_params.room_key(self._passphrase, room, params)
        return self._derived[bound]


def check_matches(key: bytes, bound: bytes, joined: Frame) -> bool:
    """Return whether the room's check was made with this key for this room and parameters (absent: it was not)."""
    try:
        return "check" in joined and room_check.matches(key, bound, unb64(joined, "check"))
    except ProtocolError:
        return False
