"""The wire format: every message type round trips, and every bad line is refused with a clear ProtocolError."""

import doctest
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatkit import protocol
from chatkit.protocol import FIELDS, MAX_LINE_BYTES, OPTIONAL, Frame, ProtocolError

# One complete example of every message type, every optional field included. protocol.py's docstring shows one of
# each type as a student first meets it (often without the optional fields); these are the exhaustive ones.
RATCHET_EXAMPLE = {"epoch": 2, "group": "aGFzaA==", "generation": 1, "index": 5}
EXAMPLES: dict[str, Frame] = {
    "hello": {
        "type": "hello",
        "name": "alice",
        "room": "general",
        "proof": "cHJvb2Y=",
        "pubkey": "a2V5",
        "mode": "sealed",
    },
    "say": {
        "type": "say",
        "ciphertext": "q83v",
        "room": "general",
        "counter": 7,
        "time": 1700000000.25,
        "nonce": "bm9uY2U=",
        "signature": "c2ln",
        **RATCHET_EXAMPLE,
    },
    "join": {"type": "join", "room": "random"},
    "check": {"type": "check", "room": "general", "kdf": {"name": "argon2id"}, "check": "q83v"},
    "rooms": {"type": "rooms"},
    "who": {"type": "who"},
    "quit": {"type": "quit"},
    "welcome": {"type": "welcome", "name": "alice", "mode": "sealed"},
    "joined": {
        "type": "joined",
        "room": "general",
        "kdf": {"name": "pbkdf2-sha256", "salt": "c2FsdA==", "iterations": 600000},
        "check": "",
        "head": {"epoch": 2, "hash": "aGFzaA=="},
    },
    "knock": {"type": "knock", "room": "general", "name": "carol", "pubkey": "a2V5", "present": ["alice", "bob"]},
    "change": {
        "type": "change",
        "room": "general",
        "change": {"kind": "add", "name": "carol"},
        "head": "aGVhZA==",
        "id": 4,
        "sender": "alice",
    },
    "direct": {"type": "direct", "room": "general", "to": "bob", "from": "alice", "kind": "offer", "body": {}},
    "message": {
        "type": "message",
        "id": 1,
        "room": "general",
        "sender": "bob",
        "time": 1700000000,
        "ciphertext": "q83v",
        "counter": 3,
        "nonce": "bm9uY2U=",
        "signature": "c2ln",
        "pubkey": "a2V5",
        **RATCHET_EXAMPLE,
    },
    "room_list": {"type": "room_list", "rooms": [{"room": "general", "members": 2}]},
    "members": {"type": "members", "room": "general", "names": ["alice", "bob"]},
    "notice": {"type": "notice", "text": "bob joined — welcome ✓"},
    "error": {"type": "error", "code": "malformed", "text": "line is not JSON"},
}


def line_of(frame: object) -> bytes:
    """Write any JSON value as a line, bypassing encode's checks (to build bad lines)."""
    return json.dumps(frame).encode() + b"\n"


def test_examples_cover_every_message_type() -> None:
    assert set(EXAMPLES) == set(FIELDS)
    for kind, frame in EXAMPLES.items():
        assert set(frame) == set(FIELDS[kind]) | {"type"}


def test_the_module_docstring_shows_every_message_type() -> None:
    examples = doctest.DocTestParser().get_examples(protocol.__doc__ or "")
    shown = {kind for example in examples for kind in re.findall(r'"type": "(\w+)"', example.source)}
    assert shown >= set(FIELDS), f"protocol.py's docstring shows no example of {sorted(set(FIELDS) - shown)}"


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_every_message_type_round_trips(kind: str) -> None:
    line = protocol.encode(EXAMPLES[kind])
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.decode(line) == EXAMPLES[kind]
    assert protocol.encode(protocol.decode(line)) == line


@pytest.mark.parametrize("kind", sorted(OPTIONAL))
def test_optional_fields_may_be_left_out(kind: str) -> None:
    frame = {name: value for name, value in EXAMPLES[kind].items() if name not in OPTIONAL[kind]}
    assert protocol.decode(protocol.encode(frame)) == frame


