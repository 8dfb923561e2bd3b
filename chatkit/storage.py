"""The server's SQLite log: messages (room, sender, timestamp, stored payload), rooms, users and the key log.

One writer: every write goes through a queue to a single thread that owns the write connection and commits in
batches, so many client threads never fight over the database and never wait for the disk.
Durability: the writer commits whatever is waiting as soon as the previous commit is done (a batch of one under a
light load, up to BATCH_ROWS under a heavy one); a crash of the process can lose the rows still queued.
What `payload` holds depends on the server's mode: plaintext in classic mode (the original design's weakness),
ciphertext only in sealed mode.
"""

import itertools
import queue
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BATCH_ROWS = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, room TEXT NOT NULL, sender TEXT NOT NULL, sent_at TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rooms (name TEXT PRIMARY KEY, kdf TEXT, room_check BLOB, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS marks (
    room TEXT NOT NULL, sender TEXT NOT NULL, pubkey TEXT NOT NULL, counter INTEGER NOT NULL,
    PRIMARY KEY (room, sender, pubkey));
CREATE TABLE IF NOT EXISTS key_log (position INTEGER PRIMARY KEY, name TEXT NOT NULL, pubkey TEXT NOT NULL);
"""
Mark = tuple[str, str, str]  # (room, sender, sender's public key): whose counter a high-water mark is
RoomRow = tuple[str, str | None, bytes | None]  # name, KDF parameters (JSON), the creator's check
MarkRow = tuple[str, str, str, int]


@dataclass(frozen=True)
class StoredMessage:
    """One row of the messages table, as the server stores it."""

    id: int
    room: str
    sender: str
    sent_at: str
    payload: str


@dataclass
class RoomRecord:
    """What the server keeps about a room; in sealed mode, the salt and KDF its creator chose and their check.

    `kdf` is the JSON text of the parameters exactly as the creator's client sent them: the server never reads it.
    """

    name: str
    kdf: str | None = None
    check: bytes | None = None


class StorageError(RuntimeError):
    """The log cannot be used: closed, or the file is not a chatkit database."""


Write = tuple[str, tuple[object, ...]] | threading.Event  # an SQL statement, or a marker that a flush waits on


def utc_now() -> str:
    """Return the current time as ISO 8601 text in UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class ChatLog:
    """The SQLite log. Safe to call from many threads; writes are queued to one writer thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._queue: queue.Queue[Write | None] = queue.Queue()
        self._lock = threading.Lock()  # guards _rooms and id assignment
        self._closed = False
        self._failure: sqlite3.Error | None = None  # set if the writer thread could not write
        rooms, last_id, marks = self._load()
        self._rooms = {row[0]: RoomRecord(*row) for row in rooms}
        self._marks: dict[Mark, int] = {(room, sender, key): counter for room, sender, key, counter in marks}
        self._ids = itertools.count(last_id + 1)
        self._writer = threading.Thread(target=self._write_forever, name="chatkit-db-writer", daemon=True)
        self._writer.start()

    def _load(self) -> tuple[list[RoomRow], int, list[MarkRow]]:
        """Create the tables if needed; return the rooms, the last message id and the marks, or raise StorageError."""
        try:
            with closing(self._connect()) as conn:
                conn.executescript(SCHEMA)
                add_room_columns(conn)
                rooms = conn.execute("SELECT name, kdf, room_check FROM rooms").fetchall()
                last_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]
                marks = conn.execute("SELECT room, sender, pubkey, counter FROM marks").fetchall()
        except sqlite3.DatabaseError as error:  # not an SQLite file, or one we cannot open
            raise StorageError(f"cannot open the chat log {self.path}: {error}") from None
        return rooms, int(last_id), marks

    def _connect(self) -> sqlite3.Connection:
        """Open a connection in WAL mode, so readers never block the writer."""
        conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    # --- writes: queued, never blocking the caller ---

    def append(self, room: str, sender: str, payload: str) -> StoredMessage:
        """Queue one message for storage and return it with its id and timestamp."""
        with self._lock:
            self._refuse_if_closed()
            message = StoredMessage(next(self._ids), room, sender, utc_now(), payload)
            self._queue.put(
                (
                    "INSERT INTO messages VALUES (?, ?, ?, ?, ?)",
                    (message.id, room, sender, message.sent_at, payload),
                )
            )
        return message

    def room(self, name: str) -> RoomRecord:
        """Return a room's record, creating it (with no parameters yet) the first time it is used."""
        with self._lock:
            self._refuse_if_closed()
            if name not in self._rooms:
                self._rooms[name] = RoomRecord(name)
                self._queue.put(("INSERT OR IGNORE INTO rooms (name, created_at) VALUES (?, ?)", (name, utc_now())))
            return self._rooms[name]

    def set_room_params(self, name: str, kdf: str, check: bytes) -> bool:
        """Store a room's parameters and check if it has none yet (the first offer wins); return whether stored."""
        with self._lock:
            self._refuse_if_closed()
            record = self._rooms.get(name)
            if record is None or record.kdf is not None:
                return False
            record.kdf, record.check = kdf, check
            self._queue.put(("UPDATE rooms SET kdf = ?, room_check = ? WHERE name = ?", (kdf, check, name)))
            return True

    def raise_mark(self, mark: Mark, counter: int) -> bool:
        """Move a sender's high-water mark up to `counter`; return False (and keep it) if counter is not above it.

        Sealed mode (S4): the marks are kept in the file, so a replay is refused after a restart too.
        """
        with self._lock:
            self._refuse_if_closed()
            if counter <= self._marks.get(mark, 0):
                return False
            self._marks[mark] = counter
            self._queue.put(("INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?)", (*mark, counter)))
            return True

    def mark(self, mark: Mark) -> int:
        """Return a sender's high-water mark (0 before their first message)."""
        with self._lock:
            return self._marks.get(mark, 0)

    def saw_user(self, name: str) -> None:
        """Record that a user connected."""
        now = utc_now()
        with self._lock:
            self._refuse_if_closed()
            self._queue.put(
                (
                    "INSERT INTO users VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET last_seen = ?",
                    (name, now, now, now),
                )
            )

    def log_key(self, position: int, name: str, pubkey: str) -> None:
        """Keep entry `position` of the key log (S16): append-only, so a restart rebuilds the very same tree."""
        with self._lock:
            self._refuse_if_closed()
            self._queue.put(("INSERT INTO key_log VALUES (?, ?, ?)", (position, name, pubkey)))

    def logged_keys(self) -> list[tuple[str, str]]:
        """Return every entry of the key log, (name, public key as base64), oldest first."""
        self.flush()
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT name, pubkey FROM key_log ORDER BY position").fetchall()
        return [(str(name), str(pubkey)) for name, pubkey in rows]

    def _refuse_if_closed(self) -> None:
        if self._failure is not None:
            raise StorageError(f"the chat log {self.path} stopped writing: {self._failure}")
        if self._closed:
            raise StorageError(f"the chat log {self.path} is closed")

    # --- the writer thread ---

    def _write_forever(self) -> None:
        """Take writes off the queue and commit them in batches until close() sends None."""
        conn = self._connect()
        try:
            while (first := self._queue.get()) is not None:
                batch = self._gather_batch(first)
                try:
                    self._write_batch(conn, batch)
                except sqlite3.Error as error:  # remembered: the next append or flush raises StorageError
                    self._failure = error
                    _wake_flushers(batch)
        finally:
            conn.close()

    def _gather_batch(self, first: Write) -> list[Write]:
        """Take the first write and whatever else is already waiting, up to BATCH_ROWS; never wait for more.

        Under a light load every message is committed at once; under a heavy one, rows pile up while the previous
        batch is being committed, so batches grow by themselves exactly when that saves the most.
        """
        batch = [first]
        while len(batch) < BATCH_ROWS and not isinstance(batch[-1], threading.Event):
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._queue.put(None)  # let the outer loop see the stop after this batch
                break
            batch.append(item)
        return batch

    @staticmethod
    def _write_batch(conn: sqlite3.Connection, batch: list[Write]) -> None:
        """Run a batch of statements in one transaction, then wake anyone flushing."""
        with conn:
            for item in batch:
                if not isinstance(item, threading.Event):
                    conn.execute(*item)
        _wake_flushers(batch)

    # --- reads and lifetime ---

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is committed."""
        if self._closed:
            return
        done = threading.Event()
        self._queue.put(done)
        if not done.wait(timeout):
            raise StorageError(f"the chat log did not commit within {timeout} s")
        if self._failure is not None:
            raise StorageError(f"the chat log {self.path} stopped writing: {self._failure}")

    def recent(self, limit: int = 10, room: str | None = None) -> list[StoredMessage]:
        """Return the last `limit` stored messages, oldest first, optionally of one room."""
        self.flush()
        where, params = ("WHERE room = ?", (room, limit)) if room else ("", (limit,))
        with closing(self._connect()) as conn:
            rows = conn.execute(
                f"SELECT id, room, sender, sent_at, payload FROM messages {where} ORDER BY id DESC LIMIT ?",
                params,
            ).fetchall()
        return [StoredMessage(*row) for row in reversed(rows)]

    def count(self) -> int:
        """Return how many messages are stored."""
        self.flush()
        with closing(self._connect()) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0])

    def close(self) -> None:
        """Commit what is queued and stop the writer thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._writer.join(timeout=10)


def add_room_columns(conn: sqlite3.Connection) -> None:
    """Give a rooms table from an older chatkit (a salt the server chose) the columns for creator-chosen parameters."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(rooms)")}
    for column, kind in (("kdf", "TEXT"), ("room_check", "BLOB")):
        if column not in columns:
            conn.execute(f"ALTER TABLE rooms ADD COLUMN {column} {kind}")
    conn.commit()


def _wake_flushers(batch: list[Write]) -> None:
    """Set the events of everyone waiting in flush() for this batch."""
    for item in batch:
        if isinstance(item, threading.Event):
            item.set()
