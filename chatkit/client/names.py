"""Names that look alike: 'aIice' beside 'alice' is flagged, because people read names with their eyes (S10).

Each name is reduced to a skeleton: lower case, and every group of characters that looks like another mapped to
one of them (I, l, 1 and | to l; O and 0 to o; rn to m; vv to w ...). Two different names with the same skeleton
could be taken for each other.

>>> skeleton("aIice") == skeleton("alice"), skeleton("b0b") == skeleton("bob"), skeleton("rnallory")
(True, True, 'mallory')
>>> look_alikes("aIice", ["alice", "bob", "aIice"])
['alice']
"""

from collections.abc import Iterable

# Longer groups first, so 'rn' is read as 'm' before its letters are looked at one by one.
LOOK_ALIKE_GROUPS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
LOOK_ALIKE_LETTERS = str.maketrans({"i": "l", "1": "l", "|": "l", "!": "l", "0": "o", "5": "s", "$": "s", "_": "-"})


def skeleton(name: str) -> str:
    """Return what a name looks like, with look-alike characters mapped to one."""
    shape = name.lower()
    for group, letter in LOOK_ALIKE_GROUPS:
        shape = shape.replace(group, letter)
    return shape.translate(LOOK_ALIKE_LETTERS)


def look_alikes(name: str, others: Iterable[str]) -> list[str]:
    """Return the other names that look like `name` but are not it."""
    shape = skeleton(name)
    return sorted({other for other in others if other != name and skeleton(other) == shape})
