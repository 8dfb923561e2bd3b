"""A padding oracle: ask a classic server whether a crafted ciphertext decrypts to valid padding (notebook 06).

    oracle = PaddingOracle(mallory)          # a connected client; its `say` lines carry our crafted ciphertexts
    oracle(iv, block)                        # True unless the server answered "bad_padding"
    oracle.queries                           # how many questions so far (at most `budget`)

The server answers every `say` line: an error code, or (if the bytes decrypted to text) the message itself.
Only a server started with padding_oracle=True says "bad_padding"; then the answer leaks one bit about the
plaintext, which is all Vaudenay (2002) needs. Every other server gives the attack nothing to go on.
"""

import base64
import queue

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Event, Problem

ACCEPTED = "accepted"  # the server decrypted our bytes to text and relayed them: padding was valid
BLOCK_BYTES = 16
QUERIES_PER_BLOCK = 16 * 256  # the worst case of the byte-by-byte attack on one block
ANSWER_SECONDS = 5.0


class OracleBudgetSpent(RuntimeError):
    """The oracle refused a question: the attack asked more than its budget allows."""


class PaddingOracle:
    """Send one crafted `say` line per question through a client and read the server's answer."""

    def __init__(self, client: ChatClient, budget: int = 4 * QUERIES_PER_BLOCK) -> None:
        self.client, self.budget, self.queries = client, budget, 0
        self.answers: dict[str, int] = {}  # answer -> how many times the server gave it
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
        token = base64.b64encode(iv + ciphertext).decode("ascii")
        self.client.send_line(protocol.encode({"type": "say", "ciphertext": token}))
        try:
            reply = self._inbox.get(timeout=ANSWER_SECONDS)
        except queue.Empty:
            raise TimeoutError(f"no answer from the server within {ANSWER_SECONDS} s") from None
        self.answers[reply] = self.answers.get(reply, 0) + 1
        return reply

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
