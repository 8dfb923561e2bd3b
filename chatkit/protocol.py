r"""The wire format: one JSON object per line, bytes as base64 text, a size limit, clear decode errors.

TCP delivers a stream of bytes, not messages: the newline is what marks where one message ends (framing.py).
Pure functions only: bytes in, messages out. No sockets, no crypto. `encode` turns a message (a dict with a
"type") into one line, `decode` checks a line and gives the message back. The lines are readable on purpose, so
students can watch them. The examples below are the whole wire format, one of every type, and the tests run them.

What a client sends. It greets once (a classic client proves it knows the password, a sealed one brings the public
half of its signing key), then says things, moves between rooms, and asks who is there:

>>> encode({"type": "hello", "name": "alice", "room": "general", "proof": "c2VjcmV0"})
b'{"type": "hello", "name": "alice", "room": "general", "proof": "c2VjcmV0"}\n'
>>> encode({"type": "say", "ciphertext": "q83v"})                  # classic: the ciphertext is all there is
b'{"type": "say", "ciphertext": "q83v"}\n'
>>> encode({"type": "join", "room": "random"})
b'{"type": "join", "room": "random"}\n'
>>> encode({"type": "check", "room": "random", "kdf": {"name": "argon2id", "salt": "c2FsdA=="}, "check": "bWFj"})
b'{"type": "check", "room": "random", "kdf": {"name": "argon2id", "salt": "c2FsdA=="}, "check": "bWFj"}\n'
>>> encode({"type": "rooms"}), encode({"type": "who"}), encode({"type": "quit"})
(b'{"type": "rooms"}\n', b'{"type": "who"}\n', b'{"type": "quit"}\n')

(The first member of a sealed room chooses its salt and key derivation and leaves a `check` with them: an HMAC under
the room key, so later members learn at once whether their passphrase is right. The server stores both unchanged.)
A sealed `say` carries its header too, which the signature covers:

>>> decode(b'{"type": "say", "ciphertext": "q83v", "room": "general", "counter": 7, "time": 1700000000.25, '
...        b'"nonce": "bm9uY2U=", "signature": "c2ln"}\n')["counter"]
7

A ratchet-mode client says which mode it runs, names the group epoch and state hash each message was sent in and
the sender key that sealed it, proposes signed changes to the group (naming the head they make) and sends
pairwise lines to one member at a time (docs/ratchet-mode.md):

>>> decode(b'{"type": "hello", "name": "alice", "room": "general", "pubkey": "a2V5", "mode": "ratchet"}\n')["mode"]
'ratchet'
>>> say = decode(b'{"type": "say", "room": "general", "epoch": 2, "group": "aGFzaA==", "generation": 1, '
...              b'"index": 5, "nonce": "bm9uY2U=", "ciphertext": "q83v", "signature": "c2ln"}\n')
>>> say["epoch"], say["generation"], say["index"]
(2, 1, 5)
>>> change = {"kind": "add", "name": "carol", "pubkey": "a2V5", "epoch": 3, "parent": "aGFzaA==", "by": "alice",
...           "signature": "c2ln"}
>>> decode(encode({"type": "change", "room": "general", "change": change, "head": "bmV3"}))["change"]["kind"]
'add'
>>> decode(b'{"type": "direct", "room": "general", "to": "bob", "kind": "offer", "body": {"session": "c2Vz"}}\n')["to"]
'bob'

What the server sends back. A welcome, then each room's parameters on joining (sealed: what its creator chose and
the check; a room with none yet is new, and the one who joins it creates it):

>>> decode(b'{"type": "welcome", "name": "alice", "mode": "sealed"}\n')
{'type': 'welcome', 'name': 'alice', 'mode': 'sealed'}
>>> joined = decode(b'{"type": "joined", "room": "random", "kdf": {"name": "pbkdf2-sha256", "salt": "c2FsdA==", '
...                 b'"iterations": 600000}, "check": "bWFj"}\n')
>>> joined["kdf"]["iterations"], joined["check"]
(600000, 'bWFj')

Every message said in the room, to every member (the sender too), numbered by the server's log:

>>> message = decode(
...     b'{"type": "message", "id": 42, "room": "general", "sender": "bob", "time": 1700000000.25, '
...     b'"ciphertext": "q83v", "counter": 7, "nonce": "bm9uY2U=", "signature": "c2ln", "pubkey": "a2V5"}\n'
... )
>>> message["id"], message["sender"], unb64(message, "ciphertext")
(42, 'bob', b'\xab\xcd\xef')

In the ratchet mode, `joined` names the room's group head (none: the group does not exist yet), a newcomer's
arrival is a `knock` to the others, and changes and pairwise lines are relayed with who sent them:

>>> decode(b'{"type": "joined", "room": "general", "head": {"epoch": 2, "hash": "aGFzaA=="}}\n')["head"]["epoch"]
2
>>> decode(b'{"type": "knock", "room": "general", "name": "carol", "pubkey": "a2V5", "present": ["alice"]}\n')["name"]
'carol'
>>> relayed = decode(encode({"type": "change", "room": "general", "id": 7, "sender": "alice", "change": change}))
>>> relayed["id"], relayed["sender"]
(7, 'alice')
>>> decode(b'{"type": "direct", "room": "general", "from": "alice", "kind": "envelope", "body": {}}\n')["from"]
'alice'

Answers to `rooms` and `who`, news, and refusals (`code` is a key of REFUSALS, `text` is for a person):

>>> decode(b'{"type": "room_list", "rooms": [{"room": "general", "members": 2}]}\n')["rooms"]
[{'room': 'general', 'members': 2}]
>>> decode(b'{"type": "members", "room": "general", "names": ["alice", "bob"]}\n')["names"]
['alice', 'bob']
>>> decode('{"type": "notice", "text": "bob joined — welcome ✓"}\n'.encode())["text"]
'bob joined — welcome ✓'
>>> decode(b'{"type": "error", "code": "rate_limited", "text": "slow down"}\n')["code"]
'rate_limited'

A line that is not a valid message is refused with a sentence saying what was expected and what arrived:

>>> decode(b'{"type": "join"}\n')
Traceback (most recent call last):
    ...
chatkit.protocol.ProtocolError: 'join' message needs the field 'room'
>>> decode(b'{"type": "shout", "text": "HI"}\n')  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
chatkit.protocol.ProtocolError: unknown message type 'shout'; expected one of change, check, direct, ...
"""

