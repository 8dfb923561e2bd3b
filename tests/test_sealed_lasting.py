"""Sealed mode: identities and freshness that outlast a restart (docs/security.md, S4, S6, S10).

Each test is an attack on the kit's own server on loopback: a network attacker (chatkit.lab.Relay) that replays,
drops or reorders lines, a malicious server (SealedRules replaced) that forgets counters or re-signs messages,
and a member or outsider who connects under someone's name. Every test asserts that the attack fails.
"""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatkit import protocol
from chatkit.client import ChatClient, ChatMessage, Problem, Wire
from chatkit.crypto import labels, signing
from chatkit.framing import LineReader
from chatkit.lab import Stage
from chatkit.lab.flaws import ForgetfulServer
from chatkit.lab.relay import TO_CLIENT, Captured, Relay
from chatkit.protocol import Frame, Refused
from chatkit.server import ChatServer
from chatkit.server.member import Member
from chatkit.server.sealed import SealedRules

from .conftest import FAST_ITERATIONS, PASSWORD, Connect, StartServer, eventually

WAIT_SECONDS = 10.0


def said(sender: ChatClient, receiver: ChatClient, text: str) -> ChatMessage:
    """Send a message and return it as the receiver read it."""
    sender.send(text)
    got = receiver.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == text, WAIT_SECONDS)
    assert isinstance(got, ChatMessage)
    return got


def problem(client: ChatClient, code: str) -> Problem:
    """Wait for a Problem with this code."""
    found = client.wait_for(lambda e: isinstance(e, Problem) and e.code == code, WAIT_SECONDS)
    assert isinstance(found, Problem)
    return found


def shown(client: ChatClient, text: str) -> int:
    """Return how many times a text was shown to a person as a chat message."""
    return [m.text for m in client.messages()].count(text)


def last_say(client: ChatClient) -> bytes:
    """Return the last 'say' line a client sent (what an attacker on the wire records)."""
    return [e.line for e in client.history if isinstance(e, Wire) and e.direction == "sent" and b'"say"' in e.line][-1]


def restart(server: ChatServer, start_server: StartServer) -> ChatServer:
    """Stop a server and start a new one on the same database file (what an operator's restart does)."""
    server.stop()
    return start_server("sealed", db=server.db)


# --- S4: a replay is refused after any restart; gaps and reorders are shown; nobody moves another's counter ---


def test_s4_server_refuses_a_replay_after_it_restarts(
    start_server: StartServer, connect: Connect, tmp_path: Path
) -> None:
    server = start_server("sealed", db=tmp_path / "chat.db")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "transfer 100 euros")
    recorded = last_say(alice)
    alice.close()
    bob.close()
    server = restart(server, start_server)
    alice, bob = connect(server, "alice"), connect(server, "bob")
    alice.send_line(recorded)  # injected on alice's connection by someone on the network path
    assert "replay" in problem(alice, "replay").text
    said(alice, bob, "after the restart")
    assert shown(bob, "transfer 100 euros") == 0


def test_s4_client_refuses_a_replay_after_it_restarts(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    server.rules = ForgetfulServer()  # a malicious server: it relays every replay
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "transfer 100 euros")
    recorded = last_say(alice)
    bob.close()
    bob = connect(server, "bob")  # a new client for the same person: their marks come from the key store
    alice.send_line(recorded)
    assert "alice" in problem(bob, "replay").text
    said(alice, bob, "after the restart")
    assert shown(bob, "transfer 100 euros") == 0


def test_s4_client_refuses_a_replay_after_a_reconnect(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    server.rules = ForgetfulServer()
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "transfer 100 euros")
    bob.close()
    bob.connect()  # what the widget does when its connection drops
    alice.send_line(last_say(alice))
    problem(bob, "replay")
    assert shown(bob, "transfer 100 euros") == 1


def test_s4_a_restarted_sender_goes_on_counting(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "one")
    alice.close()
    alice = connect(server, "alice")  # a restarted client: its next number comes from its key store
    said(alice, bob, "two")
    counters = [
        protocol.decode(e.line)["counter"] for e in bob.history if isinstance(e, Wire) and b'"message"' in e.line
    ]
    assert counters == [1, 2]


@pytest.fixture
def relayed_bob(start_server: StartServer, connect: Connect) -> Iterator[tuple[ChatClient, ChatClient, Relay]]:
    """Alice connects directly, bob through a relay on the network path; bob and the relay are closed afterwards."""
    server = start_server("sealed")
    relay = Relay(server.address).start()
    alice = connect(server, "alice")
    bob = ChatClient(*relay.address, "bob", PASSWORD, mode="sealed", iterations=FAST_ITERATIONS).connect()
    try:
        said(alice, bob, "hello")
        yield alice, bob, relay
    finally:
        bob.close()
        relay.stop()


