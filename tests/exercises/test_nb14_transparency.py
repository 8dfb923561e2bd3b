"""Checks for notebook 14's key log exercises: random logs each run, and real proofs from a live sealed server."""

import base64
import json
import secrets
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.client.events import Wire
from chatkit.crypto import merkle
from chatkit.lab import Stage
from chatkit.lab.hostile_log import RewritingLog, lying_key_log
from chatkit.protocol import b64, key_entry

Load = Callable[[str], ModuleType]


def random_log(size: int) -> list[tuple[str, str]]:
    """Return `size` entries of random names and random 32-byte keys."""
    return [(f"user{i}-{secrets.token_hex(2)}", b64(secrets.token_bytes(32))) for i in range(size)]


def entries_of(log: list[tuple[str, str]]) -> list[bytes]:
    return [key_entry(name, pubkey) for name, pubkey in log]


def flip(path: list[bytes]) -> list[bytes]:
    """Return the path with one random bit of one random hash flipped."""
    where = secrets.randbelow(len(path))
    hashed = bytearray(path[where])
    hashed[secrets.randbelow(32)] ^= 1 << secrets.randbelow(8)
    return [*path[:where], bytes(hashed), *path[where + 1 :]]


def test_leaf_of_hashes_one_entry(exercise: Load) -> None:
    ex = exercise("nb14_transparency")
    ((name, pubkey),) = random_log(1)
    assert ex.leaf_of(name, pubkey) == merkle.leaf_hash(key_entry(name, pubkey))


@pytest.mark.points(2)
def test_root_from_path_rebuilds_every_root(exercise: Load) -> None:
    ex = exercise("nb14_transparency")
    for size in [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33 + secrets.randbelow(30)]:
        entries = entries_of(random_log(size))
        for index in {0, size - 1, secrets.randbelow(size)}:
            path = merkle.inclusion_proof(index, entries)
            assert ex.root_from_path(merkle.leaf_hash(entries[index]), index, size, path) == merkle.tree_root(entries)


def test_root_from_path_refuses_a_path_of_the_wrong_length(exercise: Load) -> None:
    ex = exercise("nb14_transparency")
    size = 5 + secrets.randbelow(20)
    entries = entries_of(random_log(size))
    index = secrets.randbelow(size)
    path, leaf = merkle.inclusion_proof(index, entries), merkle.leaf_hash(entries[index])
    assert ex.root_from_path(leaf, index, size, path[:-1]) != merkle.tree_root(entries)
    assert ex.root_from_path(leaf, index, size, [*path, secrets.token_bytes(32)]) is None


def test_root_from_path_checks_a_live_proof(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb14_transparency")
    stage = stage_factory("sealed", iterations=1000)
    names = [f"p{secrets.token_hex(3)}" for _ in range(2 + secrets.randbelow(4))]
    clients = [stage.client(name) for name in names]
    last = clients[-1]
    last.wait_for_log_check(f"{last.name}'s key")
    proof = next(
        json.loads(event.line)
        for event in last.history
        if isinstance(event, Wire) and b'"type": "key_proof"' in event.line
    )
    path = [base64.b64decode(hashed) for hashed in proof["path"]]
    leaf = ex.leaf_of(proof["name"], proof["pubkey"])
    assert ex.root_from_path(leaf, proof["index"], proof["size"], path) == base64.b64decode(proof["root"])


@pytest.mark.points(2)
def test_consistent_accepts_every_honest_proof(exercise: Load) -> None:
    ex = exercise("nb14_transparency")
    new = 20 + secrets.randbelow(40)
    entries = entries_of(random_log(new))
    for old in range(1, new):
        path = merkle.consistency_proof(old, entries)
        assert ex.consistent(old, new, merkle.tree_root(entries[:old]), merkle.tree_root(entries), path) is True


@pytest.mark.points(2)
def test_consistent_refuses_a_rewritten_log_and_a_tampered_proof(exercise: Load) -> None:
    ex = exercise("nb14_transparency")
    new = 10 + secrets.randbelow(30)
    log = random_log(new)
    entries = entries_of(log)
    old = 1 + secrets.randbelow(new - 1)
    old_root = merkle.tree_root(entries[:old])
    rewritten = [key_entry(log[0][0], b64(secrets.token_bytes(32))), *entries[1:]]
    lying = merkle.consistency_proof(old, rewritten)
    assert ex.consistent(old, new, old_root, merkle.tree_root(rewritten), lying) is False
    honest = merkle.consistency_proof(old, entries)
    assert ex.consistent(old, new, old_root, merkle.tree_root(entries), flip(honest)) is False
    assert ex.consistent(old, new, old_root, merkle.tree_root(entries), []) is False


def test_consistent_catches_the_live_rewriting_server(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb14_transparency")
    stage = stage_factory("sealed", iterations=1000)
    rewriting = RewritingLog(stage.server.log)
    with lying_key_log(stage.server, rewriting):
        for name in ("alice", "bob", "carol"):
            stage.client(name)
        before = rewriting.tree.head()
        rewriting.rewrite("bob", b64(secrets.token_bytes(32)))
        stage.client("dave")
        proof = rewriting.tree.consistency(before["size"], len(rewriting.tree.entries))
        after = rewriting.tree.head()
    path = [base64.b64decode(hashed) for hashed in proof["path"]]
    roots = base64.b64decode(before["root"]), base64.b64decode(after["root"])
    assert ex.consistent(before["size"], after["size"], *roots, path) is False
