"""Whose key is whose: a person's own lasting identity key and the keys they pinned for others (S6, S10).

Everything lives in the person's key store (keystore.py), so it is the same after a restart. A message is checked
against the key PINNED for its sender, never the one the server attaches: the attached key only gets pinned the
first time a sender is met (after their signature checked out with it), and is otherwise compared to the pin. A
different key is never pinned silently: the sender's messages are held back until the person accepts it.
"""

from chatkit.client.events import Problem
from chatkit.client.keystore import KeyStore, Pin
from chatkit.client.names import look_alikes
from chatkit.crypto import safety, signing
from chatkit.protocol import ChatError, Refused


def held_back(sender: str) -> Refused:
    """Return the refusal of a message signed with a key that is not the one pinned for its sender."""
    return Refused(
        "key_changed",
        f"{sender}'s identity key changed: their messages are held back until you accept the new key: /accept {sender}",
    )


class Identities:
    """One person's identity key and pins, read from and written to their key store."""

    def __init__(self, store: KeyStore | None = None, identity: signing.Identity | None = None) -> None:
        self._store = store  # None: the default store of whoever says hello first (CHATKIT_KEYS or ~/.chatkit)
        self._identity = identity or (store.identity() if store else None)  # one given: another device, say
        self.offered: dict[str, bytes] = {}  # sender -> a key they came with that differs from their pin

    def store(self, name: str) -> KeyStore:
        """Return the key store, opening the default one of `name` if none was given."""
        if self._store is None:
            self._store = KeyStore.for_person(name)
        return self._store

    def own(self, name: str) -> signing.Identity:
        """Return the person's own signing key (made and saved the first time)."""
        if self._identity is None:
            self._identity = self.store(name).identity()
        return self._identity

    @property
    def identity(self) -> signing.Identity:
        """The person's own signing key, once it is known (after the hello)."""
        if self._identity is None:
            raise ChatError("the identity key is read from the key store when the client says hello")
        return self._identity

    def pinned(self, sender: str, name: str) -> Pin | None:
        """Return the pin kept for `sender` (None if never met)."""
        return self.store(name).pin(sender)

    def hold(self, sender: str, offered: bytes) -> Refused:
        """Keep the new key `sender` came with, for the person to accept or not; return the refusal to report."""
        known = self.offered.get(sender) == offered
        self.offered[sender] = offered
        if known:  # said once already for this key: a shorter note for each further message
            return Refused("held_back", f"another message from {sender} is held back: /accept {sender} to read it")
        return held_back(sender)

    def remember(self, sender: str, public: bytes, name: str) -> tuple[Problem, ...]:
        """After a signature checked out: pin a newcomer's key, and flag a name that looks like someone else's."""
        store = self.store(name)
        if sender == name or store.pin(sender) is not None:
            return ()
        store.accept(sender, public)  # first contact: trust on first use, until the safety numbers are compared
        return tuple(
            Problem("look_alike", f"{sender!r} looks like {other!r}: compare safety numbers before trusting them")
            for other in look_alikes(sender, [*store.pinned_names(), name])
        )

    def accept(self, sender: str, name: str) -> None:
        """Pin the new key `sender` came with, because the person said so (it starts unverified)."""
        if sender not in self.offered:
            raise ChatError(f"no new key from {sender} is waiting to be accepted")
        self.store(name).accept(sender, self.offered.pop(sender))

    def safety_number(self, other: str, name: str) -> str:
        """Return the 60-digit safety number over our identity key and the one pinned for `other`."""
        pin = self.store(name).pin(other)
        if pin is None:
            raise ChatError(f"no key is pinned for {other}: wait for a message from them first")
        return safety.safety_number(name, signing.public_bytes(self.own(name)), other, pin.public)

    def mark_verified(self, other: str, name: str) -> None:
        """Record that the safety number with `other` was compared and matched."""
        self.store(name).mark_verified(other)

    def is_verified(self, other: str, name: str) -> bool:
        """Return whether the key pinned for `other` was verified by comparing safety numbers."""
        pin = self.store(name).pin(other)
        return pin is not None and pin.verified
