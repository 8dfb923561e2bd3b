"""Ten people in two rooms: every message reaches exactly its room, once each, and the server's answers agree.

The delivery tests run with the postman (the default) and with the simple DirectDelivery: the same behaviour."""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest

from chatkit.client import ChatClient, ChatMessage, Event, Members, Notice, RoomList
from chatkit.server import ChatServer, Delivery, DirectDelivery, Limits, Postman

from .conftest import Connect, StartServer

ROOMS = ("red", "blue")
MakeDelivery = Callable[[Limits], Delivery]
# (mode, delivery): both modes with the postman, and the simple form in one of them (the delivery does not depend on it)
DELIVERIES = pytest.mark.parametrize(
    ("mode", "delivery"),
    [("classic", Postman), ("sealed", Postman), ("sealed", DirectDelivery)],
    ids=["classic", "sealed", "sealed-direct"],
)
MESSAGES_EACH = 3


@dataclass
class Town:
    """A server with five people in each of two rooms; the last two of each room arrived in general and moved."""

    server: ChatServer
    people: dict[str, list[ChatClient]]  # room -> its members


def room_of(town: Town, name: str) -> str:
    """Return the room a person of the town is in."""
    return next(room for room, people in town.people.items() if any(p.name == name for p in people))


def build_town(start_server: StartServer, connect: Connect, mode: str, delivery: MakeDelivery = Postman) -> Town:
    """Connect ten people: three start in each room, two per room start in general and then join it."""
    server = start_server(mode, delivery=delivery)
    people: dict[str, list[ChatClient]] = {}
    for room in ROOMS:
        people[room] = [connect(server, f"{room}{n}", room=room) for n in range(3)]
        people[room] += [connect(server, f"{room}{n}") for n in range(3, 5)]
    for room in ROOMS:
        for person in people[room][3:]:
            person.join(room)
            assert person.room == room
    return Town(server, people)


def has_text(text: str) -> Callable[[Event], bool]:
    """Return a predicate for a chat message with this text."""
    return lambda e: isinstance(e, ChatMessage) and e.text == text


def exchange(town: Town) -> dict[str, list[str]]:
    """Let everyone say a few things; wait until each room has read all of its own; return room -> texts."""
    said: dict[str, list[str]] = {room: [] for room in ROOMS}
    for number in range(MESSAGES_EACH):
        for room, people in town.people.items():
            for person in people:
                text = f"{person.name} says {number} in {room}"
                person.send(text)
                said[room].append(text)
    for room, people in town.people.items():
        for person in people:
            for text in said[room]:
                person.wait_for(has_text(text), timeout=20)
    for room, people in town.people.items():  # a last word per room: anything misrouted would have come before it
        people[0].send(f"end of {room}")
        for person in people:
            person.wait_for(has_text(f"end of {room}"), timeout=20)
    return said


@DELIVERIES
def test_every_message_reaches_exactly_its_room_once(
    mode: str, delivery: MakeDelivery, start_server: StartServer, connect: Connect
) -> None:
    town = build_town(start_server, connect, mode, delivery)
    said = exchange(town)
    for room, people in town.people.items():
        expected = Counter(said[room] + [f"end of {room}"])
        for person in people:
            received = person.messages()
            assert Counter(m.text for m in received) == expected, f"{person.name} got the wrong messages"
            assert all(m.room == room for m in received)
            assert all(m.own == (m.sender == person.name) for m in received)
            own = [m.text for m in received if m.own]
            assert len(own) == MESSAGES_EACH + (person is people[0]), "the sender's echo arrives once"


@DELIVERIES
def test_every_member_sees_the_same_id_for_a_message(
    mode: str, delivery: MakeDelivery, start_server: StartServer, connect: Connect
) -> None:
    town = build_town(start_server, connect, mode, delivery)
    exchange(town)
    for people in town.people.values():
        ids = [{m.text: m.id for m in person.messages()} for person in people]
        assert all(seen == ids[0] for seen in ids)
        assert len(set(ids[0].values())) == len(ids[0])


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_room_list_members_and_roster(mode: str, start_server: StartServer, connect: Connect) -> None:
    town = build_town(start_server, connect, mode)
    asker = town.people["red"][4]
    asker.ask_rooms()
    room_list = asker.wait_for(lambda e: isinstance(e, RoomList))
    assert isinstance(room_list, RoomList)
    assert room_list.rooms == {"general": 0, "red": 5, "blue": 5}
    for room, people in town.people.items():
        people[1].ask_who()
        members = people[1].wait_for(lambda e: isinstance(e, Members))
        assert members == Members(room, sorted(p.name for p in people))
    expected = {room: sorted(p.name for p in people) for room, people in town.people.items()}
    assert town.server.roster() == {"general": [], **expected}


@DELIVERIES
def test_join_and_leave_notices_go_to_the_right_rooms(
    mode: str, delivery: MakeDelivery, start_server: StartServer, connect: Connect
) -> None:
    town = build_town(start_server, connect, mode, delivery)
    red, blue = town.people["red"], town.people["blue"]
    for name in ("red3", "red4"):
        red[0].wait_for(lambda e, n=name: e == Notice(f"{n} joined red"))
    for name in ("red3", "red4", "blue3"):  # blue4 was still in general when these three left it
        blue[4].wait_for(lambda e, n=name: e == Notice(f"{n} left general"))
    red[1].close()
    for person in red[2:]:
        person.wait_for(lambda e: e == Notice("red1 left red"))
    blue[0].send("after the leave")  # everything before this line has reached blue0 already
    blue[0].wait_for(has_text("after the leave"))
    notices = [e.text for e in blue[0].history if isinstance(e, Notice)]
    assert not any("red" in text for text in notices), notices


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_log_keeps_room_sender_and_time_of_each_message(mode: str, start_server: StartServer, connect: Connect) -> None:
    town = build_town(start_server, connect, mode)
    said = exchange(town)
    rows = town.server.recent(1000)
    assert len(rows) == sum(len(texts) + 1 for texts in said.values())
    for row in rows:
        assert row.room == room_of(town, row.sender)
        assert datetime.fromisoformat(row.sent_at).tzinfo is not None
    for room in ROOMS:
        senders = Counter(r.sender for r in town.server.recent(1000, room))
        assert senders == Counter([t.split()[0] for t in said[room]] + [f"{room}0"])
    payloads = [row.payload for row in rows]
    if mode == "classic":
        assert set(said["red"]) | set(said["blue"]) <= set(payloads)
    else:
        assert not any(text in payload for payload in payloads for text in said["red"])
        assert all({"ciphertext", "nonce", "signature"} <= set(json.loads(p)) for p in payloads)
