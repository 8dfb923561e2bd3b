"""Key exchange, safety numbers and the hash ratchet."""

import os

from chatkit.crypto import exchange, ratchet


def test_both_sides_derive_the_same_session_key() -> None:
    alice, bob = exchange.new_exchange_key(), exchange.new_exchange_key()
    key_a = exchange.session_key(alice, exchange.exchange_public(bob), b"alice|bob")
    key_b = exchange.session_key(bob, exchange.exchange_public(alice), b"alice|bob")
    assert key_a == key_b and len(key_a) == 32


def test_the_context_separates_keys() -> None:
    alice, bob = exchange.new_exchange_key(), exchange.new_exchange_key()
    bob_public = exchange.exchange_public(bob)
    assert exchange.session_key(alice, bob_public, b"room-1") != exchange.session_key(alice, bob_public, b"room-2")


def test_a_relay_that_swaps_keys_shares_a_key_with_each_side_not_the_same_key() -> None:
    alice, bob, mallory = (exchange.new_exchange_key() for _ in range(3))
    mallory_public = exchange.exchange_public(mallory)
    alice_key = exchange.session_key(alice, mallory_public, b"c")
    bob_key = exchange.session_key(bob, mallory_public, b"c")
    assert alice_key == exchange.session_key(mallory, exchange.exchange_public(alice), b"c")
    assert alice_key != bob_key


def test_safety_number_is_symmetric_and_changes_with_a_key() -> None:
    a, b, c = (exchange.exchange_public(exchange.new_exchange_key()) for _ in range(3))
    number = exchange.safety_number(a, b)
    assert number == exchange.safety_number(b, a)
    assert number != exchange.safety_number(a, c)
    assert [len(group) for group in number.split()] == [5] * 6


def test_ratchet_gives_a_new_key_each_step_and_is_deterministic() -> None:
    chain = os.urandom(32)
    keys, again = [], []
    c1, c2 = chain, chain
    for _ in range(5):
        c1, k1 = ratchet.ratchet_step(c1)
        c2, k2 = ratchet.ratchet_step(c2)
        keys.append(k1)
        again.append(k2)
    assert keys == again and len(set(keys)) == 5
    assert chain not in keys


def test_heal_makes_a_chain_unrelated_to_the_old_one() -> None:
    chain = os.urandom(32)
    healed = ratchet.heal(chain, os.urandom(32))
    assert healed != chain and healed != ratchet.ratchet_step(chain)[0]
