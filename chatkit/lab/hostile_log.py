"""Key logs that lie (S16), for notebook 14 and its tests: each one a way a server could cheat, and how it is caught.

    split = SplitViewLog(stage.server.log, victim="bob", target="carol", fake_key=mallorys_key)
    with lying_key_log(stage.server, split):      # until the block ends, the server's key log is this one
        ...

- SplitViewLog: two trees, one for the victim (where the target's key is the attacker's) and one for everyone else.
  Every proof checks, each in its own tree: only two members comparing their heads see two logs.
- RewritingLog: one tree, and `rewrite(name, key)` swaps an old entry. The next head is caught by its consistency
  proof against the head a client saw before.
- OmittingLog: never publishes the hidden name's key. The hidden person's own check, and anyone's check of that key,
  finds it missing.
When the block ends, the honest log (chatkit/server/key_log.py) is read again from the database, where no lie went.
"""

import contextlib
from collections.abc import Iterator

from chatkit.protocol import key_entry
from chatkit.server import ChatServer
from chatkit.server.key_log import KeyLog, KeyTree, canonical_key
from chatkit.server.member import Member
from chatkit.storage import ChatLog


class SplitViewLog(KeyLog):
    """Show `victim` a log where `target`'s key is `fake_key`, and everyone else the honest log."""

    def __init__(self, log: ChatLog, *, victim: str, target: str, fake_key: str) -> None:
        super().__init__(log)
        self.victim, self.target, self.fake_key = victim, target, canonical_key(fake_key)
        self.victims_tree = KeyTree([self.swapped(name, key) for name, key in self.tree.keys])

    def swapped(self, name: str, pubkey: str) -> tuple[str, str]:
        """Return the entry as the victim is shown it: the target's key replaced by the fake one."""
        return (name, self.fake_key if name == self.target else pubkey)

    def add(self, member: Member, name: str, pubkey: str) -> None:
        """Append to both trees, the fake key in the victim's."""
        super().add(member, name, pubkey)
        self.victims_tree.append(*self.swapped(name, canonical_key(pubkey)))

    def view(self, member: Member) -> KeyTree:
        """Return the victim's tree to the victim, the honest one to everyone else."""
        return self.victims_tree if member.name == self.victim else self.tree


class RewritingLog(KeyLog):
    """One log for everyone, whose past the server changes when it likes."""

    def rewrite(self, name: str, fake_key: str) -> None:
        """Put `fake_key` in place of the latest key of `name`, at the same position: the size does not change."""
        index = self.tree.find(name, None)
        if index is None:
            raise ValueError(f"{name} has no entry in the key log to rewrite")
        fake = canonical_key(fake_key)
        self.tree.keys[index] = (name, fake)
        self.tree.entries[index] = key_entry(name, fake)


class OmittingLog(KeyLog):
    """A log that never publishes the key of `hidden` (the server hands it out all the same)."""

    def __init__(self, log: ChatLog, *, hidden: str) -> None:
        super().__init__(log)
        self.hidden = hidden

    def add(self, member: Member, name: str, pubkey: str) -> None:
        """Publish every key but the hidden person's."""
        if name != self.hidden:
            super().add(member, name, pubkey)


@contextlib.contextmanager
def lying_key_log(server: ChatServer, lying: KeyLog) -> Iterator[KeyLog]:
    """Make the running server answer every key log question from `lying` until the block ends."""
    hub = server.hub
    hub.key_log = lying
    try:
        yield lying
    finally:
        hub.key_log = KeyLog(server.log)  # the honest log again, as the database kept it (no lie was ever written)
