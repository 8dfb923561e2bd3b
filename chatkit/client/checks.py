"""What a client accepts from a server: every line's shape checked before it can change anything.

`protocol.decode` already checks that a line is JSON with the fields its type needs, each of the right JSON type.
A server that lies can still send well-typed nonsense: a room list whose entries are not objects, a sender whose
"name" holds a newline and a forged chat line, a time in the year 30 billion, a counter no client could ever pass.
`check_from_server` refuses all of it with a ProtocolError saying what was expected, so the session drops the line
and reports it instead of acting on it:

>>> check_from_server({"type": "members", "room": "general", "names": ["bob\\n[general] alice: hi"]})
Traceback (most recent call last):
    ...
chatkit.protocol.ProtocolError: name 'bob\\n[general] alice: hi' should be 1-32 letters, digits, '_', '.' or '-'
>>> check_from_server({"type": "message", "id": 1, "room": "general", "sender": "bob", "time": 1e18,
...                    "ciphertext": "q83v"})
Traceback (most recent call last):
    ...
chatkit.protocol.ProtocolError: a message's time should be a Unix time between 0 and 4102444800 (2100), got 1e+18
"""

from collections.abc import Callable

from chatkit import protocol
from chatkit.protocol import Frame, ProtocolError, Refused

LATEST_TIME = 4_102_444_800.0  # 2100-01-01 UTC: later than any honest clock, early enough for every time function
LARGEST_COUNT = 2**63 - 1  # ids, counters and member counts: what a 64-bit signed integer holds, as in SQLite
LONGEST_LIST = 10_000  # rooms in a room list, names in a member list
LONGEST_CODE = 32  # an error's code (the known ones are much shorter)


def check_from_server(frame: Frame) -> None:
    """Raise ProtocolError unless a decoded line from the server is one a client can safely act on."""
    kind = frame["type"]
    check = CHECKS.get(kind)
    if check is None:
        raise ProtocolError(f"a server does not send {kind!r} lines; expected one of {', '.join(sorted(CHECKS))}")
    check(frame)


def check_joined_answers(joined: Frame, asked: str) -> None:
    """Raise Refused unless a 'joined' puts us in the room we asked for (its parameters are the room pins' job)."""
    room = joined["room"]
    if room != asked:
        raise Refused("malformed", f"asked to join {asked}, but the server put us in room {room}")


def check_count(value: int, what: str) -> None:
    """Raise ProtocolError unless a number is between 0 and LARGEST_COUNT."""
    if not 0 <= value <= LARGEST_COUNT:
        raise ProtocolError(f"{what} should be between 0 and {LARGEST_COUNT}, got {value}")


def check_time(value: float, what: str) -> None:
    """Raise ProtocolError unless a time is a plausible Unix time (absurd ones break every clock shown)."""
    if not 0 <= value <= LATEST_TIME:
        raise ProtocolError(f"{what} should be a Unix time between 0 and {LATEST_TIME:.0f} (2100), got {value}")


def check_names(names: list[object], what: str) -> None:
    """Raise ProtocolError unless a list is short and holds only valid names."""
    if len(names) > LONGEST_LIST:
        raise ProtocolError(f"a list of {what}s should have at most {LONGEST_LIST} entries, got {len(names)}")
    for name in names:
        if not isinstance(name, str):
            raise ProtocolError(f"a list of {what}s should hold text, got {type(name).__name__}")
        protocol.check_name(name, what)


def check_text(text: str, what: str) -> None:
    """Raise ProtocolError unless a text is no longer than a chat message may be."""
    if len(text) > protocol.MAX_TEXT_CHARS:
        raise ProtocolError(f"{what} should have at most {protocol.MAX_TEXT_CHARS} characters, got {len(text)}")


def check_message(frame: Frame) -> None:
    """A relayed message: names that are names, a plausible time, ids and counters in range."""
    check_names([frame["sender"], frame["room"]], "name")
    check_time(frame["time"], "a message's time")
    check_count(frame["id"], "a message's id")
    for field in ("counter", "epoch", "generation", "index"):
        if field in frame:
            check_count(frame[field], f"a message's {field}")


def check_joined(frame: Frame) -> None:
    """A room we are put in: its name must be a room name."""
    protocol.check_name(frame["room"], "room")
    if "iterations" in frame:
        check_count(frame["iterations"], "a room's iterations")
    if "head" in frame:
        head = frame["head"]
        if set(head) != {"epoch", "hash"} or type(head["epoch"]) is not int or not isinstance(head["hash"], str):
            raise ProtocolError(f"a room's group head should be an epoch and a hash, got {head!r:.80}")
        check_count(head["epoch"], "a group head's epoch")


def check_room_list(frame: Frame) -> None:
    """A room list: a short list of objects, each a room name and how many people are in it."""
    entries = frame["rooms"]
    if len(entries) > LONGEST_LIST:
        raise ProtocolError(f"a room list should have at most {LONGEST_LIST} rooms, got {len(entries)}")
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) - {"room", "members"} or not isinstance(entry.get("room"), str):
            raise ProtocolError(f"a room list should hold objects with a 'room' and its 'members', got {entry!r:.80}")
        protocol.check_name(entry["room"], "room")
        members = entry.get("members", 0)
        if not isinstance(members, int) or isinstance(members, bool):
            raise ProtocolError(f"a room's 'members' should be a whole number, got {type(members).__name__}")
        check_count(members, "a room's number of members")


def check_members(frame: Frame) -> None:
    """Who is in a room: a room name and a list of names."""
    protocol.check_name(frame["room"], "room")
    check_names(frame["names"], "name")


def check_error(frame: Frame) -> None:
    """A refusal: a short code and a text no longer than a message."""
    if len(frame["code"]) > LONGEST_CODE:
        raise ProtocolError(f"an error's code should have at most {LONGEST_CODE} characters, got {len(frame['code'])}")
    check_text(frame["text"], "an error's text")


def check_welcome(frame: Frame) -> None:
    """The greeting: our name as the server knows it."""
    protocol.check_name(frame["name"], "name")


def check_change(frame: Frame) -> None:
    """A relayed group change: from a named member, numbered (the members check its signature themselves)."""
    protocol.require(frame, "id", "sender")
    check_names([frame["room"], frame["sender"]], "name")
    check_count(frame["id"], "a change's id")


def check_direct(frame: Frame) -> None:
    """A pairwise line: from a named member, of a known kind."""
    protocol.require(frame, "from")
    check_names([frame["room"], frame["from"]], "name")
    if frame["kind"] not in protocol.DIRECT_KINDS:
        raise ProtocolError(f"a direct line's kind should be one of {', '.join(protocol.DIRECT_KINDS)}")


def check_knock(frame: Frame) -> None:
    """A newcomer waiting to be added: names that are names, and their key as base64."""
    check_names([frame["room"], frame["name"]], "name")
    check_names(frame["present"], "name")
    if len(protocol.unb64(frame, "pubkey")) != 32:
        raise ProtocolError("a knock's pubkey should be 32 bytes (an Ed25519 public key)")


CHECKS: dict[str, Callable[[Frame], None]] = {
    "change": check_change,
    "direct": check_direct,
    "knock": check_knock,
    "message": check_message,
    "joined": check_joined,
    "room_list": check_room_list,
    "members": check_members,
    "notice": lambda frame: check_text(frame["text"], "a notice"),
    "error": check_error,
    "welcome": check_welcome,
}
