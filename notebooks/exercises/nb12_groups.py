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
    raise NotImplementedError("your code here: replace this line")


def is_fork(message: dict[str, Any], state: GroupState) -> bool:
    """Return True if a message names our epoch but another group state (its 'group' field is base64).

    A message from another epoch is not a fork at this epoch (it is late, or a change did not reach us yet).
    """
    raise NotImplementedError("your code here: replace this line")


def pairwise_envelopes(change: str, members: int) -> int:
    """Return how many envelopes the members send, all together, for one change in a group of `members`.

    `change` is "add" (the group has `members` with the newcomer) or "remove" (it had `members` before).
    An envelope carries one member's sender key to one other member.
    """
    raise NotImplementedError("your code here: replace this line")
