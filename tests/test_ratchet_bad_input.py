"""Attack first: replayed messages and malformed ratchet lines (S4, S11 in the ratchet mode).

A relay on bob's connection injects what a hostile server or network could send. Each line gives a clear Problem,
and nothing is lost: bob goes on reading and sending.
"""

import json

from chatkit import protocol
from chatkit.lab import Stage
from chatkit.lab.relay import TO_CLIENT, TO_SERVER, Captured
from chatkit.protocol import b64
from tests.conftest import eventually

BAD_LINES = [
    {"type": "change", "room": "general", "id": 9, "sender": "alice", "change": {"kind": "add"}},
    {"type": "change", "room": "general", "id": 9, "sender": "alice", "change": {"kind": "explode", "name": "x"}},
    {"type": "direct", "room": "general", "from": "alice", "kind": "envelope", "body": {"session": "%%%"}},
    {"type": "direct", "room": "general", "from": "alice", "kind": "offer", "body": {"x25519": "AAAA"}},
    {"type": "direct", "room": "general", "from": "alice", "kind": "answer", "body": {}},
    {"type": "direct", "room": "general", "from": "alice", "kind": "finish", "body": {"session": b64(bytes(16))}},
    {"type": "direct", "room": "general", "from": "alice", "kind": "welcome", "body": {"members": "everyone"}},
    {"type": "direct", "room": "general", "from": "nobody", "kind": "envelope", "body": {}},
    {"type": "direct", "room": "general", "from": "alice", "kind": "shout", "body": {}},
    {"type": "knock", "room": "general", "name": "eve", "pubkey": "bm90IGEga2V5", "present": ["alice"]},
    {"type": "knock", "room": "general", "name": "eve\nalice: hi", "pubkey": b64(bytes(32)), "present": []},
]


def test_a_replayed_message_is_refused_and_shown_once(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    bob.wait_for_group({"alice", "bob"})
    alice.send("pay bob 10")
    bob.wait_for_message("pay bob 10")
    said = relay.lines(TO_SERVER, '"type": "say"')[-1]
    relay.inject(said.connection, TO_SERVER, said.line)  # the server relays it again: it checks no counter here
    assert "replay" in bob.wait_for_problem("replay").text
    assert eventually(lambda: [m.text for m in bob.messages()].count("pay bob 10") == 1, 0.5)


def test_malformed_ratchet_lines_give_clear_problems_and_lose_nothing(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice"), stage.client("bob", via=relay)
    bob.wait_for_group({"alice", "bob"})
    connection = relay.lines(TO_CLIENT)[0].connection
    for line in BAD_LINES:
        relay.inject(connection, TO_CLIENT, (json.dumps(line) + "\n").encode())
    relay.inject(connection, TO_CLIENT, b'{"type": "knock", "room": "general"}\n')
    problems = [bob.wait_for_problem(count=n) for n in range(1, len(BAD_LINES) + 2)]
    assert all(problem.text and problem.line for problem in problems)
    alice.send("nothing was lost")
    bob.send("nor here")
    assert bob.wait_for_message("nothing was lost") and alice.wait_for_message("nor here")
    assert bob.group and bob.group.names == ("alice", "bob") and bob.group.epoch == 1
    assert protocol.decode(problems[0].line)["type"] == "change"


def test_a_changed_message_does_not_open(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice"), stage.client("bob", via=relay)
    bob.wait_for_group({"alice", "bob"})

    def change_the_header(seen: Captured) -> bytes:
        frame = json.loads(seen.line)
        if frame.get("type") == "message" and frame.get("sender") == "alice":
            frame["index"] += 1  # another place in alice's chain: another key, and a header she did not sign
        return protocol.encode(frame)

    relay.tamper = change_the_header
    alice.send("moved along the chain")
    assert bob.wait_for_problem("cannot_decrypt")
    relay.tamper = None
    alice.send("untouched")
    assert bob.wait_for_message("untouched")
    assert not any(message.text == "moved along the chain" for message in bob.messages())


def test_a_knock_for_a_pinned_name_with_another_key_adds_nobody(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice = stage.client("alice", via=relay)
    stage.client("bob")
    alice.wait_for_group({"alice", "bob"})
    connection = relay.lines(TO_CLIENT)[0].connection
    forged = {"type": "knock", "room": "general", "name": "bob", "pubkey": b64(bytes(range(32))), "present": []}
    relay.inject(connection, TO_CLIENT, protocol.encode({**forged, "present": ["alice", "bob"]}))
    assert "not added" in alice.wait_for_problem("key_changed").text
    assert alice.group and alice.group.epoch == 1 and alice.group.key_of("bob") != bytes(range(32))


def test_limit_a_server_can_invent_a_newcomer_whom_the_first_member_adds(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    bob.wait_for_group({"alice", "bob"})
    connection = relay.lines(TO_CLIENT)[0].connection
    ghost = {"type": "knock", "room": "general", "name": "ghost", "pubkey": b64(bytes(range(32))), "present": ["alice"]}
    relay.inject(connection, TO_CLIENT, protocol.encode(ghost))
    for member in (alice, bob):  # the signed list shows it to everyone, who can remove it
        member.wait_for_group({"alice", "bob", "ghost"})
    alice.remove("ghost")
    bob.wait_for_group({"alice", "bob"})