def drop_next_message(relay: Relay, kept: list[Captured]) -> None:
    """Make the relay drop the next message to a client, keeping it in `kept`."""

    def tamper(captured: Captured) -> bytes | None:
        if captured.direction == TO_CLIENT and b'"message"' in captured.line and not kept:
            kept.append(captured)
            return None
        return captured.line

    relay.tamper = tamper


def test_s4_a_dropped_message_is_shown_as_a_gap(relayed_bob: tuple[ChatClient, ChatClient, Relay]) -> None:
    alice, bob, relay = relayed_bob
    drop_next_message(relay, kept := [])
    alice.send("dropped on the way")
    assert eventually(lambda: len(kept) == 1)
    said(alice, bob, "the next one")
    assert problem(bob, "gap").text == "1 message from alice is missing"


def test_s4_a_late_message_is_shown_as_a_reorder_and_only_once(
    relayed_bob: tuple[ChatClient, ChatClient, Relay],
) -> None:
    alice, bob, relay = relayed_bob
    drop_next_message(relay, kept := [])
    alice.send("held back by the network")
    assert eventually(lambda: len(kept) == 1)
    said(alice, bob, "sent later, arrives first")
    relay.inject(kept[0].connection, TO_CLIENT, kept[0].line)
    assert "out of order" in problem(bob, "reorder").text
    assert bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "held back by the network")
    relay.inject(kept[0].connection, TO_CLIENT, kept[0].line)  # and once more: now it is a replay
    problem(bob, "replay")
    assert shown(bob, "held back by the network") == 1


def say_line(identity: signing.Identity, sender: str, counter: int, template: Frame) -> bytes:
    """Return a 'say' line with another counter, signed by `identity` (ciphertext and nonce reused)."""
    frame = {**template, "counter": counter}
    header = protocol.header_bytes(frame["room"], sender, counter, frame["time"])
    data = header + protocol.unb64(frame, "nonce") + protocol.unb64(frame, "ciphertext")
    frame["signature"] = protocol.b64(signing.sign(identity, labels.MESSAGE_SIGNATURE, data))
    return protocol.encode(frame)


def speak_as(server: ChatServer, hello: Frame, lines: list[bytes]) -> None:
    """Connect with a raw socket, say hello, wait to be put in a room, send lines, and leave (all bounded)."""
    with socket.create_connection(server.address, timeout=WAIT_SECONDS) as sock:
        sock.sendall(protocol.encode(hello))
        reader = LineReader(sock.recv, protocol.MAX_LINE_BYTES)
        for _ in range(20):
            frame = protocol.decode(reader.readline())
            if frame["type"] == "error":
                raise AssertionError(f"the server refused the impostor's hello: {frame['text']}")
            if frame["type"] == "joined":
                break
        for line in lines:
            sock.sendall(line)
        sock.sendall(protocol.encode({"type": "who"}))  # answered after the lines above were handled
        for _ in range(20):
            if protocol.decode(reader.readline())["type"] == "members":
                break
    gone = eventually(lambda: hello["name"] not in server.roster().get(hello["room"], []))
    assert gone, f"the server let go of the name {hello['name']!r}"


def test_s4_an_impostor_cannot_move_a_members_counter(
    start_server: StartServer, connect: Connect, tmp_path: Path
) -> None:
    """While alice is away, mallory connects as 'alice', once with her own key, once claiming alice's public key."""
    server = start_server("sealed")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "hello")
    template = protocol.decode(last_say(alice))
    alice_public = protocol.b64(signing.public_bytes(alice.codec.identity))
    alice.close()
    assert eventually(lambda: "alice" not in server.roster()["general"]), "the server let go of alice's name"
    mallory = signing.new_identity()
    own_key = {
        "type": "hello",
        "name": "alice",
        "room": "general",
        "pubkey": protocol.b64(signing.public_bytes(mallory)),
    }
    speak_as(server, own_key, [say_line(mallory, "alice", 2**62, template)])
    speak_as(server, {**own_key, "pubkey": alice_public}, [say_line(mallory, "alice", 2**62, template)])
    alice = connect(server, "alice")
    said(alice, bob, "still heard")


class ResigningServer(SealedRules):
    """A malicious server that signs every message again with its own key and attaches that key."""

    key = signing.new_identity()

    def accept(self, member: Member, say: Frame) -> tuple[str, Frame]:
        payload, fields = super().accept(member, say)
        header = protocol.header_bytes(say["room"], member.name, say["counter"], say["time"])
        data = header + protocol.unb64(say, "nonce") + protocol.unb64(say, "ciphertext")
        fields["signature"] = protocol.b64(signing.sign(self.key, labels.MESSAGE_SIGNATURE, data))
        fields["pubkey"] = protocol.b64(signing.public_bytes(self.key))
        return payload, fields


# --- S6: lasting identity keys, verified against the pin; a changed key is held back until accepted ---


