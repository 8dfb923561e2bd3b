"""The one line buffer (chatkit/framing.py) without sockets: lines split across reads, many in one, the limit."""

from collections.abc import Callable

import pytest

from chatkit.framing import BUSY_READ, QUIET_READ, LineBuffer, LineReader, LineTooLong

LIMIT = 100


def recv_from(chunks: list[bytes]) -> Callable[[int], bytes]:
    """A fake `recv`: hands out the chunks in order (each cut to the size asked for), then b"" (end of input)."""
    pending = list(chunks)

    def recv(size: int) -> bytes:
        if not pending:
            return b""
        chunk = pending.pop(0)
        if len(chunk) > size:
            pending.insert(0, chunk[size:])
        return chunk[:size]

    return recv


def endless(byte: bytes = b"x") -> tuple[Callable[[int], bytes], Callable[[], int]]:
    """A fake `recv` that never sends a newline, and a function that says how many bytes it gave."""
    given = [0]

    def recv(size: int) -> bytes:
        given[0] += size
        return byte * size

    return recv, lambda: given[0]


def test_a_line_split_across_feeds_comes_back_whole() -> None:
    buffer = LineBuffer(LIMIT)
    buffer.feed(b"hel")
    assert buffer.next_line() is None
    buffer.feed(b"lo\nwor")
    assert buffer.next_line() == b"hello\n"
    assert buffer.next_line() is None
    buffer.feed(b"ld\n")
    assert buffer.next_line() == b"world\n"
    assert len(buffer) == 0


def test_several_lines_in_one_feed_come_back_one_at_a_time() -> None:
    buffer = LineBuffer(LIMIT)
    buffer.feed(b"one\ntwo\nthree\n")
    assert [buffer.next_line() for _ in range(4)] == [b"one\n", b"two\n", b"three\n", None]


def test_the_rest_is_half_a_line_at_end_of_input() -> None:
    buffer = LineBuffer(LIMIT)
    buffer.feed(b"whole\nhalf a li")
    assert buffer.next_line() == b"whole\n"
    assert buffer.next_line() is None
    assert buffer.rest() == b"half a li"
    assert buffer.rest() == b""


def test_a_line_of_exactly_the_limit_is_accepted_and_one_byte_more_is_refused() -> None:
    buffer = LineBuffer(LIMIT)
    buffer.feed(b"y" * (LIMIT - 1) + b"\n")
    assert buffer.next_line() == b"y" * (LIMIT - 1) + b"\n"
    buffer.feed(b"y" * LIMIT + b"\n")
    with pytest.raises(LineTooLong, match=f"the limit is {LIMIT}"):
        buffer.next_line()


def test_a_line_with_no_end_in_sight_is_refused_and_forgotten() -> None:
    buffer = LineBuffer(LIMIT)
    buffer.feed(b"x" * LIMIT)
    assert buffer.next_line() is None  # could still end in time
    buffer.feed(b"x")
    with pytest.raises(LineTooLong):
        buffer.next_line()
    assert len(buffer) == 0  # refused, not held


@pytest.mark.parametrize("cut", [1, 2, 7, 64])
def test_the_reader_gives_the_same_lines_however_the_bytes_are_cut(cut: int) -> None:
    stream = b"alpha\nbeta\n\ngamma delta\n"
    chunks = [stream[i : i + cut] for i in range(0, len(stream), cut)]
    reader = LineReader(recv_from(chunks), LIMIT)
    assert [reader.readline() for _ in range(5)] == [b"alpha\n", b"beta\n", b"\n", b"gamma delta\n", b""]


def test_the_reader_returns_half_a_line_at_end_of_input() -> None:
    reader = LineReader(recv_from([b"whole\nhalf a li"]), LIMIT)
    assert reader.readline() == b"whole\n"
    assert reader.readline() == b"half a li"  # no newline: the caller knows the line was cut off
    assert reader.readline() == b""


def test_the_reader_refuses_an_endless_line_after_reading_little_more_than_the_limit() -> None:
    recv, given = endless()
    reader = LineReader(recv, 10_000)
    with pytest.raises(LineTooLong):
        reader.readline()
    assert given() <= 10_000 + BUSY_READ  # it stopped reading: the flood was never held


def test_a_quiet_reader_waits_with_a_small_read_and_a_busy_one_reads_big() -> None:
    asked: list[int] = []
    recv = recv_from([b"short\n", b"z" * BUSY_READ * 2, b"\n"])

    def spy(size: int) -> bytes:
        asked.append(size)
        return recv(size)

    reader = LineReader(spy, BUSY_READ * 4)
    assert reader.readline() == b"short\n"
    assert asked == [QUIET_READ]
    assert reader.readline() == b"z" * BUSY_READ * 2 + b"\n"
    assert max(asked) == BUSY_READ  # full reads doubled the size, up to the cap
    assert len(reader.buffer) == 0