import base64
import binascii
import json
import math
import re
from typing import Any

MAX_LINE_BYTES = 64 * 1024  # a line longer than this is refused before it is parsed
MAX_TEXT_CHARS = 4000  # longest chat message a person may type
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,32}")  # also used for room names

Frame = dict[str, Any]

# What a ratchet-mode message carries besides its ciphertext: the group epoch and state hash it was sent in, and the
# sender key (generation) and place in its chain (index) that sealed it (docs/ratchet-mode.md).
RATCHET_HEADER: dict[str, type] = {"epoch": int, "group": str, "generation": int, "index": int}
DIRECT_KINDS = ("offer", "answer", "finish", "envelope", "welcome")  # what a member sends to one other member

# type -> {field: python type}. Fields not listed in OPTIONAL must be present.
FIELDS: dict[str, dict[str, type]] = {
    # client -> server
    "hello": {"name": str, "room": str, "proof": str, "pubkey": str, "mode": str},
    "say": {
        "ciphertext": str,
        "room": str,
        "counter": int,
        "time": float,
        "nonce": str,
        "signature": str,
        **RATCHET_HEADER,
    },
    "join": {"room": str},
    "check": {"room": str, "kdf": dict, "check": str},
    "rooms": {},
    "who": {},
    "quit": {},
    # both ways, in the ratchet mode (the server adds who sent it, and numbers changes)
    "change": {"room": str, "change": dict, "head": str, "id": int, "sender": str},
    "direct": {"room": str, "to": str, "from": str, "kind": str, "body": dict},
    # server -> client
    "welcome": {"name": str, "mode": str},
    "joined": {"room": str, "kdf": dict, "check": str, "head": dict},
    "knock": {"room": str, "name": str, "pubkey": str, "present": list},
    "message": {
        "id": int,
        "room": str,
        "sender": str,
        "time": float,
        "ciphertext": str,
        "counter": int,
        "nonce": str,
        "signature": str,
        "pubkey": str,
        **RATCHET_HEADER,
    },
    "room_list": {"rooms": list},
    "members": {"room": str, "names": list},
    "notice": {"text": str},
    "error": {"code": str, "text": str},
}
OPTIONAL: dict[str, set[str]] = {
    "hello": {"proof", "pubkey", "mode"},
    "say": {"room", "counter", "time", "nonce", "signature", *RATCHET_HEADER},
    "joined": {"kdf", "check", "head"},
    "message": {"counter", "nonce", "signature", "pubkey", *RATCHET_HEADER},
    "change": {"head", "id", "sender"},  # a client names the head its change makes; the server adds id and sender
    "direct": {"to", "from"},  # a client names who it is for; the server says who it is from
}


