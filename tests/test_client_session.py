"""The client's session, without sockets or threads: plain bytes in, events and frames to send out."""

import json

import pytest

from chatkit import protocol
from chatkit.client.codec import ClassicCodec, Codec, SealedCodec
from chatkit.client.events import ChatMessage, Joined, Members, Notice, Problem, RoomList
from chatkit.client.session import ClientSession, Outcome
from chatkit.crypto import signing
from chatkit.protocol import ChatError, Frame, ProtocolError, Refused

PASSWORD = "correct horse battery staple"
FAST = 1_000  # PBKDF2 iterations, asked for explicitly: the sealed default (Argon2id) would make every test slow


def line(frame: Frame) -> bytes:
    """Write a server's message as the line it sends."""
    return protocol.encode(frame)


def sealed_session(name: str, passphrase: str = PASSWORD) -> ClientSession:
    return ClientSession(name, "general", SealedCodec(passphrase, FAST))


def joined(room: str = "general", **fields: object) -> bytes:
    """A sealed 'joined' line for a room: new (no fields), or with the parameters and check its creator left."""
    return line({"type": "joined", "room": room, **fields})


def relayed(codec: Codec, sender: str, text: str, message_id: int = 1) -> bytes:
    """What the server relays when `sender` says `text` through `codec`: their 'say' plus id, sender and pubkey."""
    say = codec.seal(text, "general", sender)
    frame = {key: value for key, value in say.items() if key != "type"}
    frame.update(type="message", id=message_id, sender=sender)
    frame.setdefault("room", "general")
    frame.setdefault("time", 1700000000.5)
    if isinstance(codec, SealedCodec):
        frame["pubkey"] = protocol.b64(signing.public_bytes(codec.identity))
    return line(frame)


def in_room(session: ClientSession, **fields: object) -> Outcome:
    """Say hello and let the server answer with the room; return that answer's outcome."""
    session.hello()
    return session.receive(joined(**fields))


def first_check(session: ClientSession) -> dict[str, object]:
    """Join an empty sealed room; return the 'joined' fields the server then sends the next members."""
    (check,) = in_room(session).replies
    return {"kdf": check["kdf"], "check": check["check"]}


# --- what the session sends ---


def test_hello_names_the_person_and_the_room_and_carries_what_the_mode_needs() -> None:
    classic = ClientSession("alice", "maths", ClassicCodec(PASSWORD)).hello()
    assert classic["type"] == "hello" and classic["name"] == "alice" and classic["room"] == "maths"
    assert "proof" in classic and "pubkey" not in classic
    sealed = sealed_session("bob").hello()
    assert "pubkey" in sealed and "proof" not in sealed
    assert PASSWORD not in json.dumps(sealed)  # the passphrase never leaves the machine


def test_say_seals_the_text_for_the_current_room() -> None:
    session = sealed_session("alice")
    in_room(session)
    frame = session.say("hello")
    assert frame["type"] == "say" and frame["room"] == "general"
    assert "hello" not in json.dumps(frame)
    protocol.encode(frame)  # a valid line


@pytest.mark.parametrize("text", ["", "x" * (protocol.MAX_TEXT_CHARS + 1)])
def test_say_refuses_an_empty_or_too_long_text(text: str) -> None:
    with pytest.raises(ChatError, match=f"1 to {protocol.MAX_TEXT_CHARS} characters"):
        ClientSession("alice", "general", ClassicCodec(PASSWORD)).say(text)


def test_join_asks_for_a_room_and_refuses_a_name_the_server_would_refuse() -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    assert session.join("maths") == {"type": "join", "room": "maths"} and session.waiting
    with pytest.raises(ProtocolError, match="room"):
        session.join("not a room")


# --- what each message from the server leads to ---


def test_joined_puts_the_session_in_the_room_and_answers_the_request() -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    session.join("maths")
    outcome = session.receive(line({"type": "joined", "room": "maths"}))
    assert outcome == Outcome((Joined("maths"),), answered=True)
    assert session.room == "maths" and not session.waiting


def test_the_first_member_of_a_sealed_room_sends_its_check_back() -> None:
    session = sealed_session("alice")
    outcome = in_room(session)
    (check,) = outcome.replies
    assert check["type"] == "check" and check["room"] == "general"
    assert not outcome.answered and session.waiting  # the join is answered when the server says what it stored
    stored = session.receive(joined(kdf=check["kdf"], check=check["check"]))
    assert stored == Outcome((Joined("general"),), answered=True) and not session.waiting


def test_the_right_passphrase_opens_the_room_check() -> None:
    fields = first_check(sealed_session("alice"))
    outcome = in_room(sealed_session("bob"), **fields)
    assert outcome == Outcome((Joined("general"),), answered=True)


def test_a_wrong_passphrase_is_refused_by_the_client_itself_and_hangs_up() -> None:
    fields = first_check(sealed_session("alice"))
    outcome = in_room(sealed_session("mallory", "another passphrase"), **fields)
    assert isinstance(outcome.refusal, Refused) and outcome.refusal.code == "wrong_password"
    assert outcome.answered and outcome.hang_up and not outcome.replies
    (problem,) = outcome.events
    assert isinstance(problem, Problem) and problem.code == "wrong_password" and "wrong password" in problem.text


