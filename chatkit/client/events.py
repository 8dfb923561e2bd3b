"""What a client reports to whoever listens (a terminal, a widget, a test): one small class per kind of event."""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ChatMessage:
    """A message that arrived and was decrypted: the plaintext, and the ciphertext and line it came from.

    Built with keywords only (eight fields in a row are easy to swap by mistake).
    """

    room: str
    sender: str
    text: str
    time: float
    ciphertext: str  # base64, exactly as it crossed the wire
    line: bytes  # the whole line, exactly the bytes that crossed the wire
    own: bool  # True if this client sent it (the server relays a message to its sender too)
    id: int = 0


@dataclass(frozen=True)
class Wire:
    """A line that crossed the wire, in either direction ('sent' or 'received')."""

    direction: str
    line: bytes


@dataclass(frozen=True)
class Problem:
    """Something went wrong that the person should see: a refusal from the server or a message that failed."""

    # a refusal's code ('cannot_decrypt', 'replay', 'key_changed', 'held_back', 'wrong_password', 'malformed', ...),
    # or a warning beside a message that was shown: 'gap', 'reorder', 'look_alike'
    code: str
    text: str
    line: bytes = b""  # the line that caused it, if one did


@dataclass(frozen=True)
class Notice:
    """News from the server: someone joined or left a room."""

    text: str


@dataclass(frozen=True)
class Joined:
    """This client is now in `room`."""

    room: str


@dataclass(frozen=True)
class RoomList:
    """The rooms on the server and how many people are in each."""

    rooms: dict[str, int]


@dataclass(frozen=True)
class Members:
    """Who is in a room."""

    room: str
    names: list[str]


@dataclass(frozen=True)
class GroupChanged:
    """Ratchet mode: the room's signed group state changed; `members` is its list, in the order they joined."""

    room: str
    epoch: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Closed:
    """The connection ended; `reason` says why."""

    reason: str


Event = ChatMessage | Wire | Problem | Notice | Joined | RoomList | Members | GroupChanged | Closed
