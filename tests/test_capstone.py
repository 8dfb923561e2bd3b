"""Notebook 17's machinery: the variants cannot be told apart until the weakness is exercised, the team drawing
works for any class, and grading a class of 100 teams is arithmetic on the rubric.

What the blindness test normalises, explicitly: the values of the fields that are random in every run (nonce,
ciphertext, signature, pubkey, the room's check and salt) and the times (the 'time' fields and the events' times).
Everything else must be byte for byte the same for every variant: every line on the wire in both directions, every
event a client reports (texts of messages, notices, problems), everything printed, and the stage's repr up to the
ticket and the port. Normalising the ciphertext also hides its length, and the unpadded variant's lengths differ
from the first message on: that difference IS its weakness, which no conversation can avoid exercising; the
notebook's detector exercise is about exactly that.
"""

import dataclasses
import json
import re
import time
from typing import Any

import pytest

from chatkit.client import ChatClient
from chatkit.lab import Stage
from chatkit.lab.relay import Relay
from chatkit.lab.rubric import RUBRIC, RubricError, most_points
from chatkit.lab.scoreboard import grade_class
from chatkit.lab.teams import DrawError, assign, class_map, draw_teams, handout, target_ticket
from chatkit.lab.variants import VARIANTS, CapstoneStage, ticket_for, variant_of

RANDOM_FIELDS = {"nonce", "ciphertext", "signature", "pubkey", "check", "salt", "root", "path"}  # key-log hashes too
TIME_FIELDS = {"time"}
FAST = 1_000


def normalised(value: Any, key: str = "") -> Any:
    """Replace random values and times by a placeholder naming them, everywhere inside a frame."""
    if key in RANDOM_FIELDS:
        return f"<{key}>"
    if key in TIME_FIELDS:
        return "<time>"
    if isinstance(value, dict):
        return {name: normalised(inner, name) for name, inner in value.items()}
    if isinstance(value, list):
        return [normalised(inner) for inner in value]
    return value


def normalised_line(line: bytes) -> str:
    return json.dumps(normalised(json.loads(line)), sort_keys=True)


def normalised_event(event: Any) -> str:
    fields = dataclasses.asdict(event)
    for name, value in fields.items():
        if isinstance(value, bytes) and value.strip():
            fields[name] = normalised_line(value)
        elif name in RANDOM_FIELDS or name in TIME_FIELDS:
            fields[name] = f"<{name}>"
    return f"{type(event).__name__}{sorted(fields.items())}"


def conversation(stage: Stage) -> dict[str, list[str]]:
    """Run the same scripted conversation (no weakness exercised) and return what each party saw, normalised."""
    relay = stage.relay()
    alice = stage.client("alice", via=relay)
    bob = stage.client("bob", via=relay)
    alice.wait_for_notice("bob joined")  # before anyone speaks: each person's events come in one order
    for speaker, listener, text in [(alice, bob, "hello bob"), (bob, alice, "hi alice, 3 pm?"), (alice, bob, "ok")]:
        speaker.send(text)
        listener.wait_for_message(text)
        speaker.wait_for_message(text, own=True)
    bob.ask_who()
    bob.wait_for(lambda event: type(event).__name__ == "Members")
    alice.close()
    bob.wait_for_notice("alice left")
    return {"wire": wire(relay), "alice": events(alice), "bob": events(bob), "repr": [shape(repr(stage))]}


def wire(relay: Relay) -> list[str]:
    # The relay records a line before it forwards it: everything a client saw is already recorded.
    # Per connection and direction, in arrival order (stable sort): how the two directions interleave is timing,
    # not behaviour (a key-log question may leave before or after the answer to the hello arrives).
    # The key log's questions and answers (S16) run beside the chat, when heads change: a stream of their own too.
    by_connection = sorted(
        relay.lines(), key=lambda captured: (captured.connection, captured.direction, is_key_log(captured.line))
    )
    return [f"{c.connection} {c.direction} {normalised_line(c.line)}" for c in by_connection]


def events(person: ChatClient) -> list[str]:
    # A sent line is recorded after it left, so its echo may be recorded first: compare what was sent, in order,
    # apart from everything received, in order (each stream's own order is fixed; only their interleaving is not).
    history = list(person.history)
    key_log = [event for event in history if is_key_log_event(event)]
    chat = [event for event in history if not is_key_log_event(event)]
    sent = [event for event in chat if getattr(event, "direction", None) == "sent"]
    received = [event for event in chat if getattr(event, "direction", None) != "sent"]
    return [normalised_event(event) for event in received + sent + key_log]


KEY_LOG_TYPES = {"ask_head", "ask_key", "ask_consistency", "tree_head", "key_proof", "consistency"}


def is_key_log(line: bytes) -> bool:
    return json.loads(line).get("type") in KEY_LOG_TYPES


def is_key_log_event(event: Any) -> bool:
    line = getattr(event, "line", b"")
    return type(event).__name__ == "LogChecked" or (isinstance(line, bytes) and line.strip() and is_key_log(line))


def shape(text: str) -> str:
    return re.sub(r"[A-Z2-7]{8}", "<ticket>", re.sub(r":\d+", ":<port>", text))