def test_line_is_readable_json_with_text_kept_as_typed() -> None:
    line = protocol.encode(EXAMPLES["notice"])
    assert "welcome ✓".encode() in line  # ensure_ascii=False: students read the text, not \\u escapes
    assert line.startswith(b'{"type": "notice"')


def test_decode_accepts_a_line_without_newline_and_with_crlf() -> None:
    assert protocol.decode(b'{"type": "who"}') == {"type": "who"}
    assert protocol.decode(b'{"type": "who"}\r\n') == {"type": "who"}


def test_an_int_is_accepted_where_a_float_is_expected() -> None:
    frame = {"type": "say", "ciphertext": "q83v", "time": 5}
    assert protocol.decode(line_of(frame)) == frame


# --- every kind of bad line, and what it says ---

BAD_LINES = [
    pytest.param(b"\xff\xfe{}\n", "line is not UTF-8 text", id="not-utf8"),
    pytest.param(b"hello there\n", "line is not JSON", id="not-json"),
    pytest.param(b"\n", "line is not JSON", id="empty"),
    pytest.param(b'{"type": "who"\n', "line is not JSON", id="unclosed"),
    pytest.param(b"[1, 2]\n", "expected a JSON object, got list", id="list"),
    pytest.param(b'"who"\n', "expected a JSON object, got str", id="string"),
    pytest.param(b"null\n", "expected a JSON object, got NoneType", id="null"),
    pytest.param(line_of({"type": "shout"}), "unknown message type 'shout'", id="unknown-type"),
    pytest.param(line_of({"room": "general"}), "unknown message type None", id="no-type"),
    pytest.param(line_of({"type": 3}), "unknown message type 3", id="type-not-text"),
    pytest.param(line_of({"type": "join"}), "'join' message needs the field 'room'", id="missing-field"),
    pytest.param(line_of({"type": "join", "room": 5}), "'join' field 'room' should be str, got int", id="wrong-type"),
    pytest.param(
        line_of({"type": "say", "ciphertext": "q83v", "counter": True}),
        "'say' field 'counter' should be int, got bool",
        id="bool-for-int",
    ),
    pytest.param(
        line_of({"type": "say", "ciphertext": "q83v", "time": False}),
        "'say' field 'time' should be float, got bool",
        id="bool-for-float",
    ),
    pytest.param(
        line_of({"type": "say", "ciphertext": "q83v", "counter": 1.5}),
        "'say' field 'counter' should be int, got float",
        id="float-for-int",
    ),
    pytest.param(
        line_of({"type": "members", "room": "general", "names": "alice"}),
        "'members' field 'names' should be list, got str",
        id="str-for-list",
    ),
    pytest.param(line_of({"type": "who", "room": "x"}), "'who' message has unknown fields", id="unknown-field"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_bad_line_gives_a_clear_protocol_error(line: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=re.escape(message)):
        protocol.decode(line)


def test_unknown_fields_are_named() -> None:
    with pytest.raises(ProtocolError) as caught:
        protocol.decode(line_of({"type": "who", "room": "x", "colour": "red"}))
    assert "room" in str(caught.value) and "colour" in str(caught.value)


def test_not_json_names_where_it_went_wrong() -> None:
    with pytest.raises(ProtocolError, match=r"at column \d+"):
        protocol.decode(b'{"type": "who",}\n')


def test_line_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError, match=f"exceeds the limit of {MAX_LINE_BYTES} bytes"):
        protocol.decode(b" " * (MAX_LINE_BYTES + 1))


def test_line_at_the_size_limit_is_parsed() -> None:
    line = b'{"type": "who"}' + b" " * (MAX_LINE_BYTES - 16) + b"\n"
    assert len(line) == MAX_LINE_BYTES
    assert protocol.decode(line) == {"type": "who"}


def test_encode_refuses_a_message_over_the_size_limit() -> None:
    with pytest.raises(ProtocolError, match="exceeds the limit"):
        protocol.encode({"type": "notice", "text": "x" * MAX_LINE_BYTES})


def test_encode_checks_the_message_too() -> None:
    with pytest.raises(ProtocolError, match="needs the field 'room'"):
        protocol.encode({"type": "join"})


# --- lines that break Python's json module in ways other than JSONDecodeError ---


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(line_of({"type": []}), id="type-is-a-list"),
        pytest.param(line_of({"type": {"a": 1}}), id="type-is-an-object"),
        pytest.param(b"[" * 50_000 + b"\n", id="deep-nesting"),
        pytest.param(b'{"type": "notice", "text": ' + b"[" * 5_000 + b"\n", id="deep-nesting-in-a-field"),
        pytest.param(b'{"type": "join", "room": ' + b"9" * 5_000 + b"}\n", id="integer-of-5000-digits"),
    ],
)
def test_hostile_json_gives_protocol_error_not_a_crash(line: bytes) -> None:
    # The server answers ProtocolError with an error line; any other exception ends the member's thread.
    with pytest.raises(ProtocolError):
        protocol.decode(line)


