"""The three loads, each against a fresh server: a burst, a paced classroom, and many idle connections.

Every scenario returns one row (a dict) with the same keys, None where a figure does not apply.
Deliveries are counted the same way for both servers: a message reaching a member other than its sender.
"""

import statistics
import threading
import time
from collections import Counter
from collections.abc import Hashable
from typing import Any

from bench.clients import Receiver, StoredWatch, close_clients, open_clients, stored_rows
from bench.servers import ServerProcess
from bench.wire import Speaker, Wire

Row = dict[str, Any]
Sent = dict[Hashable, tuple[int, float]]  # key -> (sender number, time sent)
ROOM = "bench"
ROOM_SIZE = 25  # idle clients sit in rooms of this size, like classes


def empty_row(scenario: str, server: ServerProcess, clients: int) -> Row:
    """Return a row with every figure unset."""
    figures = ("deliveries_per_s", "stored_per_s", "p50_ms", "p99_ms", "rss_per_conn_kib", "threads_per_conn")
    return {"scenario": scenario, "server": server.label, "clients": clients, **dict.fromkeys(figures), "lost": 0}


def gather(server: ServerProcess, wire: Wire, clients: int) -> tuple[list[Speaker], Row]:
    """Open the clients in one room and get them ready; return them and what the setup cost."""
    started = time.perf_counter()
    speakers = open_clients(wire, server.port, clients, lambda _: ROOM)
    facts = wire.ready(speakers)
    return speakers, {"setup_s": round(time.perf_counter() - started, 2), **facts}


def settle(wire: Wire, speakers: list[Speaker], receiver: Receiver) -> None:
    """Make sure every client is in the room: the kit said so; the baseline must relay a probe to all."""
    if not wire.echoes:
        for _ in range(15):
            speakers[0].sock.sendall(wire.say(speakers[0], -1)[0])
            if receiver.wait(lambda: min(receiver.lines[1:], default=1) >= 1, 1.0):
                break
    receiver.wait_quiet()
    time.sleep(0.2)  # the kit commits its log within 50 ms: let it catch up before counting rows
    receiver.forget()


def tally(wire: Wire, receiver: Receiver, sent: Sent, clients: int) -> tuple[Row, list[float], float]:
    """Count deliveries to members other than the sender; return (counts, latencies in s, last arrival)."""
    delivered = duplicated = expected = 0
    latencies: list[float] = []
    last = 0.0
    for number in range(clients):
        seen: Counter[Hashable] = Counter()
        for arrived, line in receiver.lines_of(number):
            parsed = wire.parse(line)
            if parsed is None or parsed[1] not in sent or sent[parsed[1]][0] == number:
                continue
            seen[parsed[1]] += 1
            latencies.append(arrived - sent[parsed[1]][1])
            last = max(last, arrived)
        delivered += len(seen)
        duplicated += sum(seen.values()) - len(seen)
        expected += sum(1 for sender, _ in sent.values() if sender != number)
    counts = {"delivered": delivered, "duplicated": duplicated, "lost": expected - delivered}
    return counts, latencies, last


def expected_lines(wire: Wire, messages: int, clients: int) -> int:
    """Return how many chat lines the clients should receive in all (the kit also echoes to the sender)."""
    return messages * (clients if wire.echoes else clients - 1)


def send_all(speaker: Speaker, data: bytes) -> None:
    """Send a sender's whole burst at once."""
    speaker.sock.sendall(data)


def burst(server: ServerProcess, wire: Wire, clients: int, senders: int, messages: int, timeout: float) -> Row:
    """Ten senders each send `messages` lines as fast as they can; measure deliveries/s and stored/s."""
    speakers, setup = gather(server, wire, clients)
    receiver = Receiver(speakers)
    try:
        settle(wire, speakers, receiver)
        plans = [[wire.say(speaker, seq) for seq in range(messages)] for speaker in speakers[:senders]]
        total, before, rows = len(plans) * messages, receiver.total(), stored_rows(server.db)
        watch = StoredWatch(server.db, rows + total, timeout)
        started = time.perf_counter()
        threads = [
            threading.Thread(target=send_all, args=(s, b"".join(line for line, _ in p)))
            for s, p in zip(speakers, plans, strict=False)
        ]
        for thread in threads:
            thread.start()
        receiver.wait(lambda: receiver.total() - before >= expected_lines(wire, total, clients), timeout)
        watch.join()
        sent = {key: (number, started) for number, plan in enumerate(plans) for _, key in plan}
        counts, _, last = tally(wire, receiver, sent, clients)
    finally:
        receiver.stop()
        close_clients(speakers)
    row = empty_row("burst", server, clients) | counts | {"messages": total} | setup
    row["deliveries_per_s"] = round(counts["delivered"] / max(last - started, 1e-9))
    if watch.reached_at is not None:
        row["stored_per_s"] = round(total / (watch.reached_at - started))
    return row


def pace(speakers: list[Speaker], plan: list[tuple[int, bytes, Hashable]], interval: float, sent: Sent) -> None:
    """Send one planned line every `interval` seconds, keeping to the schedule, recording when each left."""
    started = time.perf_counter()
    for step, (number, line, key) in enumerate(plan):
        time.sleep(max(0.0, started + step * interval - time.perf_counter()))
        sent[key] = (number, time.perf_counter())
        speakers[number].sock.sendall(line)


def paced(server: ServerProcess, wire: Wire, clients: int, senders: int, interval: float, seconds: float) -> Row:
    """A classroom: one message every `interval` seconds, taking turns among the senders; measure latency."""
    senders = min(senders, clients)
    speakers, setup = gather(server, wire, clients)
    receiver = Receiver(speakers)
    try:
        settle(wire, speakers, receiver)
        steps = max(1, int(seconds / interval))
        plan = [(step % senders, *wire.say(speakers[step % senders], step)) for step in range(steps)]
        sent: Sent = {}
        before = receiver.total()
        pace(speakers, plan, interval, sent)
        receiver.wait(lambda: receiver.total() - before >= expected_lines(wire, steps, clients), 30.0)
        counts, latencies, _ = tally(wire, receiver, sent, clients)
    finally:
        receiver.stop()
        close_clients(speakers)
    row = empty_row("paced", server, clients) | counts | {"messages": steps} | setup
    if latencies:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        row["p50_ms"], row["p99_ms"] = round(cuts[49] * 1000, 2), round(cuts[98] * 1000, 2)
    return row


def wait_threads_steady(server: ServerProcess, timeout: float) -> int:
    """Wait until the server's thread count stops changing for a second; return it."""
    deadline, last, steady_since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        now = server.threads()
        if now != last:
            last, steady_since = now, time.monotonic()
        elif time.monotonic() - steady_since > 1.0:
            break
        time.sleep(0.1)
    return last


def idle(server: ServerProcess, wire: Wire, clients: int) -> Row:
    """Hold `clients` greeted, silent connections (rooms of 25); measure the server's RSS and threads per one."""
    time.sleep(0.5)
    rss_before, threads_before = server.rss(), server.threads()
    speakers = open_clients(wire, server.port, clients, lambda number: f"idle{number // ROOM_SIZE}")
    receiver = Receiver(speakers)
    try:
        receiver.wait_quiet(1.0, 60.0)
        threads_after = wait_threads_steady(server, 60.0)
        rss_after = server.rss()
    finally:
        receiver.stop()
        close_clients(speakers)
    row = empty_row("idle", server, clients)
    row["rss_per_conn_kib"] = round((rss_after - rss_before) / clients / 1024, 1)
    row["threads_per_conn"] = round((threads_after - threads_before) / clients, 2)
    return row
