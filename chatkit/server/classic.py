"""The classic mode: the original design, reproduced faithfully. INSECURE BY DESIGN, kept for study.

The server knows the room password. It decrypts every message, logs the plaintext to its database, and encrypts
it again for the room. Nothing here is end-to-end: whoever runs (or breaks into) the server reads everything.
"""

import time

from chatkit.crypto import CANNOT_DECRYPT, BadPadding, CannotDecrypt, classic, kdf
from chatkit.protocol import Frame, Refused
from chatkit.server.member import Member
from chatkit.storage import ChatLog, RoomRecord


class ClassicRules:
    """Decrypt, log plaintext, re-encrypt: the server is a full participant in every conversation."""

    name = "classic"

    def __init__(self, password: str, padding_oracle: bool = False) -> None:
        self.key = kdf.classic_key(password)  # derived once at start-up: the server holds the key
        # padding_oracle=True makes the error reply say *why* decryption failed. That is the mistake notebook 06
        # exploits; the default reply is the same for every failure.
        self.padding_oracle = padding_oracle

    def use_log(self, log: ChatLog) -> None:
        """Keep nothing in the log besides the messages: the classic mode has no counters."""

    def check_hello(self, member: Member, hello: Frame) -> None:
        """Accept a newcomer whose encrypted name decrypts to their name (as the original's first line did)."""
        if "proof" not in hello or hello.get("mode", "classic") != "classic":
            raise Refused("wrong_mode", "this server runs in classic mode: start your client in classic mode")
        try:
            proof = classic.decrypt(self.key, hello["proof"])
        except CannotDecrypt:
            proof = None
        if proof != hello["name"]:
            raise Refused("wrong_password", "wrong password: the server could not decrypt your greeting")

    def joined(self, record: RoomRecord) -> Frame:
        """Announce a room: in classic mode there is nothing to announce but its name."""
        return {"room": record.name}

    def accept(self, member: Member, say: Frame) -> tuple[str, Frame]:
        """Decrypt a message, keep its plaintext for the log, and encrypt it again for the room."""
        plaintext = self.decrypt(say["ciphertext"])
        return plaintext, {"ciphertext": classic.encrypt(self.key, plaintext), "time": time.time()}

    def decrypt(self, token: str) -> str:
        """Decrypt with the room key, turning failures into the reply the client sees."""
        try:
            return classic.decrypt(self.key, token)
        except BadPadding as error:
            if self.padding_oracle:
                raise Refused("bad_padding", str(error)) from None
            raise Refused("cannot_decrypt", CANNOT_DECRYPT) from None
        except CannotDecrypt:
            raise Refused("cannot_decrypt", CANNOT_DECRYPT) from None
