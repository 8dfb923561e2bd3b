"""Notebook 06's attack, live: a padding oracle decrypts a captured classic message when the server's errors say
"bad_padding"; with the switch off, or against the sealed mode, the same attack code learns nothing."""

import base64
import json
import random
from types import ModuleType

from chatkit.client.events import ChatMessage
from chatkit.crypto import lengths
from chatkit.lab import TO_SERVER, Stage
from chatkit.lab.oracle import QUERIES_PER_BLOCK, PaddingOracle, lift_rate_limit
from tests.test_attacks_nb05 import solution, stage

BUDGET = 3 * (QUERIES_PER_BLOCK + 16)  # a two-block message, with room to spare


def captured_secret(on: Stage) -> tuple[str, str]:
    """Let Alice say a random secret through a relay; return (the secret, the token the relay captured)."""
    relay = on.relay()
    alice, bob = on.client("alice", via=relay), on.client("bob")
    secret = f"the code is {random.randint(1000, 9999)}, burn it"
    alice.send(secret)
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.sender == "alice", timeout=5)
    return secret, json.loads(relay.lines(TO_SERVER, '"say"')[-1].line)["ciphertext"]


def attack(ex: ModuleType, on: Stage, token: str) -> str | None:
    """Run the solution's decrypt_token through a fresh oracle; return what it recovered, or None if it gave up."""
    lift_rate_limit(on.server)
    oracle = PaddingOracle(on.client("mallory", room="lab"), budget=BUDGET)
    try:
        return str(ex.decrypt_token(oracle, token))
    except (ValueError, IndexError):  # no guess fitted, or the "plaintext" was not text
        return None


def test_the_oracle_decrypts_a_classic_message() -> None:
    with stage("classic", padding_oracle=True) as classic:
        secret, token = captured_secret(classic)
        assert attack(solution("nb06_padding_oracle"), classic, token) == secret


def test_without_the_switch_the_attack_learns_nothing() -> None:
    with stage("classic") as classic:
        secret, token = captured_secret(classic)
        assert attack(solution("nb06_padding_oracle"), classic, token) != secret


def test_against_the_sealed_mode_there_is_no_oracle() -> None:
    with stage("sealed") as sealed:
        secret, token = captured_secret(sealed)
        raw = base64.b64decode(token)  # a sealed ciphertext: no IV, no PKCS7, text padded to a bucket, a tag
        assert len(raw) == len(lengths.pad_to_bucket(secret.encode())) + 16
        whole_blocks = base64.b64encode(bytes(16) + raw[: len(raw) // 16 * 16]).decode()  # what the attack can take
        assert attack(solution("nb06_padding_oracle"), sealed, whole_blocks) != secret
