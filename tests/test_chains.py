"""One-way chains of message keys (chatkit/crypto/chains.py): forward secrecy, reordering, replay, the window."""

import os

import pytest

from chatkit.crypto.chains import WINDOW, ReceivingChain, SendingChain
from chatkit.crypto.errors import CannotDecrypt
from chatkit.crypto.ratchet import ratchet_step


def sent_keys(chain: SendingChain, count: int) -> list[bytes]:
    """Return the next `count` message keys of a sending chain, checking their indexes run in order."""
    start = chain.position[1]
    pairs = [chain.next() for _ in range(count)]
    assert [index for index, _ in pairs] == list(range(start, start + count))
    return [key for _, key in pairs]


def test_a_thief_with_a_snapshot_at_n_cannot_produce_the_keys_before_n() -> None:
    alice = SendingChain.fresh()
    earlier = sent_keys(alice, 10)
    stolen = alice.snapshot()
    assert stolen["index"] == 10
    # everything the thief can compute from the stolen state: keys from index 10 on, never those before
    thief = SendingChain.from_snapshot(stolen)
    reachable = set(sent_keys(thief, 200))
    assert not reachable & set(earlier)
    assert all(value not in earlier for value in stolen.values() if isinstance(value, bytes))


def test_a_receiver_keeps_no_key_it_has_handed_out() -> None:
    alice = SendingChain.fresh()
    bob = ReceivingChain(*alice.position)
    keys = sent_keys(alice, 5)
    for index in (4, 1, 0):
        assert bob.key_for(index) == keys[index]
    stolen = bob.snapshot()
    assert sorted(stolen["skipped"]) == [2, 3]
    opened = {keys[0], keys[1], keys[4]}
    assert not opened & set(stolen["skipped"].values()) and stolen["chain_key"] not in opened


def test_the_sending_chain_forgets_the_chain_key_it_stepped_from() -> None:
    chain_key = os.urandom(32)
    alice = SendingChain(chain_key)
    alice.next()
    assert chain_key not in alice.snapshot().values()
    assert alice.position == (ratchet_step(chain_key)[0], 1)


def test_messages_out_of_order_within_the_window_all_open() -> None:
    alice = SendingChain.fresh()
    bob = ReceivingChain(*alice.position)
    keys = sent_keys(alice, WINDOW + 1)
    order = [WINDOW, *range(WINDOW - 1, -1, -1)]  # the last first, then all the others backwards
    assert [bob.key_for(index) for index in order] == [keys[index] for index in order]


def test_a_replayed_index_is_refused() -> None:
    alice = SendingChain.fresh()
    bob = ReceivingChain(*alice.position)
    keys = sent_keys(alice, 3)
    assert bob.key_for(0) == keys[0] and bob.key_for(2) == keys[2]
    for replay in (0, 2):
        with pytest.raises(CannotDecrypt, match="refused as a replay"):
            bob.key_for(replay)
    assert bob.key_for(1) == keys[1]
    with pytest.raises(CannotDecrypt, match="refused as a replay"):
        bob.key_for(1)


def test_an_index_more_than_the_window_ahead_is_refused_and_the_chain_is_unharmed() -> None:
    alice = SendingChain.fresh()
    bob = ReceivingChain(*alice.position)
    keys = sent_keys(alice, WINDOW + 2)
    with pytest.raises(CannotDecrypt, match=f"more than {WINDOW} ahead"):
        bob.key_for(WINDOW + 1)
    assert bob.key_for(WINDOW) == keys[WINDOW]  # exactly WINDOW skipped: still in reach
    assert bob.key_for(WINDOW + 1) == keys[WINDOW + 1]


def test_a_receiver_keeps_at_most_window_skipped_keys_and_drops_the_oldest() -> None:
    alice = SendingChain.fresh()
    bob = ReceivingChain(*alice.position)
    keys = sent_keys(alice, 2 * WINDOW + 1)
    bob.key_for(WINDOW)  # skips 0 .. WINDOW-1
    bob.key_for(2 * WINDOW)  # skips WINDOW-1 more: the oldest ones must go
    held = bob.snapshot()["skipped"]
    assert len(held) == WINDOW and sorted(held) == [WINDOW - 1, *range(WINDOW + 1, 2 * WINDOW)]
    for dropped in (0, WINDOW - 2):
        with pytest.raises(CannotDecrypt, match="older than the window"):
            bob.key_for(dropped)
    assert bob.key_for(WINDOW - 1) == keys[WINDOW - 1]


def test_a_newcomer_given_the_position_reads_only_what_comes_next() -> None:
    alice = SendingChain.fresh()
    before = sent_keys(alice, 3)
    newcomer = ReceivingChain(*alice.position)
    after = sent_keys(alice, 2)
    with pytest.raises(CannotDecrypt):
        newcomer.key_for(2)
    assert newcomer.key_for(3) == after[0] and newcomer.key_for(4) == after[1]
    assert before[2] not in newcomer.snapshot().values()


def test_a_snapshot_restores_a_receiving_chain_with_its_skipped_keys() -> None:
    alice = SendingChain.fresh()
    bob = ReceivingChain(*alice.position)
    keys = sent_keys(alice, 4)
    bob.key_for(3)
    copy = ReceivingChain.from_snapshot(bob.snapshot())
    assert [copy.key_for(index) for index in (2, 0, 1)] == [keys[2], keys[0], keys[1]]


def test_fresh_chains_differ() -> None:
    assert SendingChain.fresh().position != SendingChain.fresh().position


@pytest.mark.parametrize("chain_key, index", [(bytes(31), 0), (bytes(33), 0), (bytes(32), -1), (bytes(32), True)])
def test_a_chain_refuses_a_bad_start(chain_key: bytes, index: int) -> None:
    with pytest.raises(ValueError, match="chain"):
        SendingChain(chain_key, index)
    with pytest.raises(ValueError, match="chain"):
        ReceivingChain(chain_key, index)


@pytest.mark.parametrize("index", ["1", 1.0, None, True])
def test_a_receiver_refuses_an_index_that_is_not_a_whole_number(index: object) -> None:
    with pytest.raises(CannotDecrypt, match="whole number"):
        ReceivingChain(bytes(32)).key_for(index)  # type: ignore[arg-type]
