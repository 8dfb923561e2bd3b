"""The lab modules of notebooks 10, 11 and 17 on their own: the handshake's checks, the chain's order, the tickets."""

import json
import os

import pytest

from chatkit.crypto import CannotDecrypt, signing
from chatkit.lab.chain import Chain, StaticChain, open_with
from chatkit.lab.handshake import HandshakeRefused, Meeting, Person, check_hello, hello_line, open_line, seal_line
from chatkit.lab.variants import VARIANTS, TicketError, ticket_for, variant_of


def test_an_unsigned_hello_is_refused_when_an_identity_is_trusted() -> None:
    bob = Person("bob", trusted={"alice": signing.public_bytes(signing.new_identity())})
    with pytest.raises(HandshakeRefused, match="identity key is not the one you checked"):
        check_hello(bob, hello_line(Person("alice")))


def test_a_signed_hello_names_its_sender_and_key() -> None:
    alice = Person("alice", identity=signing.new_identity())
    assert alice.identity is not None
    bob = Person("bob", trusted={"alice": signing.public_bytes(alice.identity)})
    assert check_hello(bob, hello_line(alice)) == ("alice", alice.public)
    assert set(json.loads(hello_line(alice))) == {"name", "public", "identity", "signature"}


def test_a_sealed_line_opens_only_with_its_key() -> None:
    key = os.urandom(32)
    line = seal_line(key, "hello")
    assert open_line(key, line) == "hello"
    with pytest.raises(CannotDecrypt):
        open_line(os.urandom(32), line)


def test_a_meeting_with_nobody_listening_again_is_closed_cleanly() -> None:
    meeting = Meeting()
    meeting.close()
    meeting.close()  # twice is harmless
    assert meeting not in Meeting.running


def test_the_chain_wants_messages_in_order() -> None:
    alice, bob = Chain(key := os.urandom(32)), Chain(key)
    first, second = alice.seal("one"), alice.seal("two")
    with pytest.raises(ValueError, match="expected message 1, got 2"):
        bob.open(second)
    assert [bob.open(first), bob.open(second)] == ["one", "two"]


def test_the_static_chain_uses_one_key_and_the_ratchet_does_not() -> None:
    static, ratchet = StaticChain(key := os.urandom(32)), Chain(key)
    assert static.next_key() == static.next_key() == key
    assert len({ratchet.next_key() for _ in range(5)}) == 5
    assert open_with(key, static.seal("x")) == "x"


def test_an_unknown_variant_or_ticket_is_named_in_the_error() -> None:
    with pytest.raises(TicketError, match="no variant 'nope'"):
        ticket_for("seed", "team-01", "nope")
    with pytest.raises(TicketError, match="not a ticket"):
        variant_of("AAAAAAGI")
    assert {"no-replay-check", "silent-repin"} <= set(VARIANTS)