def test_a_message_is_opened_into_a_chat_message() -> None:
    alice, bob = ClientSession("alice", "general", ClassicCodec(PASSWORD)), ClassicCodec(PASSWORD)
    arrived = relayed(bob, "bob", "hello alice", message_id=7)
    (message,) = alice.receive(arrived).events
    assert isinstance(message, ChatMessage)
    assert (message.room, message.sender, message.text, message.id) == ("general", "bob", "hello alice", 7)
    assert message.line == arrived and not message.own and message.ciphertext in arrived.decode()


def test_our_own_message_relayed_back_is_marked_own() -> None:
    alice = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    (message,) = alice.receive(relayed(alice.codec, "alice", "mine")).events
    assert isinstance(message, ChatMessage) and message.own


def test_a_message_that_does_not_decrypt_is_a_problem_not_a_message() -> None:
    alice = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    arrived = relayed(ClassicCodec("another password"), "bob", "you cannot read this")
    (problem,) = alice.receive(arrived).events
    assert isinstance(problem, Problem) and problem.code == "cannot_decrypt" and problem.line == arrived
    assert "bob" in problem.text


def test_a_sealed_message_is_opened_once_and_its_replay_refused() -> None:
    alice, bob = sealed_session("alice"), sealed_session("bob")
    fields = first_check(alice)
    in_room(bob, **fields)
    arrived = relayed(bob.codec, "bob", "only once")
    (message,) = alice.receive(arrived).events
    assert isinstance(message, ChatMessage) and message.text == "only once"
    (problem,) = alice.receive(arrived).events
    assert isinstance(problem, Problem) and problem.code == "replay" and problem.line == arrived


def test_a_changed_signing_key_is_held_back_until_accepted() -> None:
    alice, bob = sealed_session("alice"), sealed_session("bob")
    impostor = ClientSession("bob", "general", SealedCodec(PASSWORD, FAST, signing.new_identity()))  # another key
    fields = first_check(alice)
    in_room(bob, **fields)
    in_room(impostor, **fields)  # same name and passphrase, another signing key
    alice.receive(relayed(bob.codec, "bob", "first"))
    (warning,) = alice.receive(relayed(impostor.codec, "bob", "it is me, really")).events  # held back: no message
    assert isinstance(warning, Problem) and warning.code == "key_changed" and "/accept bob" in warning.text
    (message,) = alice.accept_key("bob").events
    assert isinstance(message, ChatMessage) and message.text == "it is me, really"


def test_an_error_while_waiting_for_an_answer_is_the_refusal_with_the_servers_code() -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    session.hello()
    outcome = session.receive(line({"type": "error", "code": "name_taken", "text": "alice is already taken"}))
    assert outcome.answered and isinstance(outcome.refusal, Refused)
    assert (outcome.refusal.code, outcome.refusal.text) == ("name_taken", "alice is already taken")
    assert not outcome.hang_up and not session.waiting  # the server closes the connection itself


def test_an_error_while_waiting_for_nothing_is_only_reported() -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    arrived = line({"type": "error", "code": "rate_limited", "text": "slow down"})
    assert session.receive(arrived) == Outcome((Problem("rate_limited", "slow down", arrived),))


def test_an_unknown_refusal_code_travels_as_malformed() -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    session.join("maths")
    outcome = session.receive(line({"type": "error", "code": "gremlins", "text": "something odd"}))
    assert isinstance(outcome.refusal, Refused) and outcome.refusal.code == "malformed"


def test_notice_room_list_and_members_become_their_events() -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    assert session.receive(line({"type": "notice", "text": "bob joined"})).events == (Notice("bob joined"),)
    rooms = line({"type": "room_list", "rooms": [{"room": "general", "members": 2}, {"room": "maths", "members": 1}]})
    assert session.receive(rooms).events == (RoomList({"general": 2, "maths": 1}),)
    who = line({"type": "members", "room": "general", "names": ["alice", "bob"]})
    assert session.receive(who).events == (Members("general", ["alice", "bob"]),)


def test_a_welcome_needs_nothing() -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    assert session.receive(line({"type": "welcome", "name": "alice", "mode": "classic"})) == Outcome()


@pytest.mark.parametrize(
    "bad",
    [
        b"not json\n",
        b'{"type": "gossip"}\n',
        b'{"type": "notice"}\n',
        b"\xff\xfe\n",
        b'{"type": "room_list", "rooms": [3]}\n',
        b'{"type": "notice", "text": "half a line',
    ],
)
def test_a_line_that_is_not_a_message_is_reported_as_malformed(bad: bytes) -> None:
    session = ClientSession("alice", "general", ClassicCodec(PASSWORD))
    (problem,) = session.receive(bad).events
    assert isinstance(problem, Problem) and problem.code == "malformed" and problem.line == bad


def test_a_sealed_joined_with_parameters_of_the_wrong_shape_is_refused_not_a_wrong_password() -> None:
    session = sealed_session("alice")
    session.hello()
    outcome = session.receive(line({"type": "joined", "room": "general", "kdf": {"name": "md5"}, "check": "AA=="}))
    (problem,) = outcome.events
    assert isinstance(problem, Problem) and problem.code == "weak_room" and "room parameters" in problem.text
    assert outcome.refusal is not None and outcome.answered and outcome.hang_up
