"""A small model of TreeKEM (the tree behind MLS, RFC 9420) that counts encryptions and bytes: a model, not MLS.

The ratchet mode hands each member's sender key to every other member over pairwise sessions, so a removal from N
members costs (N-1)(N-2) envelopes. TreeKEM puts the members at the leaves of a binary tree whose every inner node
has a key pair known to the leaves below it. The member who commits a change picks a fresh secret for each node on
its path to the root and encrypts it once to each node that covers the other half below that node (the copath's
"resolution"): about log2(N) encryptions for the whole group. A removed member's leaf and path are blanked, and a
blank node is covered by its children, so removals without updates make later commits cost more.

The model keeps only what the counting needs: which nodes hold a key and which leaves were added below a node since
its key was made (unmerged leaves). It makes no key and encrypts nothing; `ENCRYPTION_BYTES` and `PUBLIC_KEY_BYTES`
are what one HPKE encryption of a 32-byte secret to an X25519 key and one public key would take.

>>> tree = RatchetTree()
>>> for name in ["alice", "bob", "carol", "dave"]:
...     _ = tree.add(name)
>>> [tree.update(name).encryptions for name in ["alice", "carol", "alice"]]  # 3 while inner nodes are blank
[3, 2, 2]
>>> tree.remove("alice", "dave").encryptions   # dave's leaf and path are blank: carol's leaf stands in
2
"""

from dataclasses import dataclass

ENCRYPTION_BYTES = 32 + 32 + 16  # an X25519 encapsulation, the 32-byte path secret, an AES-GCM tag
PUBLIC_KEY_BYTES = 32  # an X25519 public key, one per node of the committer's path


class TreeError(Exception):
    """A change the tree cannot make (an unknown member, a name already in it)."""


@dataclass(frozen=True)
class Cost:
    """What one change costs the member who makes it: encryptions, and the bytes it sends."""

    encryptions: int
    bytes: int


def level(node: int) -> int:
    """Return a node's height in the array tree: leaves (even numbers) are 0, their parents 1, and so on."""
    height = 0
    while (node >> height) & 1:
        height += 1
    return height


def children(node: int) -> tuple[int, int]:
    """Return the left and right child of an inner node."""
    step = 1 << (level(node) - 1)
    return node - step, node + step


def parent(node: int) -> int:
    """Return the parent of a node (in a tree big enough to have one)."""
    height = level(node)
    right_child = (node >> (height + 1)) & 1
    return (node | (1 << height)) ^ (right_child << (height + 1))


class RatchetTree:
    """The members at the leaves (leaf i is node 2i), the nodes that hold a key, and unmerged leaves."""

    def __init__(self) -> None:
        self.leaves: dict[str, int] = {}  # name -> leaf node
        self.capacity = 1  # leaves the tree has room for: a power of two, doubled when full
        self.keyed: set[int] = set()  # nodes whose key pair exists (not blank)
        self.unmerged: dict[int, set[int]] = {}  # inner node -> leaves added below it since its key was made

    @property
    def root(self) -> int:
        """Return the root node of the tree as it is now."""
        return self.capacity - 1

    def path(self, leaf: int) -> list[int]:
        """Return the nodes from a leaf's parent up to the root (its direct path)."""
        nodes, node = [], leaf
        while node != self.root:
            node = parent(node)
            nodes.append(node)
        return nodes

    def resolution(self, node: int) -> list[int]:
        """Return the fewest keyed nodes that cover every member below a node (a blank node: its children's)."""
        if node in self.keyed:
            return [node, *sorted(self.unmerged.get(node, ()))]
        if level(node) == 0:
            return []
        left, right = children(node)
        return self.resolution(left) + self.resolution(right)

    def add(self, name: str) -> Cost:
        """Put a newcomer in the leftmost free leaf; the welcome is one encryption and the public tree."""
        if name in self.leaves:
            raise TreeError(f"{name} is in the tree already")
        free = sorted(set(range(0, 2 * self.capacity, 2)) - set(self.leaves.values()))
        if not free:
            free, self.capacity = [2 * self.capacity], 2 * self.capacity  # the old tree becomes the left half
        leaf = free[0]
        self.leaves[name] = leaf
        self.keyed.add(leaf)
        for node in self.path(leaf):
            if node in self.keyed:
                self.unmerged.setdefault(node, set()).add(leaf)
        return Cost(1, ENCRYPTION_BYTES + PUBLIC_KEY_BYTES * len(self.keyed))

    def remove(self, committer: str, name: str) -> Cost:
        """Blank a member's leaf and path, then let the committer renew its own path."""
        leaf = self._leaf(name)
        del self.leaves[name]
        for node in [leaf, *self.path(leaf)]:
            self.keyed.discard(node)
            self.unmerged.pop(node, None)
        for below in self.unmerged.values():
            below.discard(leaf)
        return self.update(committer)

    def update(self, committer: str) -> Cost:
        """Give every node on the committer's path a new key, encrypted to the resolution of the other half."""
        node, encryptions = self._leaf(committer), 0
        for above in self.path(node):
            left, right = children(above)
            encryptions += len(self.resolution(right if node == left else left))
            self.keyed.add(above)
            self.unmerged.pop(above, None)
            node = above
        path_keys = len(self.path(self._leaf(committer))) + 1  # the committer's new leaf key too
        return Cost(encryptions, encryptions * ENCRYPTION_BYTES + path_keys * PUBLIC_KEY_BYTES)

    def _leaf(self, name: str) -> int:
        """Return a member's leaf, or raise TreeError."""
        if name not in self.leaves:
            raise TreeError(f"{name} is not in the tree: members are {', '.join(self.leaves) or 'none'}")
        return self.leaves[name]


def pairwise_removal(members: int) -> int:
    """Return the envelopes a removal costs with sender keys over pairwise sessions: (N-1) members, N-2 each."""
    return max(members - 1, 0) * max(members - 2, 0)
