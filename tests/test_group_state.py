"""The group state and its signed changes (chatkit/crypto/group_state.py): forgeries, removed members, forks."""

import dataclasses
from typing import Any

import pytest

from chatkit.crypto import group_state, signing
from chatkit.crypto.errors import BadChange
from chatkit.crypto.fields import b64
from chatkit.crypto.group_state import GroupState, apply, create, make_change

ROOM = "lab"
ALICE_KEY, BOB_KEY = bytes([1]) * 32, b"b" + bytes([2]) * 31
FORK = "this change was made on another group state: the server may be showing you a different group"


@dataclasses.dataclass
class Group:
    """A group of alice and bob, and carol and mallory outside it, each with a lasting identity key."""

    ids: dict[str, signing.Identity]
    state: GroupState

    def key(self, name: str) -> bytes:
        return signing.public_bytes(self.ids[name])

    def change(self, by: str, kind: str, name: str, state: GroupState | None = None) -> dict[str, Any]:
        """Return a change signed by `by`, on the current state unless another is given."""
        return make_change(self.ids[by], by, state or self.state, kind, name, self.key(name))

    def make(self, by: str, kind: str, name: str) -> GroupState:
        """Apply a change by `by` and keep the new state."""
        self.state = apply(self.state, self.change(by, kind, name), ROOM)
        return self.state


@pytest.fixture
def group() -> Group:
    ids = {name: signing.new_identity() for name in ("alice", "bob", "carol", "mallory")}
    state, created = create(ids["alice"], "alice", ROOM)
    assert apply(None, created, ROOM) == state
    team = Group(ids, state)
    team.make("alice", "add", "bob")
    return team


def test_create_add_remove_update_move_the_epoch_and_the_members(group: Group) -> None:
    assert (group.state.epoch, group.state.names) == (1, ("alice", "bob"))
    added = group.make("bob", "add", "carol")
    assert added.names == ("alice", "bob", "carol") and added.key_of("carol") == group.key("carol")
    updated = group.make("carol", "update", "carol")
    assert (updated.epoch, updated.members) == (3, added.members) and updated.hash != added.hash
    removed = group.make("alice", "remove", "bob")
    assert removed.names == ("alice", "carol") and not removed.is_member("bob") and removed.key_of("bob") is None
    assert [removed.epoch, removed.parent] == [4, updated.hash]


def test_a_member_may_remove_itself(group: Group) -> None:
    assert group.make("bob", "remove", "bob").names == ("alice",)


@pytest.mark.parametrize(
    "change",
    [
        {"room": "other"},
        {"epoch": 2},
        {"parent": bytes(32)},
        {"members": (("alice", ALICE_KEY), ("bob", bytes(32)))},  # the same names, another key
        {"members": (("alice", ALICE_KEY),)},
        {"members": (("bob", BOB_KEY), ("alice", ALICE_KEY))},  # the same members in another order
        {"members": (("alice", ALICE_KEY), ("bobb", BOB_KEY[1:]))},  # a byte moved from a key to a name
    ],
)
def test_the_hash_changes_with_any_part_of_the_state(group: Group, change: dict[str, Any]) -> None:
    state = dataclasses.replace(group.state, members=(("alice", ALICE_KEY), ("bob", BOB_KEY)))
    assert dataclasses.replace(state, **change).hash != state.hash
    assert dataclasses.replace(state).hash == state.hash


# -- forgeries --------------------------------------------------------------------------------------------------


def test_a_change_forged_by_an_outsider_in_a_members_name_is_refused(group: Group) -> None:
    forged = make_change(group.ids["mallory"], "alice", group.state, "add", "mallory", group.key("mallory"))
    with pytest.raises(BadChange, match="the signature does not match alice's identity key"):
        apply(group.state, forged, ROOM)


def test_a_change_signed_by_an_outsider_is_refused(group: Group) -> None:
    with pytest.raises(BadChange, match="mallory is not a member of the group"):
        apply(group.state, group.change("mallory", "add", "mallory"), ROOM)


def test_an_unsigned_change_is_refused(group: Group) -> None:
    change = group.change("alice", "add", "carol")
    del change["signature"]
    with pytest.raises(BadChange, match="no 'signature' field"):
        apply(group.state, change, ROOM)


@pytest.mark.parametrize("field, value", [("name", "mallory"), ("kind", "remove"), ("by", "bob")])
def test_a_signed_change_edited_in_transit_is_refused(group: Group, field: str, value: str) -> None:
    change = group.change("alice", "add", "carol") | {field: value}
    with pytest.raises(BadChange, match="signature does not match|not a member"):
        apply(group.state, change, ROOM)


def test_a_change_that_swaps_the_new_members_key_is_refused(group: Group) -> None:
    change = group.change("alice", "add", "carol") | {"pubkey": b64(group.key("mallory"))}
    with pytest.raises(BadChange, match="signature does not match alice's identity key"):
        apply(group.state, change, ROOM)


def test_a_change_from_a_removed_member_is_refused(group: Group) -> None:
    before = group.state
    group.make("alice", "remove", "bob")
    with pytest.raises(BadChange, match="bob is not a member of the group"):
        apply(group.state, group.change("bob", "add", "mallory"), ROOM)
    with pytest.raises(BadChange, match=FORK):  # nor on the state from before the removal
        apply(group.state, group.change("bob", "add", "mallory", state=before), ROOM)


