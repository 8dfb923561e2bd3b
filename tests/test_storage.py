"""The server's SQLite log, on a real file: many writers at once, ordering, reopening, rooms, and closing."""

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from chatkit.storage import ChatLog, RoomRecord, StorageError, StoredMessage

THREADS = 20
PER_THREAD = 25
JOIN_SECONDS = 30.0


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chat.db"


@pytest.fixture
def log(db_path: Path) -> Iterator[ChatLog]:
    chat_log = ChatLog(db_path)
    yield chat_log
    chat_log.close()


def rows_on_disk(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the file with a connection of our own, to see what really reached the disk."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def run_together(work: Callable[[int], None], threads: int = THREADS) -> None:
    """Run work(number) on many threads released at the same moment; fail if any thread does not finish."""
    start = threading.Barrier(threads, timeout=JOIN_SECONDS)

    def runner(number: int) -> None:
        start.wait()
        work(number)

    workers = [threading.Thread(target=runner, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(JOIN_SECONDS)
    assert not any(worker.is_alive() for worker in workers), "a writer thread did not finish in time"


# --- appending ---


def test_append_returns_the_stored_message(log: ChatLog) -> None:
    message = log.append("general", "alice", "hello")
    assert message.id == 1 and (message.room, message.sender, message.payload) == ("general", "alice", "hello")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", message.sent_at)
    assert log.recent() == [message]


def test_append_from_many_threads_at_once(log: ChatLog) -> None:
    results: dict[int, list[StoredMessage]] = {}

    def write(number: int) -> None:
        results[number] = [log.append(f"room{number % 3}", f"user{number}", f"{number}:{i}") for i in range(PER_THREAD)]

    run_together(write)
    total = THREADS * PER_THREAD
    ids = [message.id for messages in results.values() for message in messages]
    assert sorted(ids) == list(range(1, total + 1))  # unique, no gaps
    for messages in results.values():
        assert [m.id for m in messages] == sorted(m.id for m in messages)  # increasing in each thread's own order
    assert log.count() == total
    stored = log.recent(total)
    assert [m.id for m in stored] == list(range(1, total + 1))
    assert set(stored) == {message for messages in results.values() for message in messages}


def test_every_append_reaches_the_file_after_flush(log: ChatLog, db_path: Path) -> None:
    for i in range(30):
        log.append("general", "alice", f"message {i}")
    log.flush()
    assert rows_on_disk(db_path, "SELECT COUNT(*) FROM messages") == [(30,)]


def test_close_commits_what_is_queued(db_path: Path) -> None:
    chat_log = ChatLog(db_path)
    for i in range(100):
        chat_log.append("general", "alice", f"message {i}")
    chat_log.close()
    assert rows_on_disk(db_path, "SELECT COUNT(*), MAX(id) FROM messages") == [(100, 100)]


# --- reading ---


def test_recent_returns_the_last_messages_oldest_first(log: ChatLog) -> None:
    for i in range(10):
        log.append("general", "alice", f"m{i}")
    assert [m.payload for m in log.recent(3)] == ["m7", "m8", "m9"]
    assert [m.payload for m in log.recent(100)] == [f"m{i}" for i in range(10)]
    assert log.recent(0) == []


def test_recent_filters_by_room(log: ChatLog) -> None:
    for i in range(12):
        log.append("general" if i % 3 else "random", "bob", f"m{i}")
    random = log.recent(10, "random")
    assert [m.payload for m in random] == ["m0", "m3", "m6", "m9"]
    assert all(m.room == "random" for m in random)
    assert [m.payload for m in log.recent(2, "general")] == ["m10", "m11"]
    assert log.recent(10, "nobody-here") == []


def test_count_starts_at_zero(log: ChatLog) -> None:
    assert log.count() == 0
    assert log.recent() == []


# --- reopening ---


def test_reopened_log_continues_the_ids(db_path: Path) -> None:
    first = ChatLog(db_path)
    for i in range(5):
        first.append("general", "alice", f"m{i}")
    first.close()
    second = ChatLog(db_path)
    try:
        assert second.count() == 5
        assert second.append("general", "bob", "after restart").id == 6
        assert [m.id for m in second.recent(10)] == [1, 2, 3, 4, 5, 6]
    finally:
        second.close()


def test_reopened_log_remembers_rooms_and_their_parameters(db_path: Path) -> None:
    first = ChatLog(db_path)
    first.room("general")
    assert first.set_room_params("general", '{"name": "argon2id"}', b"check")
    first.close()
    second = ChatLog(db_path)
    try:
        assert second.room("general") == RoomRecord("general", '{"name": "argon2id"}', b"check")
        assert not second.set_room_params("general", '{"name": "other"}', b"other")
    finally:
        second.close()


def test_a_rooms_table_from_an_older_chatkit_gets_the_new_columns(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as db:
        db.execute(
            "CREATE TABLE rooms (name TEXT PRIMARY KEY, salt BLOB, check_nonce BLOB, check_blob BLOB,"
            " created_at TEXT NOT NULL)"
        )
        db.execute("INSERT INTO rooms VALUES ('general', x'00', NULL, NULL, '2024-01-01')")
        db.commit()
    log = ChatLog(db_path)
    try:
        assert log.room("general") == RoomRecord("general")  # its server-chosen salt is not used any more
        assert log.room("lab") == RoomRecord("lab") and log.set_room_params("lab", "{}", b"c")
        log.flush()
    finally:
        log.close()
    assert rows_on_disk(db_path, "SELECT name, kdf FROM rooms ORDER BY name") == [("general", None), ("lab", "{}")]


def test_a_file_that_is_not_a_database_gives_storage_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an SQLite database " * 100)
    with pytest.raises(StorageError):
        ChatLog(junk).close()


# --- rooms ---


def test_room_is_created_once_without_parameters(log: ChatLog, db_path: Path) -> None:
    first = log.room("general")
    assert first is log.room("general") and first == RoomRecord("general")
    log.flush()
    assert rows_on_disk(db_path, "SELECT name, kdf, room_check FROM rooms") == [("general", None, None)]


def test_room_from_many_threads_gives_one_record(log: ChatLog) -> None:
    records: list[RoomRecord] = []
    run_together(lambda number: records.append(log.room("general")))
    assert len(records) == THREADS and all(record is records[0] for record in records)


def test_set_room_params_only_the_first_time(log: ChatLog, db_path: Path) -> None:
    log.room("general")
    assert log.set_room_params("general", "kdf-1", b"check-1") is True
    assert log.set_room_params("general", "kdf-2", b"check-2") is False
    record = log.room("general")
    assert (record.kdf, record.check) == ("kdf-1", b"check-1")
    log.flush()
    assert rows_on_disk(db_path, "SELECT kdf, room_check FROM rooms") == [("kdf-1", b"check-1")]


def test_set_room_params_of_an_unknown_room_is_refused(log: ChatLog) -> None:
    assert log.set_room_params("nowhere", "kdf", b"check") is False


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda log: log.append("general", "alice", "too late"), id="append"),
        pytest.param(lambda log: log.room("general"), id="room"),
        pytest.param(lambda log: log.set_room_params("general", "k", b"c"), id="set_room_params"),
        pytest.param(lambda log: log.saw_user("alice"), id="saw_user"),
    ],
)
def test_using_a_closed_log_raises_storage_error(db_path: Path, use: Callable[[ChatLog], object]) -> None:
    chat_log = ChatLog(db_path)
    chat_log.close()
    with pytest.raises(StorageError, match=f"the chat log {re.escape(str(db_path))} is closed"):
        use(chat_log)