def test_every_variant_says_the_same_things_until_its_weakness_is_exercised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: dict[str, dict[str, list[str]]] = {}
    for variant in [*VARIANTS, "fixed", "kit"]:
        with stage_of(variant) as stage:
            seen[variant] = conversation(stage)
        seen[variant]["printed"] = capsys.readouterr().out.splitlines()
    kit, first = seen.pop("kit"), seen[next(iter(VARIANTS))]
    assert len(kit["wire"]) >= 20 and kit["bob"]
    for variant, saw in seen.items():
        for part, lines in saw.items():
            reference = first if part == "repr" else kit  # a fixed stage says so; the kit's Stage has no ticket
            assert lines == reference[part] or (variant, part) == ("fixed", "repr"), f"{variant} differs in {part}"


def stage_of(variant: str) -> Stage:
    """Start the variant's stage, the same stage fixed, or the kit's own sealed Stage."""
    if variant == "kit":
        return Stage("sealed", iterations=FAST)
    fixed = variant == "fixed"
    return CapstoneStage(ticket_for("blind", variant, "silent-gap" if fixed else variant), fixed=fixed, iterations=FAST)


def test_the_comparison_sees_the_weakness_once_it_is_exercised() -> None:
    # The same comparison, with one more step that exercises the look-alike variant's weakness: now Bob's events differ.
    seen: dict[str, list[str]] = {}
    for variant in ("unflagged-look-alike", "kit"):
        with stage_of(variant) as stage:
            saw = conversation(stage)
            bob = next(client for client in stage.clients if client.name == "bob")
            stage.client("aIice").send("new laptop")
            bob.wait_for_message("new laptop")
            bob.send("ok")  # its echo comes after every warning the message before it led to
            bob.wait_for_message("ok", own=True)
            seen[variant] = [*saw["bob"], *events(bob)]
    assert seen["unflagged-look-alike"] != seen["kit"]
    assert any("look_alike" in event for event in seen["kit"])
    assert not any("look_alike" in event for event in seen["unflagged-look-alike"])


def roster(size: int) -> list[str]:
    return [f"student{number:03d}" for number in range(size)]


@pytest.mark.parametrize("students, size", [(30, 3), (31, 3), (300, 3), (7, 2), (300, 4)])
def test_the_draw_puts_everyone_in_exactly_one_team_of_the_size(students: int, size: int) -> None:
    teams = draw_teams(roster(students), size, seed="spring")
    members = [name for team in teams for name in team.members]
    assert sorted(members) == roster(students)
    assert {len(team.members) for team in teams} <= {size, size + 1}
    assert len(teams) == students // size
    assert draw_teams(roster(students), size, seed="spring") == teams, "the same seed gives the same draw"
    assert draw_teams(roster(students), size, seed="autumn") != teams


@pytest.mark.parametrize("teams", [2, 3, 12, 13, 25, 100])
def test_each_team_attacks_another_team_whose_variant_differs(teams: int) -> None:
    plan = assign(draw_teams(roster(teams * 3), 3, seed="s"), seed="s")
    variant_of_team = class_map(plan)
    targets = [each.target for each in plan]
    assert sorted(targets) == sorted(variant_of_team), "every team is attacked by exactly one team"
    for each in plan:
        assert each.target != each.team.name and variant_of_team[each.target] != each.variant
        assert variant_of(each.ticket) == each.variant
    counts = [list(variant_of_team.values()).count(kind) for kind in VARIANTS]
    assert max(counts) - min(counts) <= 2, "the variants are used about equally"


def test_the_handout_names_tickets_and_never_a_variant() -> None:
    plan = assign(draw_teams(roster(30), 3, seed="s"), seed="s")
    text = handout(plan)
    assert len(text.splitlines()) == 10
    assert not [kind for kind in VARIANTS if kind in text]
    assert target_ticket(plan, plan[0].team.name) in text
    with pytest.raises(DrawError, match="no team"):
        target_ticket(plan, "team-99")


def test_a_draw_that_cannot_work_says_why() -> None:
    with pytest.raises(DrawError, match="at least two teams"):
        draw_teams(roster(5), 3, seed="s")
    with pytest.raises(DrawError, match="distinct"):
        draw_teams(["ann", "ann", "bo", "cy"], 2, seed="s")


def marks_for(team_number: int) -> dict[str, int]:
    return {each.key: (team_number + index) % (each.most + 1) for index, each in enumerate(RUBRIC)}


@pytest.mark.parametrize("teams", [3, 100])
@pytest.mark.timeout(10)
def test_grading_a_class_ranks_every_team_from_the_rubric(teams: int) -> None:
    plan = assign(draw_teams(roster(teams * 3), 3, seed="s"), seed="s")
    marks = {each.team.name: marks_for(number) for number, each in enumerate(plan)}
    marks[plan[0].team.name]["rules_broken"] = 1
    started = time.perf_counter()
    board = grade_class(marks)
    assert time.perf_counter() - started < 1
    totals = board.totals()
    assert len(totals) == teams and list(totals.values()) == sorted(totals.values(), reverse=True)
    assert totals[plan[0].team.name] == sum(marks_for(0).values()) - 3
    assert all(points <= most_points() for points in totals.values())
    assert len(board.table().splitlines()) == teams + 1
    assert board.html().count("<tr>") == teams + 1


def test_marks_outside_the_rubric_are_refused_with_the_team_named() -> None:
    with pytest.raises(RubricError, match="team-02: evidence should be a whole number from 0 to 4"):
        grade_class({"team-01": {"evidence": 4}, "team-02": {"evidence": 5}})
    with pytest.raises(RubricError, match="no criterion 'style'"):
        grade_class({"team-01": {"style": 1}})
    assert "&lt;b&gt;" in grade_class({"<b>": {"impact": 1}}).html()