class ProtocolError(ValueError):
    """A line that is not a valid chatkit message; the text says what was expected and what arrived."""


class ChatError(RuntimeError):
    """Something the chat could not do (connect, join, send); the text says what happened."""


# Why a request can be refused: the `code` of an 'error' line, of a Refused exception on either side, and (in
# scripts/run_client.py) of the terminal client's exit code. One table, so the three can never disagree.
REFUSALS: dict[str, str] = {
    "malformed": "the line was not a valid message",
    "timeout": "the greeting did not arrive in time",
    "wrong_mode": "the client and the server run different modes",
    "wrong_password": "the password or passphrase is wrong",
    "name_taken": "someone connected already has this name",
    "rate_limited": "too many lines too fast; this one was not sent",
    "wrong_room": "the message names another room than the sender's",
    "replay": "this message was seen before",
    "cannot_decrypt": "the message did not decrypt",
    "bad_padding": "classic mode with the padding oracle on: the padding was wrong",
    "not_supported": "this server does not do that in its mode",
    "key_changed": "the sender came with another identity key than the one pinned for them: held back",
    "held_back": "another message from a sender whose new key is not accepted yet: held back",
    "weak_room": "the room's salt or key derivation is below this client's floor (or absurdly costly)",
    "room_changed": "the room's salt or key derivation changed since this client first joined it",
    "stale_change": "the group change was made on a group state that is no longer the room's head",
    "no_such_member": "nobody of that name is in your room",
    "not_in_group": "not a member of the room's group (yet): wait to be added",
    "bad_change": "a group change that is not signed by a member or not made on our group state",
    "fork": "a message or change made in another group state at the same epoch: the server may be forking the group",
    "handshake_failed": "the key exchange with another member failed: a value was swapped, replayed or malformed",
    "no_sender_key": "the sender key for this message has not arrived: it is held until it does",
}


class Refused(ChatError):
    """A request the other side refused: `code` (a key of REFUSALS) says why, the text says it to a person.

    The server raises it and sends it as an 'error' line; the client raises it again from that line:

    >>> refusal = Refused("name_taken", "the name alice is already taken on this server")
    >>> encode(refusal.frame())
    b'{"type": "error", "code": "name_taken", "text": "the name alice is already taken on this server"}\\n'
    >>> Refused.from_frame(decode(encode(refusal.frame()))).code
    'name_taken'
    """

    def __init__(self, code: str, text: str) -> None:
        if code not in REFUSALS:
            raise ValueError(f"unknown refusal code {code!r}; expected one of {', '.join(REFUSALS)}")
        super().__init__(text)
        self.code = code
        self.text = text

    def frame(self) -> "Frame":
        """Return the 'error' message that tells the other side."""
        return error(self.code, self.text)

    @classmethod
    def from_frame(cls, frame: "Frame") -> "Refused":
        """Rebuild the refusal an 'error' message carries (an unknown code counts as 'malformed')."""
        code = frame["code"] if frame["code"] in REFUSALS else "malformed"
        return cls(code, frame["text"])


def encode(frame: Frame) -> bytes:
    """Turn a message into one line of bytes, newline included."""
    check_frame(frame)
    line = json.dumps(frame, ensure_ascii=False, separators=(", ", ": ")).encode() + b"\n"
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"message of {len(line)} bytes exceeds the limit of {MAX_LINE_BYTES} bytes")
    return line


def decode(line: bytes) -> Frame:
    """Turn one line of bytes into a checked message, or raise ProtocolError."""
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"line of {len(line)} bytes exceeds the limit of {MAX_LINE_BYTES} bytes")
    frame = parse_json(line)
    if not isinstance(frame, dict):
        raise ProtocolError(f"expected a JSON object, got {type(frame).__name__}")
    check_frame(frame)
    return frame