def test_a_line_decode_accepts_can_be_encoded_again() -> None:
    # A JSON escape can smuggle in a lone surrogate, which is not Unicode text and cannot be written as UTF-8.
    line = b'{"type": "notice", "text": "\\ud800"}\n'
    try:
        frame = protocol.decode(line)
    except ProtocolError:
        return
    protocol.encode(frame)


def test_error_about_an_unknown_field_can_be_sent_back() -> None:
    # The server replies with str(error); a field name with a lone surrogate must not make that reply fail.
    with pytest.raises(ProtocolError) as caught:
        protocol.decode(b'{"type": "who", "\\udc80": 1}\n')
    protocol.encode(protocol.error("malformed", str(caught.value)))


# --- helpers ---


def test_require_names_the_missing_fields() -> None:
    frame = {"type": "say", "ciphertext": "q83v"}
    with pytest.raises(ProtocolError, match="'say' message needs the fields counter, nonce in this mode"):
        protocol.require(frame, "counter", "nonce")
    protocol.require(EXAMPLES["say"], "counter", "nonce", "signature")


@pytest.mark.parametrize("name", ["alice", "A", "bob_2", "first.last", "x-y", "a" * 32])
def test_check_name_accepts_good_names(name: str) -> None:
    assert protocol.check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "a" * 33, "has space", "semi;colon", "new\nline", "trailing\n", "émile", "名前", "a/b", "💬"]
)
def test_check_name_refuses_bad_names(name: str) -> None:
    with pytest.raises(ProtocolError, match="should be 1-32 letters, digits"):
        protocol.check_name(name, "room")
    with pytest.raises(ProtocolError, match="^room "):
        protocol.check_name(name, "room")


def test_b64_and_unb64_round_trip() -> None:
    data = bytes(range(256))
    assert protocol.unb64({"type": "notice", "text": protocol.b64(data)}, "text") == data


@pytest.mark.parametrize("value", ["not base64!", "abc", "YQ==YQ==x", "é", "YW Jj"])
def test_unb64_refuses_bad_base64(value: str) -> None:
    with pytest.raises(ProtocolError, match="field 'nonce' is not valid base64"):
        protocol.unb64({"type": "check", "nonce": value}, "nonce")


def test_error_builds_a_valid_error_message() -> None:
    frame = protocol.error("wrong_password", "wrong password")
    assert frame == {"type": "error", "code": "wrong_password", "text": "wrong password"}
    assert protocol.decode(protocol.encode(frame)) == frame


def test_header_bytes_is_deterministic_compact_json() -> None:
    header = protocol.header_bytes("general", "alice", 42, 1700000000.125)
    assert header == b'["general","alice",42,1700000000.125]'
    assert protocol.header_bytes("general", "alice", 42, 1700000000.125) == header


