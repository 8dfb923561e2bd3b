"""What a client checks of the server's key log (S16): its own key, every key it uses, and that the log only grew.

Pure, like the session: frames in, problems and frames to send out. The server is not trusted; every answer is
checked here against the Merkle proofs of RFC 9162 (chatkit/crypto/merkle.py):
- after the hello, that our own key is in the log (an inclusion proof against the head that came with it);
- each sender's key, the first time a message from them opens (the key their signature checked out with);
- every new head against the last one seen: a consistency proof, so a log that was rewritten is caught;
- a head another member read to us (compared out of band, like a safety number: `compare`), the same way.
A failure is a Problem ('not_in_log', 'log_rewrite', 'log_fork'), never an exception: everyone keeps chatting.

>>> check = KeyLogCheck()
>>> check.ask("alice", "a2V5")
({'type': 'ask_key', 'name': 'alice', 'pubkey': 'a2V5'},)
>>> empty_root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="   # SHA-256 of nothing: the log of size 0
>>> empty_log = {"type": "key_proof", "name": "alice", "size": 0, "root": empty_root}
>>> check.receive(empty_log)[0][0].code       # the server answered, but without the key: it is not in its log
'not_in_log'
"""

from chatkit.client.events import Event, LogChecked, Problem
from chatkit.client.log_frames import TreeHead, hashes
from chatkit.crypto.merkle import BadProof, check_consistency, check_inclusion, leaf_hash
from chatkit.protocol import Frame, key_entry

MAX_HEADS = 1000  # heads and asked keys remembered (a server cannot make a client's memory grow without end)
Found = tuple[tuple[Event, ...], tuple[Frame, ...]]  # what an answer led to: events to report, frames to send


