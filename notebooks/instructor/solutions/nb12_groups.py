"""Notebook 12, exercises: read the group yourself, from the signed changes and the hash in each message.

In the ratchet mode the member list is not the server's word: it is what the signed changes say, checked one by
one against the state they were made on (chatkit/crypto/group_state.py). You get what a member's client gets.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
import base64  # noqa: F401
from typing import Any

from chatkit.crypto import group_state  # noqa: F401
from chatkit.crypto.errors import BadChange  # noqa: F401
from chatkit.crypto.group_state import GroupState


def members_from_changes(room: str, changes: list[dict[str, Any]]) -> tuple[str, ...]:
    """Apply the relayed changes in order and return the members' names at the end.

    Start from no group (None). A change that `group_state.apply` refuses (BadChange: forged, not made by a member,
    made on another state) is skipped: it changes nothing, as in a member's client.
    """
    # BEGIN SOLUTION
    state: GroupState | None = None
    for change in changes:
        try:
            state = group_state.apply(state, change, room)
        except BadChange:
            continue
    return () if state is None else state.names
    # END SOLUTION


def is_fork(message: dict[str, Any], state: GroupState) -> bool:
    """Return True if a message names our epoch but another group state (its 'group' field is base64).

    A message from another epoch is not a fork at this epoch (it is late, or a change did not reach us yet).
    """
    # BEGIN SOLUTION
    return message["epoch"] == state.epoch and base64.b64decode(message["group"]) != state.hash
    # END SOLUTION


def pairwise_envelopes(change: str, members: int) -> int:
    """Return how many envelopes the members send, all together, for one change in a group of `members`.

    `change` is "add" (the group has `members` with the newcomer) or "remove" (it had `members` before).
    An envelope carries one member's sender key to one other member.
    """
    # BEGIN SOLUTION
    if change == "add":
        return 2 * (members - 1)  # each old member's key to the newcomer, the newcomer's key to each of them
    return (members - 1) * (members - 2)  # each member left makes a new key and sends it to every other one left
    # END SOLUTION
