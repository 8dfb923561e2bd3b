"""The smallest end-to-end check: two people chat in each mode."""

import pytest

from chatkit.client import ChatMessage

from .conftest import Connect, StartServer


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_two_people_chat(mode: str, start_server: StartServer, connect: Connect) -> None:
    server = start_server(mode)
    alice, bob = connect(server, "alice"), connect(server, "bob")
    alice.send("hello bob")
    received = bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "hello bob")
    assert isinstance(received, ChatMessage)
    assert received.sender == "alice" and received.room == "general"