class KeyLogCheck:
    """One client's memory of the key log: every head seen (all proven consistent) and the keys proven in it."""

    def __init__(self) -> None:
        self.heads: dict[int, bytes] = {}  # size -> root, from the server
        self.told: dict[int, bytes] = {}  # size -> root, read to us by other members (out of band)
        self.proven: dict[tuple[str, str], int] = {}  # (name, key) -> its index in the log, proven
        self.asked: set[tuple[str, str | None]] = set()  # keys asked about and not answered yet
        self.pending: set[tuple[int, int]] = set()  # consistency proofs asked for and not answered yet

    @property
    def latest(self) -> TreeHead | None:
        """The biggest head seen so far (None before the first)."""
        return None if not self.heads else TreeHead(max(self.heads), self.heads[max(self.heads)])

    def ask(self, name: str, pubkey: str | None = None) -> tuple[Frame, ...]:
        """Return the question to send about a key (or the latest key of a name), unless it is proven or asked."""
        if (name, pubkey) in self.proven or (name, pubkey) in self.asked or len(self.asked) >= MAX_HEADS:
            return ()
        self.asked.add((name, pubkey))
        return ({"type": "ask_key", "name": name, **({} if pubkey is None else {"pubkey": pubkey})},)

    def receive(self, frame: Frame) -> Found:
        """Check one answer from the server's key log (frames checked by log_frames.py first)."""
        if frame["type"] == "tree_head":
            return self.see(TreeHead(frame["size"], hashes([frame["root"]])[0]))
        if frame["type"] == "key_proof":
            return self.on_key_proof(frame)
        return self.on_consistency(frame), ()

    def see(self, head: TreeHead) -> Found:
        """Take a head from the server: the same size must have the same root, another size a consistency proof."""
        known = self.heads.get(head.size)
        if known is not None:
            if known == head.root:
                return (), ()
            text = f"the server showed two different key logs of size {head.size}: it rewrote its log"
            return (Problem("log_rewrite", text),), ()
        latest = self.latest
        if len(self.heads) < MAX_HEADS:
            self.heads[head.size] = head.root
        return (), self.ask_consistency(head.size, latest)

    def ask_consistency(self, size: int, other: TreeHead | None) -> tuple[Frame, ...]:
        """Return the question whether the heads of `size` and `other` belong to one log that only grew."""
        if other is None or other.size == size:
            return ()
        old, new = sorted((size, other.size))
        self.pending.add((old, new))
        return ({"type": "ask_consistency", "old_size": old, "new_size": new},)

    def on_key_proof(self, frame: Frame) -> Found:
        """Check that the key asked about is in the log at the head that came with the answer."""
        head = TreeHead(frame["size"], hashes([frame["root"]])[0])
        events, replies = self.see(head)
        question = self.question_of(frame["name"], frame.get("pubkey"))
        if question is None:
            return events, replies  # nothing we asked: only the head counts
        self.asked.discard(question)
        return (*events, self.check_key(frame, head, question[1])), replies

    def question_of(self, name: str, pubkey: str | None) -> tuple[str, str | None] | None:
        """Return which of our questions an answer about `name` answers (None: we asked nothing about them)."""
        for question in ((name, pubkey), (name, None)):
            if question in self.asked:
                return question
        # another key than the one asked about, or none: still the answer, and check_key says it is not ours
        return next((question for question in self.asked if question[0] == name), None)

    def check_key(self, frame: Frame, head: TreeHead, wanted: str | None) -> Event:
        """Return LogChecked if the answer proves the key, else the Problem 'not_in_log' that says why not."""
        name, pubkey = frame["name"], frame.get("pubkey")
        key = f"{name}'s key" if wanted is None else f"{name}'s key {wanted[:12]}..."
        if pubkey is None or "index" not in frame or (wanted is not None and pubkey != wanted):
            return Problem("not_in_log", f"the server's key log of size {head.size} holds no entry for {key}")
        try:
            path = hashes(frame["path"])
            check_inclusion(leaf_hash(key_entry(name, pubkey)), frame["index"], head.size, path, head.root)
        except BadProof as failure:
            return Problem("not_in_log", f"the server's proof for {key} does not check: {failure}")
        self.proven[(name, pubkey)] = frame["index"]
        return LogChecked(f"{name}'s key is entry {frame['index']} of the key log", head.size, name, pubkey)

    def on_consistency(self, frame: Frame) -> tuple[Event, ...]:
        """Check a consistency proof we asked for: the smaller head must be the start of the bigger one."""
        old, new = frame["old_size"], frame["new_size"]
        if (old, new) not in self.pending:
            return ()
        self.pending.discard((old, new))
        old_root, new_root = self.root_of(old), self.root_of(new)
        try:  # no path at all: the server says it cannot prove it, which check_consistency refuses as empty
            check_consistency(old, new, old_root, new_root, hashes(frame.get("path", [])))
        except BadProof as failure:
            return (self.broken(old, new, str(failure)),)
        return (LogChecked(f"the key log of size {old} is the start of the one of size {new}", new),)

    def root_of(self, size: int) -> bytes:
        """Return the root we know for a size, from the server or from another member."""
        return self.heads.get(size, self.told.get(size, b""))

    def broken(self, old: int, new: int, why: str) -> Problem:
        """Say a consistency proof failed: a fork if another member's head is involved, else a rewrite."""
        if old in self.told or new in self.told:
            return Problem("log_fork", f"the server shows another member another key log ({why}): a split view")
        return Problem("log_rewrite", f"the server's key log was rewritten, not only appended to ({why})")

    def compare(self, head: TreeHead) -> Found:
        """Compare a head another member read to us: the same size must match, another needs a consistency proof."""
        ours = self.heads.get(head.size)
        if ours is not None:
            if ours != head.root:
                text = f"your key log of size {head.size} differs from theirs: the server shows you two logs"
                return (Problem("log_fork", text),), ()
            return (LogChecked(f"the key log of size {head.size} is the same as theirs", head.size),), ()
        self.told[head.size] = head.root
        return (), self.ask_consistency(head.size, self.latest)
