"""The server's line reader on real socket pairs: lines split across reads, many lines in one read, limits."""

import socket
from collections.abc import Iterator

import pytest

from chatkit.server.lines import BUSY_READ, QUIET_READ, LineReader

LIMIT = 100


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, LineReader]]:
    """A connected socket pair: write to the first, read lines from the second."""
    writer, reader = socket.socketpair()
    reader.settimeout(5)
    yield writer, LineReader(reader, LIMIT)
    writer.close()
    reader.close()


def test_a_line_split_across_reads_comes_back_whole(pair: tuple[socket.socket, LineReader]) -> None:
    writer, lines = pair
    writer.sendall(b"hel")
    writer.sendall(b"lo\nwor")
    assert lines.readline() == b"hello\n"
    writer.sendall(b"ld\n")
    assert lines.readline() == b"world\n"


def test_several_lines_in_one_read_come_back_one_at_a_time(pair: tuple[socket.socket, LineReader]) -> None:
    writer, lines = pair
    writer.sendall(b"one\ntwo\nthree\n")
    assert [lines.readline() for _ in range(3)] == [b"one\n", b"two\n", b"three\n"]


def test_end_of_input_returns_what_is_left(pair: tuple[socket.socket, LineReader]) -> None:
    writer, lines = pair
    writer.sendall(b"whole\nhalf a li")
    writer.shutdown(socket.SHUT_WR)
    assert lines.readline() == b"whole\n"
    assert lines.readline() == b"half a li"  # no newline: the caller knows the line was cut off
    assert lines.readline() == b""


def test_a_line_with_no_end_in_sight_is_cut_at_the_limit_plus_one(pair: tuple[socket.socket, LineReader]) -> None:
    writer, lines = pair
    writer.sendall(b"x" * (LIMIT * 5))
    line = lines.readline()
    assert len(line) == LIMIT + 1 and not line.endswith(b"\n")


def test_an_over_long_line_that_ended_comes_back_too_long(pair: tuple[socket.socket, LineReader]) -> None:
    writer, lines = pair
    writer.sendall(b"x" * (LIMIT * 3) + b"\n")
    assert len(lines.readline()) > LIMIT  # the caller refuses it


def test_a_line_of_exactly_the_limit_is_returned(pair: tuple[socket.socket, LineReader]) -> None:
    writer, lines = pair
    writer.sendall(b"y" * (LIMIT - 1) + b"\n")
    assert lines.readline() == b"y" * (LIMIT - 1) + b"\n"


def test_a_quiet_connection_waits_with_a_small_read_and_a_busy_one_reads_big(
    pair: tuple[socket.socket, LineReader],
) -> None:
    writer, lines = pair
    lines.limit = BUSY_READ * 4
    writer.sendall(b"short\n")
    assert lines.readline() == b"short\n"
    assert lines._read_size == QUIET_READ  # little came: the next wait is a small read again
    writer.sendall(b"z" * (QUIET_READ * 3) + b"\n")
    assert lines.readline() == b"z" * (QUIET_READ * 3) + b"\n"
    assert lines._read_size == QUIET_READ  # the last read (the end of the line) brought little
    assert lines._buffer == b""