# -- forks, replays and epochs ---------------------------------------------------------------------------------------


def test_two_different_changes_on_the_same_parent_fork_the_group(group: Group) -> None:
    parent = group.state
    with_carol = apply(parent, group.change("alice", "add", "carol", state=parent), ROOM)
    with_mallory = apply(parent, group.change("bob", "add", "mallory", state=parent), ROOM)
    assert with_carol.epoch == with_mallory.epoch and with_carol.hash != with_mallory.hash
    with pytest.raises(BadChange, match=FORK):  # a member on one branch refuses the other's next change
        apply(with_carol, group.change("bob", "update", "bob", state=with_mallory), ROOM)


def test_a_change_replayed_is_refused(group: Group) -> None:
    change = group.change("alice", "add", "carol")
    state = apply(group.state, change, ROOM)
    with pytest.raises(BadChange, match=FORK):
        apply(state, change, ROOM)


@pytest.mark.parametrize("epoch", [0, 1, 3, 100])
def test_a_change_for_the_wrong_epoch_is_refused(group: Group, epoch: int) -> None:
    fields = {"kind": "add", "name": "carol", "pubkey": group.key("carol"), "epoch": epoch}
    fields |= {"parent": group.state.hash, "by": "alice"}
    with pytest.raises(BadChange, match="wrong epoch: the group is at epoch 1, so the change should be 2"):
        apply(group.state, group_state.sign_change(group.ids["alice"], ROOM, fields), ROOM)


def test_a_create_for_one_room_is_refused_in_another(group: Group) -> None:
    _, created = create(group.ids["alice"], "alice", "general")
    with pytest.raises(BadChange, match="signature does not match alice's identity key"):
        apply(None, created, ROOM)


def test_a_create_cannot_replace_an_existing_group(group: Group) -> None:
    _, created = create(group.ids["mallory"], "mallory", ROOM)
    with pytest.raises(BadChange, match="already exists"):
        apply(group.state, created, ROOM)


def test_only_a_create_starts_a_group(group: Group) -> None:
    with pytest.raises(BadChange, match="no group yet"):
        apply(None, group.change("alice", "add", "carol"), ROOM)


@pytest.mark.parametrize("field, value", [("epoch", 1), ("by", "bob")])
def test_a_create_must_be_epoch_0_by_its_only_member(field: str, value: object) -> None:
    _, created = create(signing.new_identity(), "alice", ROOM)
    with pytest.raises(BadChange, match="a 'create' starts epoch 0"):
        apply(None, created | {field: value}, ROOM)


def test_a_creates_parent_is_its_random_group_id_and_signed() -> None:
    first, created = create(signing.new_identity(), "alice", ROOM)
    assert first.parent != bytes(32) and apply(None, created, ROOM) == first
    with pytest.raises(BadChange, match="signature"):
        apply(None, created | {"parent": b64(bytes([1]) * 32)}, ROOM)


def test_a_state_of_another_room_is_refused(group: Group) -> None:
    with pytest.raises(BadChange, match="this group is room 'lab', not 'general'"):
        apply(group.state, group.change("alice", "add", "carol"), "general")


# -- changes that cannot be made ---------------------------------------------------------------------------------


def test_adding_a_member_already_in_is_refused(group: Group) -> None:
    with pytest.raises(BadChange, match="bob is already a member"):
        group.make("alice", "add", "bob")


def test_removing_someone_not_in_is_refused(group: Group) -> None:
    with pytest.raises(BadChange, match="carol is not a member of the group with that identity key"):
        group.make("alice", "remove", "carol")


def test_removing_a_member_under_another_key_is_refused(group: Group) -> None:
    change = make_change(group.ids["alice"], "alice", group.state, "remove", "bob", group.key("mallory"))
    with pytest.raises(BadChange, match="bob is not a member of the group with that identity key"):
        apply(group.state, change, ROOM)


def test_an_update_must_name_its_maker(group: Group) -> None:
    with pytest.raises(BadChange, match=r"an update names the member who makes it \(alice\), not bob"):
        group.make("alice", "update", "bob")


def test_an_unknown_kind_is_refused(group: Group) -> None:
    with pytest.raises(BadChange, match="unknown kind of change 'promote'"):
        group.make("alice", "promote", "bob")


@pytest.mark.parametrize(
    "field, value",
    [
        ("kind", 3),
        ("name", None),
        ("pubkey", "not base64!"),
        ("pubkey", b64(bytes(31))),
        ("epoch", "2"),
        ("epoch", -1),
        ("epoch", True),
        ("parent", "é"),
        ("by", ["alice"]),
        ("signature", b64(bytes(63))),
    ],
)
def test_a_malformed_field_is_refused_with_its_name(group: Group, field: str, value: object) -> None:
    with pytest.raises(BadChange, match=f"'{field}'"):
        apply(group.state, group.change("alice", "add", "carol") | {field: value}, ROOM)


@pytest.mark.parametrize("change", [None, [], "add carol", 7])
def test_a_change_that_is_not_an_object_is_refused(group: Group, change: object) -> None:
    with pytest.raises(BadChange, match="should be a JSON object"):
        apply(group.state, change, ROOM)


def test_a_change_has_exactly_the_documented_fields(group: Group) -> None:
    assert sorted(group.change("alice", "add", "carol")) == sorted(
        ["kind", "name", "pubkey", "epoch", "parent", "by", "signature"]
    )
