"""Notebook 17's variants, attacked for real on loopback with the kit's own tools: the instructor's reference attack
on each variant shows its weakness, and the same attack fails once the variant is fixed (the protection put back).

Each attack returns True when it showed the weakness. The attacker each one needs (an eavesdropper, a member on
the path who knows the passphrase, a malicious server, an outsider) is the one named in VARIANTS.
"""

import base64
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.client.events import Problem
from chatkit.crypto import labels, lengths, sealed, signing
from chatkit.lab.capstone_codec import CapstoneCodec
from chatkit.lab.hostile import malicious, release
from chatkit.lab.relay import TO_SERVER, Relay
from chatkit.lab.variants import VARIANTS, CapstoneStage, ticket_for
from chatkit.protocol import Frame, b64, header_bytes
from chatkit.server.member import Member
from chatkit.server.sealed import SealedRules

FAST = 1_000  # PBKDF2 iterations for the test clients (the kit's default is 600,000)
Make = Callable[..., CapstoneStage]
Attack = Callable[[CapstoneStage], bool]


@pytest.fixture
def stages() -> Iterator[Make]:
    started: list[CapstoneStage] = []

    def make(variant: str, fixed: bool) -> CapstoneStage:
        started.append(CapstoneStage(ticket_for("test-class", "team-01", variant), fixed=fixed, iterations=FAST))
        return started[-1]

    yield make
    for stage in started:
        stage.stop()
        for relay in stage.relays:  # Relay.stop only shuts its sockets down: close them here
            for pipe in relay.pipes.values():
                pipe.client.close()
                pipe.server.close()


def problems(person: ChatClient, code: str) -> int:
    return sum(isinstance(event, Problem) and event.code == code for event in list(person.history))


def copies(person: ChatClient, text: str) -> int:
    return sum(message.text == text for message in person.messages())


def refused(event: object) -> bool:
    return isinstance(event, Problem) and event.code in ("cannot_decrypt", "key_changed", "replay")


def settle(sender: ChatClient, reader: ChatClient) -> None:
    """Send a last message and wait for it: everything relayed before it has reached the reader."""
    sender.send("over")
    reader.wait_for_message("over", sender=sender.name)


def says(relay: Relay) -> list[Frame]:
    return [protocol.decode(c.line) for c in relay.lines(TO_SERVER, containing='"say"')]


def reseal(key: bytes, frame: Frame, sender: str, counter: int, text: bytes) -> Frame:
    """Seal `text` under the room key as `sender`'s number `counter`, keeping the frame's signature."""
    sent_at = round(time.time(), 3)
    nonce, ciphertext = sealed.seal(key, text, labels.MESSAGE_AD, header_bytes(frame["room"], sender, counter, sent_at))
    return {**frame, "counter": counter, "time": sent_at, "nonce": b64(nonce), "ciphertext": b64(ciphertext)}


def opened(key: bytes, frame: Frame, sender: str) -> bytes:
    header = header_bytes(frame["room"], sender, frame["counter"], frame["time"])
    return sealed.open_sealed(
        key, base64.b64decode(frame["nonce"]), base64.b64decode(frame["ciphertext"]), labels.MESSAGE_AD, header
    )


def counter_nonce(stage: CapstoneStage) -> bool:
    """Eavesdropper: bob's first message is public; alice's first shares its nonce, so XOR reads hers."""
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob", via=relay)
    known, secret = "welcome to the study group!", f"the code is {os.urandom(4).hex()}"
    bob.send(known)
    alice.wait_for_message(known)
    alice.send(secret)
    bob.wait_for_message(secret)
    first, second = says(relay)
    if first["nonce"] != second["nonce"]:
        return False
    theirs, hers = base64.b64decode(first["ciphertext"]), base64.b64decode(second["ciphertext"])
    streams = zip(theirs, hers, known.encode(), strict=False)  # as far as the known text goes
    return bytes(a ^ b ^ k for a, b, k in streams).startswith(secret[: len(known)].encode())


def unpadded(stage: CapstoneStage) -> bool:
    """Eavesdropper: 'yes' and 'no' are told apart by the ciphertext's length alone."""
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    answers = ["yes", "no", "no", "yes"]
    for answer in answers:
        alice.send(answer)
    settle(alice, bob)
    guesses = ["yes" if len(base64.b64decode(frame["ciphertext"])) == 16 + 3 else "no" for frame in says(relay)]
    return guesses[: len(answers)] == answers


