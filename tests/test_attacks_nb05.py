"""Notebook 05's attack, live: a relay flips bits in a `say` line. The classic room reads the changed text; the
sealed room's clients refuse it. The attack code is the instructor's solution to the exercise."""

import importlib.util
import random
from types import ModuleType
from typing import Any

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Problem
from chatkit.lab import TO_SERVER, Captured, Relay, Stage
from chatkit.lab.exercises import SOLUTION_DIR

SEALED_ITERATIONS = 1000  # fast key derivation in tests (the real default is 600,000)


def solution(name: str) -> ModuleType:
    """Load an exercise's instructor solution from its file."""
    path = SOLUTION_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"solution_{name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stage(mode: str, **options: Any) -> Stage:
    """Start a stage; sealed clients derive keys fast. Use it in a `with` block so it is stopped."""
    if mode == "sealed":
        options.setdefault("iterations", SEALED_ITERATIONS)
    return Stage(mode, **options)


def connection_of(relay: Relay, name: str) -> int:
    """Return the relay's connection number that said hello as `name`."""
    return next(seen.connection for seen in relay.lines(TO_SERVER, '"hello"') if f'"{name}"'.encode() in seen.line)


def copies(client: ChatClient, text: str, count: int) -> list[ChatMessage]:
    """Wait until `client` has received `text` at least `count` times; return those messages."""
    client.wait_for(lambda _: len([m for m in client.messages() if m.text == text]) >= count, timeout=5)
    return [m for m in client.messages() if m.text == text]


def problems(client: ChatClient, code: str) -> list[Problem]:
    """Return the problems with this code the client has reported so far."""
    return [e for e in list(client.history) if isinstance(e, Problem) and e.code == code]


def wait_problem(client: ChatClient, code: str, count: int = 1) -> Problem:
    """Wait until the client has reported `count` problems with this code; return the last."""
    client.wait_for(lambda _: len(problems(client, code)) >= count, timeout=5)
    return problems(client, code)[-1]


def flip_amounts(relay: Relay, ex: ModuleType, amount: bytes, wanted: bytes) -> None:
    """Make the relay retarget bytes 4-5 of every `say` line with the solution's tamper_say."""

    def tamper(seen: Captured) -> bytes:
        line = seen.line
        return bytes(ex.tamper_say(line, 4, amount, wanted)) if seen.direction == TO_SERVER else line

    relay.tamper = tamper


def test_bit_flip_changes_a_classic_message() -> None:
    with stage("classic") as classic:
        relay = classic.relay()
        amount, wanted = str(random.randint(10, 49)).encode(), str(random.randint(50, 99)).encode()
        flip_amounts(relay, solution("nb05_bitflip"), amount, wanted)
        alice, bob = classic.client("alice", via=relay), classic.client("bob")
        alice.send(f"pay {amount.decode()} to carol")
        changed = f"pay {wanted.decode()} to carol"
        assert copies(bob, changed, 1)[0].sender == "alice"
        assert classic.server.recent(1)[0].payload == changed  # the server logged the changed text too


def test_bit_flip_is_refused_by_sealed_clients() -> None:
    with stage("sealed") as sealed:
        relay = sealed.relay()
        flip_amounts(relay, solution("nb05_bitflip"), b"10", b"99")  # GCM is CTR underneath: this flips the text
        alice, bob = sealed.client("alice", via=relay), sealed.client("bob")
        alice.send("pay 10 to carol")
        problem = wait_problem(bob, "cannot_decrypt")
        assert "could not decrypt: wrong password or tampered message" in problem.text
        assert not [m for m in bob.messages() if m.sender == "alice"]