def parse_json(line: bytes) -> object:
    """Parse a line as JSON, turning every way that can fail into ProtocolError."""
    try:
        return json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProtocolError("line is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ProtocolError(f"line is not JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise ProtocolError("line nests JSON arrays or objects too deeply") from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits (Python's int_max_str_digits)
        raise ProtocolError(f"line is not acceptable JSON ({error})") from None


def check_frame(frame: Frame) -> None:
    """Check a message's type and fields against FIELDS, or raise ProtocolError."""
    kind = frame.get("type")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise ProtocolError(f"unknown message type {kind!r}; expected one of {', '.join(sorted(FIELDS))}")
    spec, optional = FIELDS[kind], OPTIONAL.get(kind, set())
    for name, expected in spec.items():
        if name not in frame:
            if name not in optional:
                raise ProtocolError(f"{kind!r} message needs the field {name!r}")
            continue
        check_field_type(kind, name, frame[name], expected)
    unknown = set(frame) - set(spec) - {"type"}
    if unknown:
        raise ProtocolError(f"{kind!r} message has unknown fields: {', '.join(map(ascii, sorted(unknown)))}")


def check_field_type(kind: str, name: str, value: object, expected: type) -> None:
    """Raise ProtocolError if a field's value is not of the expected JSON type."""
    ok = isinstance(value, expected) and not isinstance(value, bool)
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise ProtocolError(f"{kind!r} field {name!r} should be {expected.__name__}, got {type(value).__name__}")
    if isinstance(value, str) and not is_unicode(value):
        raise ProtocolError(f"{kind!r} field {name!r} is not Unicode text (it holds a lone surrogate)")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProtocolError(f"{kind!r} field {name!r} should be a finite number, got {value}")


def is_unicode(text: str) -> bool:
    """Return whether text can be written as UTF-8 (a JSON escape like \\ud800 gives text that cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def require(frame: Frame, *names: str) -> None:
    """Raise ProtocolError unless the message carries every optional field named (a mode needs them)."""
    missing = [name for name in names if name not in frame]
    if missing:
        raise ProtocolError(f"{frame['type']!r} message needs the fields {', '.join(missing)} in this mode")


def check_name(value: str, what: str = "name") -> str:
    """Return a user or room name if it is 1-32 letters, digits, '_', '.' or '-'; else raise ProtocolError."""
    if not NAME_PATTERN.fullmatch(value):
        raise ProtocolError(f"{what} {value!r} should be 1-32 letters, digits, '_', '.' or '-'")
    return value


def b64(data: bytes) -> str:
    """Encode bytes as base64 text for a JSON field."""
    return base64.b64encode(data).decode("ascii")


def unb64(frame: Frame, name: str) -> bytes:
    """Decode a base64 field of a message, or raise ProtocolError."""
    try:
        return base64.b64decode(frame[name], validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(f"field {name!r} is not valid base64") from None


# A sealed room's key derivation as its creator offers it: the fields of each KDF, and the range of every cost number.
# How costly is costly enough is each client's floor (chatkit.crypto.room_params); the most a room may cost is the
# protocol's, the same as every client's ceiling, so the server never keeps a room no client would enter.
ROOM_KDF_FIELDS = {"pbkdf2-sha256": ("iterations",), "argon2id": ("memory_kib", "passes", "lanes")}
ROOM_SALT_BYTES = range(16, 65)
ROOM_COST_MAX = {"iterations": 10_000_000, "memory_kib": 256 * 1024, "passes": 10, "lanes": 8}


def check_room_params(fields: object) -> None:
    """Raise ProtocolError unless a room's KDF fields are one known KDF, a 16-64 byte base64 salt and its costs."""
    if not isinstance(fields, dict) or fields.get("name") not in ROOM_KDF_FIELDS:
        raise ProtocolError(f"room parameters should name one of {', '.join(ROOM_KDF_FIELDS)}, got {fields!r:.200}")
    costs = ROOM_KDF_FIELDS[fields["name"]]
    if set(fields) != {"name", "salt", *costs}:
        raise ProtocolError(f"{fields['name']} room parameters should have exactly name, salt, {', '.join(costs)}")
    for cost in costs:
        if type(fields[cost]) is not int or not 1 <= fields[cost] <= ROOM_COST_MAX[cost]:
            raise ProtocolError(f"room parameters' {cost} should be a whole number from 1 to {ROOM_COST_MAX[cost]}")
    if fields["name"] == "argon2id" and fields["memory_kib"] < 8 * fields["lanes"]:  # what Argon2 itself requires
        raise ProtocolError("room parameters' memory_kib should be at least 8 per lane (Argon2 can do no less)")
    if not isinstance(fields["salt"], str) or len(unb64(fields, "salt")) not in ROOM_SALT_BYTES:
        raise ProtocolError("room parameters' salt should be base64 of 16 to 64 bytes")


def header_bytes(room: str, sender: str, counter: int, sent_at: float) -> bytes:
    """The bytes of a sealed message's header, bound to it as associated data (S3): the same on every machine."""
    return json.dumps([room, sender, counter, sent_at], separators=(",", ":")).encode()


def error(code: str, text: str) -> Frame:
    """Build an error message for the person who caused it."""
    return {"type": "error", "code": code, "text": text}
