"""INSECURE on purpose: the capstone's weaknesses, each one protection of the sealed mode left out (notebook 17).

Every class here overrides one step of `CapstoneCodec` (capstone_codec.py) or of the sealed server's rules, and
nothing else: the same frames, texts and warnings as the kit until someone exercises that one step. The fix of
each is the step it overrides, put back (the method of the class it inherits from). Instructor's reading: which
team runs which is kept in the instructor's map (variants.class_map), never printed in a student's notebook.
"""

from typing import Any

from chatkit.client.events import Problem
from chatkit.client.freshness import Marks, Verdict
from chatkit.lab.capstone_codec import CapstoneCodec, MemoryMarks
from chatkit.protocol import Frame, require, unb64
from chatkit.server.member import Member
from chatkit.server.sealed import SEALED_FIELDS, SealedRules


class CounterNonce(CapstoneCodec):
    """The nonce is the sender's counter: alice's first message and bob's first share a nonce under one key."""

    def nonce_for(self, counter: int) -> bytes:
        """Return the counter as a 12-byte nonce (unique per sender, not per key)."""
        return counter.to_bytes(12, "big")


class Unpadded(CapstoneCodec):
    """No padding: a ciphertext is exactly 16 bytes longer than its text, so lengths tell 'yes' from 'no'."""

    def pad(self, data: bytes) -> bytes:
        """Seal the text as it is."""
        return data

    def unpad(self, data: bytes) -> bytes:
        """Nothing to strip."""
        return data


class SignsPlaintext(CapstoneCodec):
    """The signature covers the text only: a member who has the room key re-seals it under a new header."""

    def signed_part(self, header: bytes, nonce: bytes, ciphertext: bytes, plaintext: bytes) -> bytes:
        """Sign the (padded) text alone: the room, the counter and the time are not signed."""
        return plaintext


class SkipsSignature(CapstoneCodec):
    """The signature is never checked: anyone with the room key writes in anyone's name."""

    def check_signature(self, public: bytes, signature: bytes, signed: bytes) -> None:
        """Check nothing."""


class SilentRepin(CapstoneCodec):
    """A sender's new key is pinned in place of the old one, silently."""

    def key_changed(self, sender: str, pinned: bytes, offered: bytes, name: str) -> bool:
        """Pin whatever key the server attached and report no change."""
        self.identities.store(name).accept(sender, offered)
        return False


class TrustsAttachedKey(CapstoneCodec):
    """The key the server attached to a message is used to check it; the pin is never consulted."""

    def verifying_key(self, message: Frame, name: str) -> bytes:
        """Return the attached key, whoever pinned what."""
        return unb64(message, "pubkey")


class ForgetsReplays(CapstoneCodec):
    """An old number is shown again as if it were new."""

    def is_replay(self, verdict: Verdict) -> bool:
        """Call nothing a replay."""
        return False


class MarksInMemory(CapstoneCodec):
    """The marks of what was seen live in memory: a reader who restarts accepts every old message again."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self.session_marks = MemoryMarks()  # one per client: a new client (a restart) starts with none

    def marks(self, name: str) -> Marks:
        """Return marks kept for this session only."""
        return Marks(self.session_marks)


class SilentGap(CapstoneCodec):
    """Skipped numbers are not reported: a server that drops a message goes unnoticed."""

    def arrival_warnings(self, sender: str, verdict: Verdict) -> tuple[Problem, ...]:
        """Keep the reorder warning, drop the gap."""
        return tuple(warning for warning in super().arrival_warnings(sender, verdict) if warning.code != "gap")


class UnflaggedLookAlike(CapstoneCodec):
    """A newcomer whose name looks like a known one ('aIice' beside 'alice') is pinned with no warning."""

    def first_contact(self, sender: str, public: bytes, name: str) -> tuple[Problem, ...]:
        """Pin the newcomer and keep quiet about look-alikes."""
        met = super().first_contact(sender, public, name)
        return tuple(warning for warning in met if warning.code != "look_alike")


class ForgetfulServer(SealedRules):
    """A server that accepts any counter: a replayed line is stored and relayed again."""

    def _check_fresh(self, room: str, sender: str, counter: int) -> None:
        """Check nothing."""


class NameMarksServer(SealedRules):
    """A server whose marks belong to a name only, and move for any line: whoever connects as alice moves hers."""

    def accept(self, member: Member, say: Frame) -> tuple[str, Frame]:
        """Check the counter against the name's mark, signed or not, then relay as the kit does."""
        require(say, *SEALED_FIELDS)
        if say["room"] == member.room:
            self._check_fresh(say["room"], f"{member.name} -", say["counter"])
        return super().accept(member, say)
