"""A person's key store: made on first use, readable only by them, the same keys next time, pins never replaced."""

import json
import os
import stat
from pathlib import Path

import pytest

from chatkit.client.keystore import KeyStore, KeyStoreError, PinCheck, default_folder
from chatkit.crypto import signing
from chatkit.crypto.safety import safety_number

BOB, MALLORY = bytes([2]) * 32, bytes([3]) * 32


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_identity_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = signing.public_bytes(KeyStore(tmp_path / "alice").identity())
    again = signing.public_bytes(KeyStore(tmp_path / "alice").identity())  # a later session
    assert first == again


def test_only_the_owner_can_read_the_folder_and_its_files(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "alice")
    store.identity()
    store.check_pin("bob", BOB)
    store.advance("general", "bob", 7)
    assert mode_of(store.folder) == 0o700
    assert {path.name: mode_of(path) for path in store.folder.iterdir()} == {
        "identity.key": 0o600,
        "pins.json": 0o600,
        "seen.json": 0o600,
    }


def test_an_old_folder_that_others_could_read_is_closed(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    assert mode_of(KeyStore(folder).folder) == 0o700


def test_a_first_key_is_pinned_and_a_changed_one_is_not(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "alice")
    assert store.check_pin("bob", BOB) is PinCheck.NEW
    assert store.check_pin("bob", BOB) is PinCheck.SAME
    assert store.check_pin("bob", MALLORY) is PinCheck.CHANGED
    assert store.check_pin("bob", MALLORY) is PinCheck.CHANGED  # still changed: never re-pinned silently
    assert KeyStore(tmp_path / "alice").pin("bob") == store.pin("bob")  # kept on disk
    assert store.pin("bob") is not None and store.pin("bob").public == BOB  # type: ignore[union-attr]


def test_accepting_a_new_key_pins_it_unverified(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "alice")
    store.check_pin("bob", BOB)
    store.mark_verified("bob")
    store.accept("bob", MALLORY)
    assert store.check_pin("bob", MALLORY) is PinCheck.SAME
    pin = store.pin("bob")
    assert pin is not None and not pin.verified


def test_marking_someone_never_met_as_verified_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="no key is pinned for 'carol'"):
        KeyStore(tmp_path / "alice").mark_verified("carol")


def test_high_water_marks_survive_a_restart_and_only_go_up(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "alice")
    assert store.high_water("general", "bob") == -1
    store.advance("general", "bob", 41)
    store.advance("general", "bob", 12)  # an older number does not lower the mark
    assert KeyStore(tmp_path / "alice").high_water("general", "bob") == 41
    assert store.high_water("lab", "bob") == -1


def test_a_damaged_file_gives_a_clear_error(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "alice")
    (store.folder / "pins.json").write_text("{not json")
    with pytest.raises(KeyStoreError, match="pins.json is not JSON"):
        store.pin("bob")
    (store.folder / "identity.key").write_bytes(b"short")
    with pytest.raises(KeyStoreError, match="should hold 32 bytes, not 5"):
        store.identity()


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "alice")
    for sequence in range(5):
        store.advance("general", "bob", sequence)
    assert sorted(path.name for path in store.folder.iterdir()) == ["seen.json"]
    assert json.loads((store.folder / "seen.json").read_text()) == {"general": {"bob": 4}}


def test_the_folder_can_be_chosen_with_an_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATKIT_KEYS", str(tmp_path))
    assert default_folder("alice") == tmp_path / "alice"


def test_a_safety_number_is_the_same_on_both_sides_and_next_week(tmp_path: Path) -> None:
    alice = signing.public_bytes(KeyStore(tmp_path / "alice").identity())
    bob = signing.public_bytes(KeyStore(tmp_path / "bob").identity())
    number = safety_number("alice", alice, "bob", bob)
    assert number == safety_number("bob", bob, "alice", alice)
    assert number == safety_number("alice", signing.public_bytes(KeyStore(tmp_path / "alice").identity()), "bob", bob)
    assert len(number.replace(" ", "")) == 60 and number.replace(" ", "").isdigit()


def test_a_swapped_key_changes_the_safety_number() -> None:
    alice = signing.public_bytes(signing.new_identity())
    bob, mallory = signing.public_bytes(signing.new_identity()), signing.public_bytes(signing.new_identity())
    assert safety_number("alice", alice, "bob", bob) != safety_number("alice", alice, "bob", mallory)


def test_a_senders_numbers_go_on_after_a_restart(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "alice")
    assert [store.next_sequence("general") for _ in range(3)] == [1, 2, 3]
    assert KeyStore(tmp_path / "alice").next_sequence("general") == 4  # a later session goes on counting
    assert store.next_sequence("lab") == 1  # each room counts on its own


def test_marks_know_new_late_and_replayed_numbers_after_a_restart(tmp_path: Path) -> None:
    from chatkit.client.freshness import Arrival, Marks

    marks = Marks(KeyStore(tmp_path / "bob"))
    assert marks.take("general", "alice#k", 1).kind is Arrival.NEW
    assert marks.take("general", "alice#k", 4).missing == 2  # 2 and 3 never came
    again = Marks(KeyStore(tmp_path / "bob"))  # a restart
    assert again.take("general", "alice#k", 4).kind is Arrival.REPLAY
    assert again.take("general", "alice#k", 3).kind is Arrival.LATE
    assert again.take("general", "alice#k", 3).kind is Arrival.REPLAY
    assert again.take("general", "alice#other-key", 4).kind is Arrival.NEW  # another key counts on its own


def test_a_first_contact_counts_no_gap_and_accepts_no_older_number(tmp_path: Path) -> None:
    from chatkit.client.freshness import Arrival, Marks

    marks = Marks(KeyStore(tmp_path / "bob"))
    assert marks.take("general", "alice#k", 7).missing == 0  # numbers 1-6 were sent before bob came
    assert marks.take("general", "alice#k", 3).kind is Arrival.REPLAY  # and are never shown later
