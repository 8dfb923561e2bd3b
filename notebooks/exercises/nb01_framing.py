"""Notebook 01, exercises: framing a byte stream into lines.

TCP delivers bytes, not messages: one recv() may hold half a line, or three lines and a half.
"""


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Split received bytes into complete lines (without their b"\\n") and the unfinished rest.

    >>> split_lines(b"hi\\nthere\\nhal")
    ([b'hi', b'there'], b'hal')
    """
    raise NotImplementedError("your code here: replace this line")


def reassemble(chunks: list[bytes]) -> list[bytes]:
    """Return every complete line found in a sequence of chunks, however the chunks cut the lines."""
    raise NotImplementedError("your code here: replace this line")