def test_header_bytes_differs_when_any_part_differs() -> None:
    parts: list[tuple[str, str, int, float]] = [
        ("general", "alice", 1, 1.5),
        ("random", "alice", 1, 1.5),
        ("general", "bob", 1, 1.5),
        ("general", "alice", 2, 1.5),
        ("general", "alice", 1, 2.5),
        ("general,alice", "", 1, 1.5),  # no way to shift text between room and sender
    ]
    assert len({protocol.header_bytes(*part) for part in parts}) == len(parts)


# --- properties (hypothesis) ---

# No per-example deadline: on a busy two-core machine a slow first example is not a failure.
PROPERTY = settings(deadline=None, max_examples=200)

JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
)
FIELD_VALUES: dict[type, st.SearchStrategy[Any]] = {
    str: st.text(max_size=40),
    int: st.integers(min_value=-(2**63), max_value=2**63),
    float: st.floats(allow_nan=False, allow_infinity=False) | st.integers(min_value=-(2**53), max_value=2**53),
    list: st.lists(st.text(max_size=10), max_size=5),
    dict: st.dictionaries(st.text(max_size=10), st.text(max_size=10) | st.integers(), max_size=5),
}


@st.composite
def valid_frames(draw: st.DrawFn) -> Frame:
    """Draw a message of any type that check_frame accepts, with some optional fields left out."""
    kind = draw(st.sampled_from(sorted(FIELDS)))
    frame: Frame = {"type": kind}
    for name, expected in FIELDS[kind].items():
        if name in OPTIONAL.get(kind, set()) and draw(st.booleans()):
            continue
        frame[name] = draw(FIELD_VALUES[expected])
    return frame


@st.composite
def near_frames(draw: st.DrawFn) -> dict[str, Any]:
    """Draw an object that looks like a message: a real or odd type, real field names, any values."""
    kind = draw(st.sampled_from(sorted(FIELDS)) | JSON_VALUES)
    known = sorted(FIELDS[kind]) if isinstance(kind, str) and kind in FIELDS else []
    names = known or ["room", "text"]
    fields = draw(st.dictionaries(st.sampled_from(names) | st.text(max_size=8), JSON_VALUES, max_size=6))
    return {**fields, "type": kind}


def decodes_or_refuses(line: bytes) -> None:
    """decode either returns a message check_frame accepts or raises ProtocolError; nothing else."""
    try:
        frame = protocol.decode(line)
    except ProtocolError:
        return
    protocol.check_frame(frame)


@PROPERTY
@given(st.binary(max_size=300))
def test_decode_of_arbitrary_bytes_returns_a_message_or_protocol_error(line: bytes) -> None:
    decodes_or_refuses(line)


@PROPERTY
@given(JSON_VALUES)
def test_decode_of_arbitrary_json_returns_a_message_or_protocol_error(value: object) -> None:
    decodes_or_refuses(line_of(value))


@PROPERTY
@given(near_frames())
def test_decode_of_near_messages_returns_a_message_or_protocol_error(frame: dict[str, Any]) -> None:
    decodes_or_refuses(line_of(frame))


@PROPERTY
@given(valid_frames(), st.data())
def test_decode_of_a_damaged_line_returns_a_message_or_protocol_error(frame: Frame, data: st.DataObject) -> None:
    line = bytearray(protocol.encode(frame))
    position = data.draw(st.integers(min_value=0, max_value=len(line) - 1))
    line[position] = data.draw(st.integers(min_value=0, max_value=255))
    decodes_or_refuses(bytes(line))


@PROPERTY
@given(valid_frames())
def test_valid_frames_round_trip(frame: Frame) -> None:
    line = protocol.encode(frame)
    assert protocol.decode(line) == frame
    assert protocol.encode(protocol.decode(line)) == line


@PROPERTY
@given(st.text(max_size=40), st.text(max_size=40), st.integers(), st.floats(allow_nan=False))
def test_header_bytes_is_a_function_of_its_parts(room: str, sender: str, counter: int, sent_at: float) -> None:
    header = protocol.header_bytes(room, sender, counter, sent_at)
    assert protocol.header_bytes(room, sender, counter, sent_at) == header
    assert json.loads(header) == [room, sender, counter, sent_at]
