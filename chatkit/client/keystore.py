"""What a person keeps between sessions: their identity key, the keys they pinned for others, what they have seen.

Kept in a folder of their own (by default ~/.chatkit/keys/NAME, or under $CHATKIT_KEYS), readable only by them:
the folder is made with mode 0700 and every file with 0600, and each file is written whole to a new file that
then replaces the old one, so a crash never leaves half a key. Three files:

- identity.key: the 32 secret bytes of the Ed25519 signing key, made on first use (docs/security.md, S6);
- pins.json: for each person met, the identity key first seen for them and whether it was verified by comparing
  safety numbers; a different key later is reported, never pinned in its place without the person's say-so;
- seen.json: for each room and sender, the highest sequence number accepted, so a replay is refused even after
  a restart (S4); missing.json: the numbers below that mark that never came (a late one is a reorder, not a replay);
- sent.json: for each room, the last sequence number this person used, so a restarted client goes on counting.
"""

import base64
import binascii
import contextlib
import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from chatkit.crypto import signing

KEYS_VARIABLE = "CHATKIT_KEYS"


class KeyStoreError(RuntimeError):
    """A key store file is missing a part or cannot be read; the text says which file and what is wrong."""


class PinCheck(Enum):
    """What a key seen for someone means, next to what was pinned for them."""

    NEW = "new"  # never met: pinned now (trust on first use)
    SAME = "same"  # the key pinned for them
    CHANGED = "changed"  # another key than the pinned one: hold their messages back until accepted


@dataclass(frozen=True)
class Pin:
    """The identity key pinned for one person, and whether it was verified out of band."""

    public: bytes
    verified: bool = False


def default_folder(name: str) -> Path:
    """Return where a person's key store lives unless told otherwise."""
    root = os.environ.get(KEYS_VARIABLE) or Path.home() / ".chatkit" / "keys"
    return Path(root) / name


class KeyStore:
    """One person's keys and memory, on disk in a folder only they can read."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)  # mkdir's mode is cut by the umask, and an old folder keeps its mode

    @classmethod
    def for_person(cls, name: str, keys: "KeyStore | str | Path | None" = None) -> "KeyStore":
        """Open (or create) the key store of `name`: the one given, one in the folder given, or the default one."""
        if isinstance(keys, KeyStore):
            return keys
        return cls(Path(keys) if keys is not None else default_folder(name))

    def identity(self) -> signing.Identity:
        """Return the person's signing key, made and saved the first time it is asked for."""
        path = self.folder / "identity.key"
        if path.exists():
            return signing.identity_from_seed(self._read_secret(path))
        identity = signing.new_identity()
        write_private(path, signing.private_bytes(identity))
        return identity

    def check_pin(self, name: str, public: bytes) -> PinCheck:
        """Compare a key seen for `name` with their pin; pin it if they are new. A changed key is NOT re-pinned."""
        pinned = self.pin(name)
        if pinned is None:
            self._save_pin(name, Pin(public))
            return PinCheck.NEW
        return PinCheck.SAME if pinned.public == public else PinCheck.CHANGED

    def next_sequence(self, room: str) -> int:
        """Return this person's next sequence number in `room` (1, 2, 3 ...), remembered before it is used."""
        sent = self._read_json("sent.json")
        sent[room] = int(sent.get(room, 0)) + 1
        write_private(self.folder / "sent.json", json.dumps(sent, sort_keys=True).encode())
        return int(sent[room])

    def missing(self, room: str, sender: str) -> list[int]:
        """Return the numbers from `sender` in `room` below their mark that never arrived."""
        return [int(number) for number in self._read_json("missing.json").get(room, {}).get(sender, [])]

    def set_missing(self, room: str, sender: str, numbers: list[int]) -> None:
        """Replace the numbers still missing from `sender` in `room`."""
        missing = self._read_json("missing.json")
        missing.setdefault(room, {})[sender] = sorted(numbers)
        write_private(self.folder / "missing.json", json.dumps(missing, sort_keys=True).encode())

    def accept(self, name: str, public: bytes) -> None:
        """Pin a new key for `name` because the person said so (it starts unverified)."""
        self._save_pin(name, Pin(public))

    def mark_verified(self, name: str) -> None:
        """Record that the safety number with `name` was compared and matched."""
        pinned = self.pin(name)
        if pinned is None:
            raise KeyStoreError(f"no key is pinned for {name!r}: meet them in a room first")
        self._save_pin(name, Pin(pinned.public, verified=True))

    def pin(self, name: str) -> Pin | None:
        """Return the pin kept for `name`, or None if they were never met."""
        entry = self._read_json("pins.json").get(name)
        if entry is None:
            return None
        return Pin(unb64(entry["public"], "pins.json"), bool(entry.get("verified", False)))

    def pinned_names(self) -> list[str]:
        """Return everyone a key is pinned for."""
        return sorted(self._read_json("pins.json"))

    def high_water(self, room: str, sender: str) -> int:
        """Return the highest sequence number accepted from `sender` in `room` (-1 if none)."""
        return int(self._read_json("seen.json").get(room, {}).get(sender, -1))

    def advance(self, room: str, sender: str, sequence: int) -> None:
        """Remember that `sequence` was accepted from `sender` in `room` (only ever raises the mark)."""
        seen = self._read_json("seen.json")
        marks = seen.setdefault(room, {})
        marks[sender] = max(sequence, int(marks.get(sender, -1)))
        write_private(self.folder / "seen.json", json.dumps(seen, sort_keys=True).encode())

    def _save_pin(self, name: str, pin: Pin) -> None:
        """Write one person's pin, keeping everyone else's."""
        pins = self._read_json("pins.json")
        pins[name] = {"public": base64.b64encode(pin.public).decode(), "verified": pin.verified}
        write_private(self.folder / "pins.json", json.dumps(pins, sort_keys=True, indent=1).encode())

    def _read_json(self, filename: str) -> dict[str, Any]:
        """Read one of the JSON files ({} if it does not exist yet)."""
        path = self.folder / filename
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_bytes())
        except ValueError:
            raise KeyStoreError(f"{path} is not JSON: was it edited by hand?") from None
        if not isinstance(data, dict):
            raise KeyStoreError(f"{path} should hold a JSON object, not {type(data).__name__}")
        return data

    @staticmethod
    def _read_secret(path: Path) -> bytes:
        """Read the identity key file, checking it holds exactly one key."""
        secret = path.read_bytes()
        if len(secret) != 32:
            raise KeyStoreError(f"{path} should hold 32 bytes, not {len(secret)}: was it cut short?")
        return secret


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, whole or not at all (a new file that replaces the old one)."""
    temporary = path.with_name(f".{path.name}.new")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def unb64(text: str, filename: str) -> bytes:
    """Decode a base64 key from a key store file."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyStoreError(f"a key in {filename} is not valid base64: was it edited by hand?") from None
