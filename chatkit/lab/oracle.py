"""A padding oracle: ask a classic server whether a crafted ciphertext decrypts to valid padding (notebook 06).

    oracle = PaddingOracle(mallory)          # a connected client; its `say` lines carry our crafted ciphertexts
    oracle(iv, block)                        # True unless the server answered "bad_padding"
    oracle.queries                           # how many questions so far (at most `budget`)

The server answers every `say` line: an error code, or (if the bytes decrypted to text) the message itself.
Only a server started with padding_oracle=True says "bad_padding"; then the answer leaks one bit about the
plaintext, which is all Vaudenay (2002) needs. Every other server gives the attack nothing to go on.
A server that limits how fast a member may send slows the attack down but does not stop it: a refused question
is asked again after a pause (bounded), and `lift_rate_limit` lets a notebook's own server answer at full speed.
"""

import base64
import dataclasses
import queue
import time

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Event, Problem
from chatkit.server import ChatServer

ACCEPTED = "accepted"  # the server decrypted our bytes to text and relayed them: padding was valid
BLOCK_BYTES = 16
QUERIES_PER_BLOCK = 16 * 256  # the worst case of the byte-by-byte attack on one block
ANSWER_SECONDS = 5.0
RETRY_PAUSE_SECONDS = 0.05  # after "rate_limited": the kit's server lets a line through every 1/50 s
RETRIES = 200  # at most this many refusals per question (10 s of pauses) before giving up


class OracleBudgetSpent(RuntimeError):
    """The oracle refused a question: the attack asked more than its budget allows."""


class PaddingOracle:
    """Send one crafted `say` line per question through a client and read the server's answer."""

    def __init__(self, client: ChatClient, budget: int = 4 * QUERIES_PER_BLOCK) -> None:
        self.client, self.budget, self.queries = client, budget, 0
        self.answers: dict[str, int] = {}  # answer -> how many times the server gave it
        self.refused = 0  # questions the server's rate limit refused (asked again, not counted as queries)
        self._inbox: queue.Queue[str] = queue.Queue()
        client.listeners.append(self._hear)

    def __call__(self, iv: bytes, block: bytes) -> bool:
        """Return True unless the server said the padding was bad."""
        return self.answer(iv, block) != "bad_padding"

    def answer(self, iv: bytes, ciphertext: bytes) -> str:
        """Send IV || ciphertext as a `say` line; return the server's answer (an error code, or 'accepted')."""
        if self.queries >= self.budget:
            raise OracleBudgetSpent(f"the oracle's budget of {self.budget} questions is spent")
        self.queries += 1
        line = protocol.encode({"type": "say", "ciphertext": base64.b64encode(iv + ciphertext).decode("ascii")})
        for _ in range(RETRIES):
            reply = self._ask(line)
            if reply != "rate_limited":
                self.answers[reply] = self.answers.get(reply, 0) + 1
                return reply
            self.refused += 1
            time.sleep(RETRY_PAUSE_SECONDS)
        raise TimeoutError(f"the server refused the same question {RETRIES} times (rate limit)")

    def _ask(self, line: bytes) -> str:
        """Send one line and wait for the answer to it."""
        self.client.send_line(line)
        try:
            return self._inbox.get(timeout=ANSWER_SECONDS)
        except queue.Empty:
            raise TimeoutError(f"no answer from the server within {ANSWER_SECONDS} s") from None

    def close(self) -> None:
        """Stop listening to the client."""
        if self._hear in self.client.listeners:
            self.client.listeners.remove(self._hear)

    def _hear(self, event: Event) -> None:
        """Keep the answers to our own lines: an error, or our own message coming back."""
        if isinstance(event, Problem):
            self._inbox.put(event.code)
        elif isinstance(event, ChatMessage) and event.own:
            self._inbox.put(ACCEPTED)


def lift_rate_limit(server: ChatServer, lines_per_second: float = 100_000.0) -> None:
    """Let members who connect from now on send this fast: only for a notebook's own server, to keep cells short."""
    server.limits = dataclasses.replace(server.limits, lines_per_second=lines_per_second, burst_lines=10_000)
