"""The ratchet mode's codec: what a member does with each line (pure: no sockets, no threads).

The four calls every codec has (hello_fields, on_joined, seal, open), plus the ratchet mode's own three: a group
change, a pairwise line, a knock; each returns a Reaction (events, lines to send, held messages to retry). The
steps after a change or a knock (who gets which sender key) are in ratchet_steps.py, what a pairwise line leads
to in ratchet_direct.py; sender keys in sender_keys.py; the pairwise sessions in pairwise.py; the group in
ratchet_group.py. docs/ratchet-mode.md says why each step is there.
"""

from typing import Any

from chatkit.client.events import Problem
from chatkit.client.identities import Identities
from chatkit.client.keystore import KeyStore
from chatkit.client.opened import Opened
from chatkit.client.pairwise import Pairwise
from chatkit.client.ratchet_direct import DirectLines
from chatkit.client.ratchet_group import Group, announced_head
from chatkit.client.room_keys import Joining
from chatkit.client.sender_keys import SenderKeys, header_bytes
from chatkit.crypto import signing
from chatkit.crypto.errors import BadSignature, CannotDecrypt
from chatkit.crypto.group_state import GroupState
from chatkit.crypto.labels import SENDER_MESSAGE_SIGNATURE
from chatkit.protocol import RATCHET_HEADER, Frame, ProtocolError, Refused, b64, require, unb64


