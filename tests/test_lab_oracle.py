"""The lab's padding-oracle wrapper and byte-diff helper, against real stages on loopback."""

import base64
import os

import pytest

from chatkit.crypto import classic, kdf
from chatkit.lab import Stage
from chatkit.lab.bytes_view import changed_positions, diff_html, hex_diff
from chatkit.lab.oracle import ACCEPTED, OracleBudgetSpent, PaddingOracle, lift_rate_limit
from chatkit.server.member import Limits


def a_real_token(stage: Stage, text: str) -> tuple[bytes, bytes]:
    """Encrypt text the way a classic client does; return (iv, ciphertext)."""
    raw = base64.b64decode(classic.encrypt(kdf.classic_key(stage.password), text))
    return raw[:16], raw[16:]


def test_the_oracle_tells_good_padding_from_bad() -> None:
    with Stage("classic", padding_oracle=True) as stage:
        oracle = PaddingOracle(stage.client("mallory", room="lab"))
        iv, ciphertext = a_real_token(stage, "hello")
        assert oracle.answer(iv, ciphertext) == ACCEPTED
        broken = iv[:15] + bytes([iv[15] ^ 0x01 ^ 0x20])  # last plaintext byte becomes 0x0b ^ 0x21: bad padding
        assert oracle(broken, ciphertext) is False
        assert oracle.queries == 2
        assert oracle.answers == {ACCEPTED: 1, "bad_padding": 1}


def test_without_the_switch_every_failure_looks_the_same() -> None:
    with Stage("classic") as stage:
        oracle = PaddingOracle(stage.client("mallory", room="lab"))
        answers = {oracle.answer(os.urandom(16), os.urandom(16)) for _ in range(64)}
        assert "bad_padding" not in answers
        assert answers <= {"cannot_decrypt", ACCEPTED}


def test_the_budget_is_enforced() -> None:
    with Stage("classic", padding_oracle=True) as stage:
        oracle = PaddingOracle(stage.client("mallory", room="lab"), budget=3)
        for _ in range(3):
            oracle(os.urandom(16), os.urandom(16))
        with pytest.raises(OracleBudgetSpent):
            oracle(os.urandom(16), os.urandom(16))
        oracle.close()
        assert oracle._hear not in oracle.client.listeners


def test_a_rate_limit_slows_the_oracle_but_every_question_is_answered() -> None:
    with Stage("classic", padding_oracle=True) as stage:
        stage.server.limits = Limits(lines_per_second=200, burst_lines=5)
        oracle = PaddingOracle(stage.client("mallory", room="lab"))
        answers = [oracle.answer(os.urandom(16), os.urandom(16)) for _ in range(30)]
        assert oracle.refused > 0
        assert "rate_limited" not in answers
        assert oracle.queries == 30


def test_lift_rate_limit_applies_to_new_connections() -> None:
    with Stage("classic", padding_oracle=True) as stage:
        stage.server.limits = Limits(lines_per_second=1, burst_lines=5)
        lift_rate_limit(stage.server)
        oracle = PaddingOracle(stage.client("mallory", room="lab"))
        for _ in range(50):
            oracle(os.urandom(16), os.urandom(16))
        assert oracle.refused == 0


def test_a_sealed_server_never_answers_about_padding() -> None:
    with Stage("sealed", iterations=1000) as stage:
        oracle = PaddingOracle(stage.client("mallory", room="lab"))
        assert oracle.answer(os.urandom(16), os.urandom(16)) == "malformed"


def test_hex_diff_marks_exactly_the_changed_bytes() -> None:
    before, after = b"pay 10 to bob", b"pay 99 to bob"
    assert changed_positions(before, after) == [4, 5]
    text = hex_diff(before, after)
    assert text.splitlines()[2].count("^^") == 2
    assert diff_html(before, after).count("<span") == 4  # two bytes, highlighted in both rows


def test_a_length_difference_counts_as_change() -> None:
    assert changed_positions(b"abc", b"abcd") == [3]
    assert changed_positions(b"", b"") == []
