"""Notebook 01, exercises: framing a byte stream into lines.

TCP delivers bytes, not messages: one recv() may hold half a line, or three lines and a half.
"""


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Split received bytes into complete lines (without their b"\\n") and the unfinished rest.

    >>> split_lines(b"hi\\nthere\\nhal")
    ([b'hi', b'there'], b'hal')
    """
    # BEGIN SOLUTION
    *complete, rest = buffer.split(b"\n")
    return complete, rest
    # END SOLUTION


def reassemble(chunks: list[bytes]) -> list[bytes]:
    """Return every complete line found in a sequence of chunks, however the chunks cut the lines."""
    # BEGIN SOLUTION
    lines: list[bytes] = []
    rest = b""
    for chunk in chunks:
        complete, rest = split_lines(rest + chunk)
        lines.extend(complete)
    return lines
    # END SOLUTION
