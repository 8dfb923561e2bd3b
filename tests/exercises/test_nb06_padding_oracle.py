"""Checks for notebook 06's padding-oracle exercises: a local oracle with a random key, then the live server."""

import base64
import os
import random
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.client.events import ChatMessage
from chatkit.crypto import BadPadding, classic
from chatkit.lab import Stage
from chatkit.lab.oracle import QUERIES_PER_BLOCK, PaddingOracle, lift_rate_limit

Load = Callable[[str], ModuleType]


def local_oracle(key: bytes) -> Callable[[bytes, bytes], bool]:
    """An oracle in this process: True if IV || block decrypts to valid padding under `key`."""

    def oracle(iv: bytes, block: bytes) -> bool:
        try:
            classic.unpad(classic.cbc_decrypt_raw(key, iv, block))
        except BadPadding:
            return False
        return True

    return oracle


def test_iv_tail_sets_the_padding(exercise: Load) -> None:
    ex = exercise("nb06_padding_oracle")
    intermediate = os.urandom(5)
    tail = ex.iv_tail(intermediate, 6)
    assert len(tail) == 5
    assert bytes(a ^ b for a, b in zip(intermediate, tail, strict=True)) == bytes([6] * 5)


def test_recover_intermediate_within_budget(exercise: Load) -> None:
    ex = exercise("nb06_padding_oracle")
    key, block = os.urandom(32), os.urandom(16)
    asked = 0
    oracle = local_oracle(key)

    def counting(iv: bytes, ciphertext: bytes) -> bool:
        nonlocal asked
        asked += 1
        return oracle(iv, ciphertext)

    assert ex.recover_intermediate(counting, block) == classic.cbc_decrypt_raw(key, bytes(16), block)
    assert asked <= QUERIES_PER_BLOCK + 16


def test_recover_intermediate_when_the_block_ends_in_02_02(exercise: Load) -> None:
    ex = exercise("nb06_padding_oracle")
    key = os.urandom(32)
    plaintext = os.urandom(14) + b"\x02\x02"  # the all-zero IV makes a lucky 02 02 possible: check the first hit
    block = classic.cbc_encrypt_raw(key, bytes(16), plaintext)
    assert ex.recover_intermediate(local_oracle(key), block) == plaintext


@pytest.mark.points(3)
def test_decrypt_token_through_the_live_server(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb06_padding_oracle")
    stage = stage_factory("classic", padding_oracle=True)
    lift_rate_limit(stage.server)  # our own server: a rate limit would only make this test slow
    alice, mallory = stage.client("alice"), stage.client("mallory", room="lab")
    secret = f"the code is {random.randint(1000, 9999)}, burn it"
    alice.send(secret)
    captured = alice.wait_for(lambda e: isinstance(e, ChatMessage) and e.own, timeout=5)
    assert isinstance(captured, ChatMessage)
    oracle = PaddingOracle(mallory, budget=3 * (QUERIES_PER_BLOCK + 16))
    assert len(base64.b64decode(captured.ciphertext)) == 48  # IV and two blocks
    assert ex.decrypt_token(oracle, captured.ciphertext) == secret
