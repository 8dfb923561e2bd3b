"""The reading order in chatkit/server/__init__.py is true: its functions exist, and one traced 'say' passes
through exactly them.

The trace profiles every server thread (threading.setprofile, before the server starts) while one 'say' crosses a
sealed server, whose relayed line carries the sender's ciphertext unchanged. A function "carries the line" if the
ciphertext is in its arguments, its locals or its return value (or in the locals of the server function that
called it). Those must be exactly the numbered steps; any other server function called on the way must be one
the docstring names as machinery.
"""

import importlib
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import chatkit.server
from chatkit.client import ChatClient, Wire
from chatkit.server import ChatServer, DirectDelivery, Postman

from .conftest import FAST_ITERATIONS, PASSWORD

DOC = chatkit.server.__doc__ or ""
STEP = re.compile(r"^\s*(\d+)\.\s+(\w+\.py)\s+([\w.]+)\s", re.MULTILINE)
STEPS = [(file, function) for _, file, function in STEP.findall(DOC)]
MACHINERY = {
    ("member.py", "TokenBucket.take"),
    ("rooms.py", "Rooms.members"),
    ("postman.py", "Postman.wake"),
    ("postman.py", "Postman.run"),
    ("postman.py", "Postman._wait"),
}
DIRECT_STEPS = [*STEPS[:5], ("delivery.py", "DirectDelivery.post"), ("delivery.py", "DirectDelivery._write")]
DIRECT_MACHINERY = {
    ("member.py", "TokenBucket.take"),
    ("rooms.py", "Rooms.members"),
    ("delivery.py", "DirectDelivery._lock_of"),
    ("delivery.py", "DirectDelivery.wake"),
}
SERVER = Path(chatkit.server.__file__).parent
FRAMING = SERVER.parent / "framing.py"
TRACED_THREADS = ("chatkit-member", "chatkit-delivery")
NAMES = ("alice", "bob")


def resolve(file: str, function: str) -> Any:
    """Return the function a step names, looked up in its module (chatkit/server/FILE or chatkit/framing.py)."""
    module = "chatkit.framing" if file == "framing.py" else f"chatkit.server.{file.removesuffix('.py')}"
    found: Any = importlib.import_module(module)
    for part in function.split("."):
        found = getattr(found, part)
    return found


def test_the_reading_order_names_at_most_ten_functions_in_at_most_five_files() -> None:
    assert [int(number) for number, _, _ in STEP.findall(DOC)] == list(range(1, len(STEPS) + 1))
    assert 0 < len(STEPS) <= 10 and len({file for file, _ in STEPS}) <= 5, STEPS


@pytest.mark.parametrize("step", [*STEPS, *sorted(MACHINERY), *DIRECT_STEPS[5:]], ids=lambda step: step[1])
def test_every_function_the_reading_order_names_exists(step: tuple[str, str]) -> None:
    assert callable(resolve(*step))
    assert step[1] in DOC


def texts(value: object, depth: int = 4) -> Iterator[bytes]:
    """Yield the bytes and text inside a value (and inside its dicts, lists and tuples, a few levels deep)."""
    if isinstance(value, bytes | bytearray):
        yield bytes(value)
    elif isinstance(value, str):
        yield value.encode()
    elif depth and isinstance(value, dict):
        for item in value.values():
            yield from texts(item, depth - 1)
    elif depth and isinstance(value, list | tuple):
        for item in value:
            yield from texts(item, depth - 1)


def step_of(frame: FrameType) -> tuple[str, str] | None:
    """Return (file, function) for a frame in the server or framing code, else None (framing is one step)."""
    path = Path(frame.f_code.co_filename)
    if path == FRAMING:
        return ("framing.py", "LineReader.readline")
    if path.parent != SERVER:
        return None
    if path.name in ("sealed.py", "classic.py"):
        return STEPS[4]  # the mode's checks: one step
    return (path.name, frame.f_code.co_qualname.split(".<locals>")[0])  # a lambda or generator: its function


class Tracer:
    """Record, while `on`, which server functions the server's threads call and what each one held."""

    def __init__(self) -> None:
        self.on = False
        self.seen: list[tuple[tuple[str, str], bytes]] = []  # (step, everything it held, joined)
        self._lock = threading.Lock()

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        if not self.on or event not in ("call", "return"):
            return
        step = step_of(frame)
        if step is None or not threading.current_thread().name.startswith(TRACED_THREADS):
            return
        held = [*texts(list(frame.f_locals.values())), *texts(arg if event == "return" else None)]
        caller = frame.f_back
        records = [(step, b"\0".join(held))]
        if event == "call" and caller is not None and (caller_step := step_of(caller)) is not None:
            records.append((caller_step, b"\0".join(texts(list(caller.f_locals.values())))))
        with self._lock:
            self.seen.extend(records)


def trace_one_say(delivery: type[Postman] | type[DirectDelivery], tmp_path: Path) -> tuple[set[Any], set[Any]]:
    """Send one 'say' across a traced sealed server; return (functions that carried it, every function called)."""
    tracer = Tracer()
    threading.setprofile(tracer)  # every thread started from now on: the server's among them
    try:
        with ChatServer("sealed", db=tmp_path / "traced.db", delivery=delivery) as server:
            alice, bob = (ChatClient(*server.address, name, PASSWORD, iterations=FAST_ITERATIONS) for name in NAMES)
            try:
                return traced_say(tracer, alice.connect(), bob.connect())
            finally:
                alice.close()
                bob.close()
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
        sys.setprofile(None)


def traced_say(tracer: Tracer, alice: ChatClient, bob: ChatClient) -> tuple[set[Any], set[Any]]:
    """Let things settle with one message, trace the next one; return what traced_say's caller returns."""
    for text, record in (("warm-up", False), ("traced", True)):
        tracer.on = record
        alice.send(text)
        for person in (alice, bob):
            person.wait_for_message(text, sender="alice")
        if not record:  # the key log's answer to the warm-up (S16) is not part of a 'say': let it end untraced
            bob.wait_for_log_check("alice's key")
            time.sleep(0.3)  # bob has the answer; the server's member thread is still returning from it
        tracer.on = False
    sent = [json.loads(e.line) for e in alice.history if isinstance(e, Wire) and e.direction == "sent"]
    ciphertext = [frame for frame in sent if frame["type"] == "say"][-1]["ciphertext"].encode()
    carried = {step for step, held in tracer.seen if ciphertext in held}
    return carried, {step for step, _ in tracer.seen}


def test_one_traced_say_passes_through_exactly_the_steps_of_the_reading_order(tmp_path: Path) -> None:
    carried, called = trace_one_say(Postman, tmp_path)
    assert carried == set(STEPS), f"missing: {set(STEPS) - carried}, not listed: {carried - set(STEPS)}"
    assert called <= set(STEPS) | MACHINERY, f"called but not named: {called - set(STEPS) - MACHINERY}"


def test_with_direct_delivery_the_last_steps_are_its_two(tmp_path: Path) -> None:
    carried, called = trace_one_say(DirectDelivery, tmp_path)
    assert carried == set(DIRECT_STEPS), f"missing: {set(DIRECT_STEPS) - carried}, extra: {carried - set(DIRECT_STEPS)}"
    assert called <= set(DIRECT_STEPS) | DIRECT_MACHINERY, called - set(DIRECT_STEPS) - DIRECT_MACHINERY