class RatchetCodec(DirectLines):
    """One member's keys in the ratchet mode: identity, group, sender keys, pairwise sessions.

    `pq=False` and `signed=False` weaken the pairwise exchange for the lab (notebooks 10 and 13); never by default.
    """

    mode = "ratchet"

    def __init__(
        self,
        identity: signing.Identity | None = None,
        store: KeyStore | None = None,
        *,
        pq: bool = True,
        signed: bool = True,
    ) -> None:
        self.identities = Identities(store, identity)  # our lasting key and the pins, as in the sealed mode (S6)
        self.pq, self.signed = pq, signed
        self.name = ""
        self.group = Group("")
        self.keys = SenderKeys()
        self.pairwise: Pairwise | None = None
        self.early_welcomes: list[Frame] = []
        self.warned_behind: set[tuple[str, int]] = set()  # (sender, epoch) of messages from the epoch before ours

    @property
    def identity(self) -> signing.Identity:
        """Our own signing key (from the key store)."""
        return self.identities.identity

    def hello_fields(self, name: str) -> Frame:
        """Bring the public half of the identity key and say that this client runs the ratchet mode."""
        self.name = name
        return {"pubkey": b64(signing.public_bytes(self.identities.own(name))), "mode": "ratchet"}

    def on_joined(self, joined: Frame, name: str) -> Joining:
        """Start afresh in a room: create its group if it has none, else wait to be added."""
        self.group, self.keys = Group(joined["room"], announced=announced_head(joined)), SenderKeys()
        self.early_welcomes = []
        self.pairwise = Pairwise(self.identities.own(name), name, self.pq, self.signed)
        if "head" in joined:
            return Joining()
        self.group.propose("create", name, self.public)
        change = self.group.next_change(self.identity, name)
        return Joining(sends=() if change is None else (change,))

    def seal(self, text: str, room: str, name: str) -> Frame:
        """Seal and sign text with our sender key, naming the epoch and group state it is sent in."""
        state = self.group.state
        if state is None or not state.is_member(name) or self.keys.chain is None:
            raise Refused("not_in_group", f"not sent: {name} is not in the group of {room} (yet): wait to be added")
        header = {"room": room, "sender": name, "epoch": state.epoch, "group": b64(state.hash)}
        return self.keys.seal(self.identity, header, text)

    def open(self, message: Frame, name: str) -> Opened:
        """Check the epoch, the group and the signature, then open with the sender's chain; raise Refused why not."""
        try:
            require(message, *RATCHET_HEADER, "nonce", "signature")
        except ProtocolError as error:
            raise Refused(
                "cannot_decrypt", f"a message from {message['sender']} without its ratchet header: {error}"
            ) from None
        if message["sender"] == name:
            return self._own(message)
        state = self._state_for(message)
        signer = state.key_of(message["sender"])
        if signer is None:
            raise Refused("not_in_group", f"{message['sender']} is not in the group at epoch {state.epoch}: refused")
        try:
            self._hold_unless_ready(message, signer, name)
            return Opened(self.keys.open(message, signer), self._behind(message["sender"], state))
        except (BadSignature, CannotDecrypt, ProtocolError):
            raise Refused(
                "cannot_decrypt", f"a message from {message['sender']} did not open (forged or tampered)"
            ) from None

    def _hold_unless_ready(self, message: Frame, signer: bytes, name: str) -> None:
        """Hold a signed message whose sender's key is not the pinned one, or whose sender key has not arrived."""
        sender = message["sender"]
        pin, ready = self.identities.pinned(sender, name), self.keys.has(sender, message["generation"])
        changed = pin is not None and pin.public != signer
        if changed or not ready:  # only a signed message is held: unsigned junk pushes no real one out
            self._check_signature(message, signer)
        if changed:  # as the sealed mode: held back until the person accepts the key (S6)
            raise self.identities.hold(sender, signer)
        if not ready:
            raise Refused("no_sender_key", f"held: {sender}'s sender key has not arrived yet")

    def _check_signature(self, message: Frame, signer: bytes) -> None:
        """Check a message's signature with its sender's group key (raise BadSignature), before any key opens it."""
        signed = header_bytes(message, message["sender"]) + unb64(message, "nonce") + unb64(message, "ciphertext")
        signing.verify(signer, unb64(message, "signature"), SENDER_MESSAGE_SIGNATURE, signed)

    def _own(self, message: Frame) -> Opened:
        """Show our own message as the server echoed it (our chain forgot its key: we keep the text until then)."""
        text = self.keys.sent.pop((message["generation"], message["index"]), None)
        if text is None:
            raise Refused("replay", "replay rejected: a message of ours that was already shown, or never sent")
        return Opened(text)

    def _state_for(self, message: Frame) -> GroupState:
        """Return the group state a message was sent in: ours, or the one before; a different one is a fork."""
        state, sender, epoch = self.group.state, message["sender"], message["epoch"]
        if state is None:
            raise Refused("not_in_group", f"a message from {sender} sent before you were in the group: it stays closed")
        known = {state.epoch: state} | ({} if self.group.previous is None else {state.epoch - 1: self.group.previous})
        if epoch not in known:
            why = "ahead of ours: a change did not reach us" if epoch > state.epoch else "too old"
            raise Refused(
                "fork" if epoch > state.epoch else "cannot_decrypt", f"{sender}'s message is from epoch {epoch}, {why}"
            )
        if message["group"] != b64(known[epoch].hash):
            raise Refused("fork", self._fork_text(sender, epoch, message["group"], known[epoch]))
        return known[epoch]

    def _behind(self, sender: str, sent_in: GroupState) -> tuple[Problem, ...]:
        """Warn, once per sender and epoch, that a message came from the epoch before ours (S15)."""
        current = self.group.state
        if current is None or sent_in.epoch == current.epoch or (sender, sent_in.epoch) in self.warned_behind:
            return ()
        self.warned_behind.add((sender, sent_in.epoch))
        gone = [member for member in sent_in.names if not current.is_member(member)]
        who = f"{', '.join(gone)}, removed since, may still read it" if gone else "the change may not have reached them"
        return (
            Problem(
                "fork",
                f"{sender} sent this in epoch {sent_in.epoch}, before our latest change: they have not seen it "
                f"(the server may be withholding it), so {who}",
            ),
        )

    def _fork_text(self, sender: str, epoch: int, theirs: str, ours: GroupState) -> str:
        """Say what differs between the group a message was sent in and ours at the same epoch."""
        return (
            f"fork: {sender}'s message was sent in another group state at epoch {epoch} (theirs {theirs[:8]}, ours "
            f"{b64(ours.hash)[:8]} with {', '.join(ours.names)}): the server may be showing members different groups"
        )

    def accept_key(self, sender: str, name: str) -> None:
        """Pin the key the group state names for `sender` (ChatError if none is waiting)."""
        self.identities.accept(sender, name)

    def snapshot(self) -> dict[str, Any]:
        """Return every secret a thief who copied this member's memory would hold (notebook 11).

        The identity key, the group, our sender chain and every chain others gave us, and our pairwise sessions
        (the exchanges under way hold their ephemeral keys only for a moment; they are left out).
        """
        state = self.group.state
        return {
            "name": self.name,
            "room": self.group.room,
            "identity": signing.private_bytes(self.identity),
            "group": None if state is None else (state.epoch, state.members, state.parent),
            "sender_keys": self.keys.snapshot(),
            "pairwise": {} if self.pairwise is None else self.pairwise.snapshot(),
        }

    @classmethod
    def restore(cls, snapshot: dict[str, Any], store: KeyStore) -> "RatchetCodec":
        """Rebuild a member's codec from its snapshot (the thief of chatkit/lab/thief.py; pins go to `store`)."""
        name, room = snapshot["name"], snapshot["room"]
        codec = cls(signing.identity_from_seed(snapshot["identity"]), store)
        codec.name, codec.group = name, Group(room)
        if snapshot["group"] is not None:
            codec.group.state = GroupState(room, *snapshot["group"])
        codec.keys = SenderKeys.restore(snapshot["sender_keys"])
        codec.pairwise = Pairwise(codec.identity, name)
        if snapshot["pairwise"]:
            codec.pairwise.restore(snapshot["pairwise"])
        return codec
