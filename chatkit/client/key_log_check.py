"""What a client checks of the server's key log (S16): its own key, every key it uses, and that the log only grew.

Pure, like the session: frames in, problems and frames to send out. The server is not trusted; every answer is
checked here against the Merkle proofs of RFC 9162 (chatkit/crypto/merkle.py):
- after the hello, that our own key is in the log (an inclusion proof against the head that came with it);
- each sender's key, the first time a message from them opens (the key their signature checked out with);
- every new head against the last one seen: a consistency proof, so a log that was rewritten is caught;
- a head another member read to us (compared out of band, like a safety number: `compare`), the same way.
The client keeps the latest head only: each new one is proven to extend it, so every head it was ever shown is the
start of the latest (or a Problem said otherwise). A failure is a Problem ('not_in_log', 'log_rewrite', 'log_fork'),
never an exception: everyone keeps chatting.

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
from chatkit.protocol import ChatError, Frame, key_entry

MAX_WAITING = 1000  # questions waiting for an answer (a server cannot make a client's memory grow without end)
Found = tuple[tuple[Event, ...], tuple[Frame, ...]]  # what an answer led to: events to report, frames to send
Pending = tuple[TreeHead, TreeHead, bool]  # a consistency proof asked for: the older head, the newer, told by a member


class KeyLogCheck:
    """One client's memory of the key log: the latest head (each new one proven to extend it) and the keys proven.

    Only answers to our own questions count: one the server sends unasked is reported and ignored, so it cannot
    flood us with heads to check.
    """

    def __init__(self) -> None:
        self.latest: TreeHead | None = None  # the biggest head the server showed us
        self.proven: dict[tuple[str, str], int] = {}  # (name, key) -> its index in the log, proven
        self.asked: set[tuple[str, str | None]] = set()  # keys asked about and not answered yet
        self.heads_asked = 0  # tree heads asked for and not answered yet
        self.pending: dict[tuple[int, int], list[Pending]] = {}  # consistency proofs asked for, by (old, new) size

    def ask(self, name: str, pubkey: str | None = None) -> tuple[Frame, ...]:
        """Return the question to send about a key (or the latest key of a name), unless it is proven or asked."""
        if (name, pubkey) in self.proven or (name, pubkey) in self.asked or len(self.asked) >= MAX_WAITING:
            return ()
        self.asked.add((name, pubkey))
        return ({"type": "ask_key", "name": name, **({} if pubkey is None else {"pubkey": pubkey})},)

    def forget_questions(self) -> None:
        """Forget the questions of a connection that ended: its answers will never come (call at each welcome)."""
        self.asked.clear()
        self.pending.clear()
        self.heads_asked = 0

    def ask_head(self) -> Frame:
        """Return the question for the log's current head."""
        self.heads_asked = min(self.heads_asked + 1, MAX_WAITING)
        return {"type": "ask_head"}

    def receive(self, frame: Frame) -> Found:
        """Check one answer from the server's key log (frames checked by log_frames.py first)."""
        if frame["type"] == "key_proof":
            return self.on_key_proof(frame)
        if frame["type"] == "consistency":
            return self.on_consistency(frame), ()
        if self.heads_asked == 0:
            return (unasked(frame),), ()
        self.heads_asked -= 1
        return self.see(TreeHead(frame["size"], hashes([frame["root"]])[0]))

    def see(self, head: TreeHead, told: bool = False) -> Found:
        """Take a head (from the server, or `told` by a member): one size has one root, another needs a proof."""
        latest = self.latest
        if latest is None or head == latest:
            self.latest = head if latest is None else latest
            return (), ()
        if head.size == latest.size:
            return (self.differ(head.size, told),), ()
        if head.size > latest.size and not told:
            self.latest = head  # checked against the one before by the proof asked for below
        old, new = sorted((head, latest), key=lambda each: each.size)
        if sum(map(len, self.pending.values())) >= MAX_WAITING:  # a server that never proves is one that cannot
            text = f"the server left {MAX_WAITING} consistency proofs unanswered: its log cannot be checked"
            return (Problem("log_rewrite", text),), ()
        self.pending.setdefault((old.size, new.size), []).append((old, new, told))
        return (), ({"type": "ask_consistency", "old_size": old.size, "new_size": new.size},)

    def differ(self, size: int, told: bool) -> Problem:
        """Say two heads of one size differ: a fork if a member told us theirs, else the server's rewrite."""
        if told:
            return Problem("log_fork", f"your key log of size {size} differs from theirs: the server shows two logs")
        return Problem("log_rewrite", f"the server showed two different key logs of size {size}: it rewrote its log")

    def on_key_proof(self, frame: Frame) -> Found:
        """Check that the key asked about is in the log at the head that came with the answer."""
        question = self.question_of(frame["name"], frame.get("pubkey"))
        if question is None:
            return (unasked(frame),), ()
        self.asked.discard(question)
        head = TreeHead(frame["size"], hashes([frame["root"]])[0])
        events, replies = self.see(head)
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
        """Check a consistency proof we asked for: the older head must be the start of the newer one."""
        old, new = frame["old_size"], frame["new_size"]
        path = hashes(frame.get("path", []))  # no path at all: the server says it cannot prove it (refused as empty)
        waiting = self.pending.pop((old, new), [])
        return tuple(self.check_pending(each, path) for each in waiting) if waiting else (unasked(frame),)

    def check_pending(self, waiting: Pending, path: list[bytes]) -> Event:
        """Return LogChecked if `path` proves the older head starts the newer one, else the Problem that says not."""
        old, new, told = waiting
        try:
            check_consistency(old.size, new.size, old.root, new.root, path)
        except BadProof as failure:
            if told:
                return Problem("log_fork", f"the server shows another member another key log ({failure}): a split view")
            return Problem("log_rewrite", f"the server's key log was rewritten, not only appended to ({failure})")
        return LogChecked(f"the key log of size {old.size} is the start of the one of size {new.size}", new.size)

    def compare(self, head: TreeHead) -> Found:
        """Compare a head another member read to us: the same size must match, another needs a consistency proof."""
        if self.latest is None:
            raise ChatError("no head of the key log yet to compare with: ask for one first (ask_key_log_head)")
        if head == self.latest:
            return (LogChecked(f"the key log of size {head.size} is the same as theirs", head.size),), ()
        return self.see(head, told=True)


def unasked(frame: Frame) -> Problem:
    """Report an answer of the key log that answers no question of ours: it is ignored."""
    return Problem("malformed", f"the server sent a {frame['type']!r} line nobody asked for: it was ignored")
