"""Search another process's memory for bytes, as someone who dumps a server's memory would (Linux /proc only).

Reading /proc/<pid>/mem needs the same user and, under Yama, a parent: the tests only scan servers they started.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 8 * 1024 * 1024
OVERLAP_BYTES = 256  # chunks overlap, so a needle shorter than this is found even across a chunk boundary
MAX_SCAN_BYTES = 8 * 1024**3  # a bound on the work, far above what a small Python server maps
SKIPPED = ("[vvar]", "[vvar_vclock]", "[vsyscall]")  # kernel pages that /proc/<pid>/mem does not give


def readable_regions(pid: int) -> list[tuple[int, int]]:
    """Return (start, end) of every readable mapping of a process."""
    regions = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        name = fields[5].strip() if len(fields) > 5 else ""
        if fields[1].startswith("r") and name not in SKIPPED:
            start, end = (int(part, 16) for part in fields[0].split("-"))
            regions.append((start, end))
    return regions


def read_at(memory: BinaryIO, address: int, size: int) -> bytes:
    """Read bytes at an address; empty if the kernel refuses (a guard page, a mapping that just went away)."""
    try:
        memory.seek(address)
        return memory.read(size) or b""
    except (OSError, OverflowError, ValueError):
        return b""


def chunks(pid: int) -> Iterator[bytes]:
    """Yield the readable memory of a process in overlapping chunks."""
    scanned = 0
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as memory:
        for start, end in readable_regions(pid):
            for address in range(start, end, CHUNK_BYTES):
                scanned += CHUNK_BYTES
                if scanned > MAX_SCAN_BYTES:
                    raise RuntimeError(f"process {pid} maps over {MAX_SCAN_BYTES} readable bytes; scan stopped")
                yield read_at(memory, address, min(CHUNK_BYTES + OVERLAP_BYTES, end - address))


def memory_contains(pid: int, *needles: bytes) -> dict[bytes, bool]:
    """Return, for each needle, whether it occurs anywhere in the readable memory of process `pid`."""
    if any(len(needle) > OVERLAP_BYTES for needle in needles):
        raise ValueError(f"needles longer than {OVERLAP_BYTES} bytes could be missed at a chunk boundary")
    found = dict.fromkeys(needles, False)
    for data in chunks(pid):
        for needle in needles:
            found[needle] = found[needle] or needle in data
    return found