def signs_plaintext(stage: CapstoneStage) -> bool:
    """Member on alice's path: re-seal her old text under a new number, her signature kept; bob takes it as new."""
    relay = stage.relay()
    alice, bob, mallory = stage.client("alice", via=relay), stage.client("bob"), stage.client("mallory")
    alice.send("transfer 100 euros")
    bob.wait_for_message("transfer 100 euros")
    captured = relay.lines(TO_SERVER, containing='"say"')[-1]
    frame, key = protocol.decode(captured.line), mallory.codec.keys["general"]  # type: ignore[attr-defined]
    forged = reseal(key, frame, "alice", frame["counter"] + 1, opened(key, frame, "alice"))
    relay.inject(captured.connection, TO_SERVER, protocol.encode(forged))
    bob.inbox.wait_for(lambda e: getattr(e, "text", "") == "transfer 100 euros" or refused(e), 5, count=2)
    return copies(bob, "transfer 100 euros") == 2


def skips_signature(stage: CapstoneStage) -> bool:
    """Member on alice's path: a fresh message in alice's name with a junk signature is shown as hers."""
    relay = stage.relay()
    alice, bob, mallory = stage.client("alice", via=relay), stage.client("bob"), stage.client("mallory")
    alice.send("hello")
    bob.wait_for_message("hello")
    captured = relay.lines(TO_SERVER, containing='"say"')[-1]
    frame, key = protocol.decode(captured.line), mallory.codec.keys["general"]  # type: ignore[attr-defined]
    text = lengths.pad_to_bucket(b"send the files to mallory")
    forged = reseal(key, {**frame, "signature": b64(bytes(64))}, "alice", 99, text)
    relay.inject(captured.connection, TO_SERVER, protocol.encode(forged))
    settle(alice, bob)
    return copies(bob, "send the files to mallory") == 1


def impostor(stage: CapstoneStage) -> bool:
    """Member: after alice leaves, someone says hello as alice with a new key; bob reads it with no warning."""
    bob, alice = stage.client("bob"), stage.client("alice")
    alice.send("see you tomorrow")
    bob.wait_for_message("see you tomorrow")
    alice.close()
    bob.wait_for_notice("alice left")
    fake = stage.client("alice", identity=signing.new_identity(), keys=stage.keys_of("fake-alice"))
    fake.send("please send the files to this address")
    bob.inbox.wait_for(lambda e: getattr(e, "text", "") == "please send the files to this address" or refused(e), 5)
    return problems(bob, "key_changed") == 0 and copies(bob, "please send the files to this address") == 1


def redeliver(stage: CapstoneStage, restart: bool) -> bool:
    """Malicious server: deliver alice's message to bob once more (after bob restarts, if asked); is it shown?"""
    bob, alice = stage.client("bob"), stage.client("alice")
    kept: list[tuple[Frame, Member]] = []

    def keep(frame: Frame, member: Member) -> Frame:
        if member.name == "bob" and frame["type"] in ("message", "notice"):
            kept.append((frame, member))
        return frame

    with malicious(stage, keep):
        alice.send("transfer 100 euros")
        bob.wait_for_message("transfer 100 euros")
        if restart:
            bob.close()
            alice.wait_for_notice("bob left")
            bob = stage.client("bob")
            bob.wait_for_notice("bob joined")
    old = next(frame for frame, _ in kept if frame["type"] == "message")
    newest = kept[-1][1]  # bob's member now (the same one, or the one who came back)
    release(stage, [(old, newest)])
    settle(alice, bob)
    return copies(bob, "transfer 100 euros") == 1 + (not restart) and problems(bob, "replay") == 0


def silent_gap(stage: CapstoneStage) -> bool:
    """Malicious server: drop alice's second message to bob; bob is not told that one is missing."""
    bob, alice = stage.client("bob"), stage.client("alice")
    dropped = {"done": False}

    def drop_second(frame: Frame, member: Member) -> Frame | None:
        if member.name == "bob" and frame["type"] == "message" and frame["counter"] == 2 and not dropped["done"]:
            dropped["done"] = True
            return None
        return frame

    with malicious(stage, drop_second):
        for text in ("one", "two", "three"):
            alice.send(text)
        bob.wait_for_message("three")
    settle(alice, bob)
    return copies(bob, "two") == 0 and problems(bob, "gap") == 0


