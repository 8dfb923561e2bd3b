"""The capstone's sealed client: the kit's own `SealedCodec`, whose steps a variant weakens one at a time (notebook 17).

`SealedCodec` (chatkit/client/sealed_codec.py) names each protection as a step of its own: the nonce (`nonce_for`), the
padding (`pad`, `unpad`), what is signed (`signed_part`), the signature check (`check_signature`), where the marks
live (`marks`), which warnings are shown (`first_contact`, `arrival_warnings`), besides `verifying_key`,
`key_changed` and `is_replay`. A variant in `flaws.py` overrides one of them; its fix puts that step back.
`CapstoneCodec` is that codec under the capstone's name, and `MemoryMarks` the key store a forgetful variant keeps.
"""

from chatkit.client.codec import SealedCodec
from chatkit.client.keystore import KeyStore


class CapstoneCodec(SealedCodec):
    """The kit's sealed client, every step as the kit has it: what each variant starts from and each fix returns to."""


class MemoryMarks(KeyStore):
    """A key store whose marks live in a dict: what is seen is forgotten when the client closes.

    It keeps only what `Marks` asks a key store for (marks and missing numbers); no identity key, no pins, no file.
    """

    def __init__(self) -> None:  # no folder: nothing here is ever written
        self.seen: dict[tuple[str, str], int] = {}
        self.skipped: dict[tuple[str, str], list[int]] = {}

    def high_water(self, room: str, sender: str) -> int:
        """Return the highest number seen from `sender` in `room` in this session (-1 if none)."""
        return self.seen.get((room, sender), -1)

    def advance(self, room: str, sender: str, sequence: int) -> None:
        """Raise the mark, in memory only."""
        self.seen[(room, sender)] = max(sequence, self.high_water(room, sender))

    def missing(self, room: str, sender: str) -> list[int]:
        """Return the numbers skipped in this session."""
        return self.skipped.get((room, sender), [])

    def set_missing(self, room: str, sender: str, numbers: list[int]) -> None:
        """Replace the numbers skipped, in memory only."""
        self.skipped[(room, sender)] = numbers
