"""The ratchet mode's wire: real members who build the room's group first, then the same timed load as the others.

A ratchet member can read and be read only once the group has added it: a signed `add`, a hybrid exchange with
every member already there, and sender keys sent both ways over those exchanges (docs/ratchet-mode.md). So N
members cost O(N^2) exchanges in all. The load generator does that work for its simulated members with the
client's own pure session (chatkit/client/session.py), on one thread: it reads every member's socket, hands each
line to that member's session and sends what the session answers, until the newcomer is in every member's group.
Before the timed part every member sends one probe, and each must be opened by every other member: the setup is
proven, not assumed. The timed part opens nothing (like the sealed wire): a message's key is
(sender, generation, index), which the sender's chain hands out once.
"""

import selectors
import shutil
import socket
import tempfile
import time
import weakref
from collections import Counter
from collections.abc import Callable, Hashable
from pathlib import Path

from bench.wire import Parsed, Speaker, numbered_text
from chatkit import protocol
from chatkit.client.codec import make_codec
from chatkit.client.events import ChatMessage, Problem
from chatkit.client.keystore import KeyStore
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.session import ClientSession
from chatkit.server.member import Limits

SETUP_SECONDS = 120.0  # the most one newcomer's setup, or the probe round, may take
QUIET_SECONDS = 0.2  # no line for this long after the probes were opened: every envelope has gone out


class RatchetWire:
    """chatkit's ratchet mode: JSON lines, signed group changes, pairwise exchanges, sender-key messages."""

    label = "kit-ratchet"
    echoes = True

    def __init__(self) -> None:
        # Fresh identities for every room: nobody's pins from another run can refuse a newcomer. Removed with the
        # wire (or at exit), silently: a TemporaryDirectory left to the garbage collector would warn.
        self.keys = Path(tempfile.mkdtemp(prefix="chatkit-bench-ratchet-keys-"))
        weakref.finalize(self, shutil.rmtree, self.keys, ignore_errors=True)
        self.speakers: list[Speaker] = []
        self.sessions: dict[str, ClientSession] = {}
        self.lines_sent: Counter[str] = Counter()  # during the setup: they spend the server's rate limit too
        self.opened: Counter[str] = Counter()  # probes opened, by sender
        self.problems: list[str] = []

    def open(self, sock: socket.socket, name: str, room: str) -> Speaker:
        """Say hello, then work every member's session until the group has the newcomer in all of them."""
        speaker = Speaker(sock, name, room)
        store = KeyStore(self.keys / name)
        session = ClientSession(name, room, make_codec("ratchet", "", None, store=store))
        self.speakers.append(speaker)
        self.sessions[name] = session
        self._send(speaker, session.hello())
        everyone = {s.name for s in self.speakers}
        self.pump(lambda: self._all_hold(everyone), f"adding {name}", quiet=0.0)
        return speaker

    def ready(self, speakers: list[Speaker]) -> dict[str, float]:
        """Prove every member can read every other (one probe each), then wait for the rate limit to fill again."""
        for speaker in speakers:
            self._send(speaker, self.sessions[speaker.name].say(numbered_text(speaker.name, -1)))
        others = len(speakers) - 1
        self.pump(lambda: all(self.opened[s.name] >= others for s in speakers), "opening the probes", QUIET_SECONDS)
        # The setup's lines came out of each member's bucket of the server's rate limit, and a burst needs it full:
        # wait as if none had dripped back in yet (an upper bound).
        wait = max(self.lines_sent.values(), default=0) / Limits().lines_per_second
        time.sleep(wait)
        return {"rate_limit_wait_s": round(wait, 2)}

    def pump(self, done: Callable[[], bool], doing: str, quiet: float) -> None:
        """Read every socket and let each session answer until done(), then until `quiet` s pass without a line."""
        deadline, last = time.monotonic() + SETUP_SECONDS, time.monotonic()
        with selectors.DefaultSelector() as selector:
            for speaker in self.speakers:
                selector.register(speaker.sock, selectors.EVENT_READ, speaker)
            while not (done() and time.monotonic() - last >= quiet):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"ratchet setup: {doing} took over {SETUP_SECONDS} s; {self.problems[-3:]}")
                for key, _ in selector.select(timeout=0.05):
                    self._read(key.data)
                    last = time.monotonic()

    def _read(self, speaker: Speaker) -> None:
        """Hand every whole line that arrived for one member to its session; send back what it answers."""
        data = speaker.sock.recv(65536)
        if not data:
            raise RuntimeError(f"ratchet setup: the server closed {speaker.name}'s connection")
        *lines, speaker.leftover = (speaker.leftover + data).split(b"\n")
        session = self.sessions[speaker.name]
        for line in lines:
            outcome = session.receive(line + b"\n")
            for frame in outcome.replies:
                self._send(speaker, frame)
            for event in outcome.events:
                self._note(speaker.name, event)

    def _note(self, name: str, event: object) -> None:
        """Count a probe opened by someone other than its sender; keep what went wrong for the error message."""
        if isinstance(event, ChatMessage) and not event.own:
            self.opened[event.sender] += 1
        elif isinstance(event, Problem):
            self.problems.append(f"{name}: {event.code}: {event.text}")

    def _send(self, speaker: Speaker, frame: protocol.Frame) -> None:
        speaker.sock.sendall(protocol.encode(frame))
        self.lines_sent[speaker.name] += 1

    def _all_hold(self, everyone: set[str]) -> bool:
        """Return whether every member's signed group state has exactly `everyone` in it."""
        return all(set(self._names(session)) == everyone for session in self.sessions.values())

    def _names(self, session: ClientSession) -> tuple[str, ...]:
        codec = session.codec
        state = codec.group.state if isinstance(codec, RatchetCodec) else None
        return () if state is None else state.names

    def say(self, speaker: Speaker, seq: int) -> tuple[bytes, Hashable]:
        """Return one sealed 'say' line and its key (the sender's chain gives each index once)."""
        frame = self.sessions[speaker.name].say(numbered_text(speaker.name, seq))
        return protocol.encode(frame), (speaker.name, frame["generation"], frame["index"])

    def parse(self, line: bytes) -> Parsed:
        """Read (sender, key) out of a relayed 'message' line; None for every other line."""
        if b'"type": "message"' not in line:
            return None
        frame = protocol.decode(line)
        return frame["sender"], (frame["sender"], frame["generation"], frame["index"])