def test_s6_the_identity_key_and_safety_number_last_across_restarts(
    start_server: StartServer, connect: Connect
) -> None:
    server = start_server("sealed")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "hi bob")
    said(bob, alice, "hi alice")
    number = bob.safety_number("alice")
    assert number == alice.safety_number("bob") and len(number.replace(" ", "")) == 60
    bob.mark_verified("alice")
    first_key = signing.public_bytes(alice.codec.identity)
    alice.close()
    bob.close()
    alice, bob = connect(server, "alice"), connect(server, "bob")
    assert signing.public_bytes(alice.codec.identity) == first_key
    assert bob.safety_number("alice") == number and bob.is_verified("alice")


def test_s6_a_re_signing_server_is_not_believed_after_a_restart(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "the real alice")  # bob pins alice's key, on disk
    bob.close()
    server.rules = ResigningServer()
    bob = connect(server, "bob")
    alice.send("pay mallory")
    assert "/accept alice" in problem(bob, "key_changed").text
    alice.send("pay mallory twice")
    problem(bob, "held_back")
    said(bob, alice, "are you there?")  # everything else goes on
    assert shown(bob, "pay mallory") == 0 and shown(bob, "pay mallory twice") == 0


def test_s6_a_newcomer_verifies_with_the_safety_number_what_a_re_signing_server_hid(
    start_server: StartServer, connect: Connect
) -> None:
    """A newcomer has no pin yet: the server's key is pinned as alice's; comparing safety numbers catches it."""
    server = start_server("sealed")
    server.rules = ResigningServer()
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "hi")
    said(bob, alice, "hi")  # alice pins the server's key as bob's too
    assert bob.safety_number("alice") != alice.safety_number("bob")


def test_s6_accepting_a_new_key_shows_the_held_back_messages(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "old device")
    old_number = bob.safety_number("alice")
    alice.close()
    alice = connect(server, "alice", identity=signing.new_identity())  # a new device: another key
    alice.send("new device, same alice")
    problem(bob, "key_changed")
    assert shown(bob, "new device, same alice") == 0
    bob.accept_key("alice")
    assert bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "new device, same alice")
    assert bob.safety_number("alice") != old_number and not bob.is_verified("alice")
    said(alice, bob, "and from now on")


# --- S10: a name that looks like a member's is flagged ---


def test_s10_a_look_alike_newcomer_is_flagged(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    said(alice, bob, "the real alice")
    impostor = connect(server, "aIice")
    said(impostor, bob, "send the report to me")
    assert "'aIice' looks like 'alice'" in problem(bob, "look_alike").text
    bob.ask_who()
    assert "look alike" in bob.wait_for(lambda e: isinstance(e, Problem) and "look alike" in e.text).text


def test_s6_a_stage_keeps_key_stores_in_a_folder_it_removes(stages: list[Stage]) -> None:
    stage = Stage("sealed", iterations=FAST_ITERATIONS)
    stages.append(stage)
    alice, bob = stage.client("alice"), stage.client("bob")  # newcomers: their key stores are made on first use
    said(alice, bob, "hi")
    folder = stage.keys_of("bob")
    assert (folder / "identity.key").exists() and "alice" in (folder / "pins.json").read_text()
    stage.stop()
    assert not folder.parent.exists()


def test_s6_the_widget_shows_a_safety_number_and_marks_a_person_verified(stages: list[Stage]) -> None:
    from .test_widgets import wait_for_row  # needs ipywidgets, as every widget test does

    stage = Stage("sealed", iterations=FAST_ITERATIONS)
    stages.append(stage)
    alice, bob = stage.client("alice"), stage.widget("bob")
    alice.send("hi bob")
    wait_for_row(bob, "hi bob")
    bob.input.value = "/verify alice"  # typed in the widget's box
    row = wait_for_row(bob, "safety number with alice")
    bob.say("hi alice")
    alice.wait_for_message("hi alice")
    assert alice.safety_number("bob") in row and "(verified)" not in row
    bob.input.value = "/verified alice"
    wait_for_row(bob, "alice is verified")
    assert bob.client.is_verified("alice")
    bob.verify("carol")
    wait_for_row(bob, "no key is pinned for carol")


def test_s5_room_parameters_stay_pinned_from_one_session_to_the_next(
    start_server: StartServer, connect: Connect
) -> None:
    """bob met room general once; later the same server hands it out with another salt (another creator's)."""
    server = start_server("sealed")
    connect(server, "alice")  # alice's client creates general: its salt and key derivation
    bob = connect(server, "bob")  # bob pins them, in his key store
    port = server.port
    bob.close()
    server.stop()
    swapped = start_server("sealed", port=port)  # the same address, a database in which carol made general first
    connect(swapped, "carol")
    with pytest.raises(Refused) as refused:
        connect(swapped, "bob")  # a new session of bob's: his pin is read from disk
    assert refused.value.code == "room_changed"
