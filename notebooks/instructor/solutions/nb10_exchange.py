"""Notebook 10, exercises: a key exchange, the man in the middle who breaks it, and the checks that stop him.

Use chatkit.lab.handshake (Person, hello_line, derive, seal_line, open_line) and chatkit.crypto (exchange, signing).
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
import json  # noqa: F401

from chatkit.crypto import BadSignature, signing  # noqa: F401
from chatkit.lab.handshake import HELLO_SIGNATURE, Person, derive, open_line, seal_line  # noqa: F401
from chatkit.lab.relay import TO_CLIENT, TO_SERVER, Captured  # noqa: F401 (your solution uses the directions)
from chatkit.protocol import b64, unb64  # noqa: F401


def session_key_from_hello(me: Person, line: bytes) -> bytes:
    """Return the session key `me` derives from the other person's hello line (a JSON object with name, public)."""
    # BEGIN SOLUTION
    frame = json.loads(line)
    return derive(me, frame["name"], unb64(frame, "public"))
    # END SOLUTION


def hello_is_genuine(line: bytes, trusted_identity: bytes) -> bool:
    """Return True only if the hello carries `trusted_identity` and its signature over name + 0 byte + public holds."""
    # BEGIN SOLUTION
    frame = json.loads(line)
    if "identity" not in frame or unb64(frame, "identity") != trusted_identity:
        return False
    signed = frame["name"].encode() + b"\x00" + unb64(frame, "public")
    try:
        signing.verify(trusted_identity, unb64(frame, "signature"), HELLO_SIGNATURE, signed)
    except BadSignature:
        return False
    return True
    # END SOLUTION


def key_changed(pins: dict[str, bytes], sender: str, pubkey: bytes) -> bool:
    """Pin a sender's key on first use (store it in `pins`); return True if it differs from the pinned one.

    A different key is never pinned in its place: only the person may accept it (the sealed client holds the
    sender's messages back until then).
    """
    # BEGIN SOLUTION
    pinned = pins.setdefault(sender, pubkey)
    return pinned != pubkey
    # END SOLUTION


class Mallory:
    """A relay's tamper function: swap both exchange keys for her own, then read and re-seal every line."""

    def __init__(self) -> None:
        self.fake_bob = Person("mallory-as-bob")  # the exchange key Alice will receive instead of Bob's
        self.fake_alice = Person("mallory-as-alice")  # the exchange key Bob will receive instead of Alice's
        self.hellos: dict[str, dict[str, str]] = {}  # direction -> the genuine hello that went that way
        self.read: list[str] = []  # every text Mallory read

    def tamper(self, captured: Captured) -> bytes | None:
        """Called by the relay for every line: swap hellos, re-seal messages."""
        frame = json.loads(captured.line)
        if "public" in frame:
            return self.swap(captured.direction, frame)
        return self.reseal(captured.direction, captured.line)

    def swap(self, direction: str, hello: dict[str, str]) -> bytes:
        """Remember a genuine hello and pass it on with Mallory's exchange key in place of the real one."""
        # BEGIN SOLUTION
        self.hellos[direction] = dict(hello)
        fake = self.fake_alice if direction == TO_SERVER else self.fake_bob
        hello["public"] = b64(fake.public)
        return (json.dumps(hello) + "\n").encode()
        # END SOLUTION

    def reseal(self, direction: str, line: bytes) -> bytes:
        """Open a sealed line with the key shared with its sender, note the text, seal it for the receiver."""
        # BEGIN SOLUTION
        alice, bob = self.hellos[TO_SERVER], self.hellos[TO_CLIENT]
        with_alice = derive(
            Person(bob["name"], exchange_key=self.fake_bob.exchange_key), alice["name"], unb64(alice, "public")
        )
        with_bob = derive(
            Person(alice["name"], exchange_key=self.fake_alice.exchange_key), bob["name"], unb64(bob, "public")
        )
        keys = (with_alice, with_bob) if direction == TO_SERVER else (with_bob, with_alice)
        text = open_line(keys[0], line)
        self.read.append(text)
        return seal_line(keys[1], text)
        # END SOLUTION
