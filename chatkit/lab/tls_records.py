"""TLS records as the network sees them: a type, a version, a length, and bytes nobody on the path can read.

    reader = RecordReader(sock.recv)
    record = reader.read_record()       # one whole record (5-byte header included); b"" at the end
    describe(record)                    # 'application data, 95 bytes'

The relay reads a TLS connection record by record instead of line by line (TLS bytes have no lines: a newline
byte turns up anywhere, and waiting for one would hold a handshake up). A record's length field is 2 bytes, so no
record holds more than 5 + 65,535 bytes: the reader stays bounded whatever the peer sends.
"""

from collections.abc import Callable

HEADER_BYTES = 5  # content type (1), legacy version (2), length (2)
KINDS = {20: "change cipher spec", 21: "alert", 22: "handshake", 23: "application data"}
APPLICATION_DATA = 23  # every record after the handshake, whatever it carries, is sent as this type


class RecordReader:
    """Read whole TLS records from a `recv` function."""

    def __init__(self, recv: Callable[[int], bytes]) -> None:
        self._recv = recv
        self._buffer = b""

    def read_record(self) -> bytes:
        """Return the next whole record; at the end of input, what is left (b"" if nothing)."""
        if not self._fill(HEADER_BYTES):
            return self._take(len(self._buffer))
        size = HEADER_BYTES + int.from_bytes(self._buffer[3:5], "big")
        self._fill(size)
        return self._take(min(size, len(self._buffer)))

    def _fill(self, size: int) -> bool:
        """Read until `size` bytes are buffered; return False if the input ended first."""
        while len(self._buffer) < size:
            chunk = self._recv(max(4096, size - len(self._buffer)))
            if not chunk:
                return False
            self._buffer += chunk
        return True

    def _take(self, size: int) -> bytes:
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken


def kind_of(record: bytes) -> str:
    """Return what a record says it is, from its first byte."""
    return KINDS.get(record[0], f"not TLS (first byte {record[0]:#04x})") if record else "nothing"


def describe(record: bytes) -> str:
    """Say in words what the network learns from one record: its kind and its length."""
    return f"{kind_of(record)}, {len(record)} bytes"