def look_alike(stage: CapstoneStage) -> bool:
    """Member: 'aIice' (a capital I) speaks after alice; bob is not told the names look alike."""
    bob, alice = stage.client("bob"), stage.client("alice")
    alice.send("hi bob")
    bob.wait_for_message("hi bob")
    stage.client("aIice").send("it's me, new laptop: send the files here")
    bob.wait_for_message("it's me, new laptop: send the files here")
    settle(alice, bob)
    return problems(bob, "look_alike") == 0


def relay_replay(stage: CapstoneStage) -> bool:
    """Network: send alice's captured line to the server again; bob reads the transfer twice."""
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    alice.send("transfer 100 euros")
    bob.wait_for_message("transfer 100 euros")
    last = relay.lines(TO_SERVER, containing='"say"')[-1]
    relay.inject(last.connection, TO_SERVER, last.line)
    settle(alice, bob)
    return copies(bob, "transfer 100 euros") == 2


def outsider_silences(stage: CapstoneStage) -> bool:
    """Outsider (no passphrase): say hello as alice while she is away and send a huge number; her next is refused."""
    bob, alice = stage.client("bob"), stage.client("alice")
    alice.send("first")
    bob.wait_for_message("first")
    alice.close()
    bob.wait_for_notice("alice left")
    outsider = stage.client("alice", password="a guess", despite_check=True, keys=stage.keys_of("outsider"))
    junk = {"room": "general", "counter": 10**6, "time": time.time(), "nonce": b64(bytes(12))}
    outsider.send_line(
        protocol.encode({"type": "say", **junk, "ciphertext": b64(bytes(48)), "signature": b64(bytes(64))})
    )
    outsider.close()
    bob.wait_for_notice("alice left")
    alice = stage.client("alice")
    alice.send("still here")
    alice.inbox.wait_for(lambda e: getattr(e, "text", "") == "still here" or refused(e), 5)
    return problems(alice, "replay") == 1 and copies(bob, "still here") == 0


ATTACKS: dict[str, Attack] = {
    "counter-nonce": counter_nonce,
    "unpadded": unpadded,
    "signs-plaintext": signs_plaintext,
    "skips-signature": skips_signature,
    "silent-repin": impostor,
    "trusts-attached-key": impostor,
    "forgets-replays": lambda stage: redeliver(stage, restart=False),
    "marks-in-memory": lambda stage: redeliver(stage, restart=True),
    "silent-gap": silent_gap,
    "unflagged-look-alike": look_alike,
    "no-replay-check": relay_replay,
    "name-marks": outsider_silences,
}


def test_every_variant_has_a_reference_attack() -> None:
    assert set(ATTACKS) == set(VARIANTS)
    assert len(VARIANTS) >= 12


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_reference_attack_shows_the_weakness(stages: Make, variant: str) -> None:
    assert ATTACKS[variant](stages(variant, fixed=False)), f"{variant}: the attack should work on the variant"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_reference_fix_defeats_the_attack(stages: Make, variant: str) -> None:
    assert not ATTACKS[variant](stages(variant, fixed=True)), f"{variant}: the fix should stop the attack"


def put_back(flaw: type[Any], honest: type[Any]) -> type[Any]:
    """Return a round-2 style patch: a subclass of the flaw with each step it overrides taken from the honest class."""
    overridden = [name for name, value in vars(flaw).items() if callable(value) and name != "__init__"]
    steps = {name: getattr(honest, name) for name in overridden}
    return type(f"Patched{flaw.__name__}", (flaw,), steps)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_patch_that_puts_the_one_step_back_defeats_the_attack(stages: Make, variant: str) -> None:
    stage, spec = stages(variant, fixed=False), VARIANTS[variant]
    stage.codec = put_back(spec.codec, CapstoneCodec)
    stage.server.rules = put_back(spec.rules, SealedRules)()
    assert not ATTACKS[variant](stage), f"{variant}: a subclass with the step put back should stop the attack"
