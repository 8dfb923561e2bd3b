"""The room parameters a member saw first, per server and room: a change later is refused, never taken (S5).

A room's salt and KDF come from its creator and the server only relays them, so a server that hands one member
other parameters than before (to split the room, or to bring back a precomputed table) is caught by the member who
pinned them. The pins live in memory for one session, and in the person's key store (room_pins.json, 0600, in the
0700 folder keystore.py makes) when one is given, so they last across restarts.

>>> pins = RoomPins("127.0.0.1:7000")
>>> pins.check("general", b'["general",{"salt":"AAAA"}]'), pins.check("general", b'["general",{"salt":"AAAA"}]')
(<PinCheck.NEW: 'new'>, <PinCheck.SAME: 'same'>)
>>> pins.check("general", b'["general",{"salt":"BBBB"}]')
<PinCheck.CHANGED: 'changed'>
"""

import json
from pathlib import Path

from chatkit.client.keystore import KeyStoreError, PinCheck, write_private

FILENAME = "room_pins.json"


class RoomPins:
    """The parameters pinned for each room of one server (in memory, and on disk if given a key store folder)."""

    def __init__(self, server: str, folder: Path | None = None) -> None:
        self.server = server  # "host:port": the same room name on another server is another room
        self.path = None if folder is None else Path(folder) / FILENAME
        self._memory: dict[str, str] = {}

    def check(self, room: str, bound: bytes) -> PinCheck:
        """Compare a room's parameters with their pin; pin them if the room is new to us. A change is NOT pinned."""
        pins = self._read()
        key, seen = f"{self.server}/{room}", bound.decode()
        pinned = pins.get(key)
        if pinned is None:
            pins[key] = seen
            self._write(pins)
            return PinCheck.NEW
        return PinCheck.SAME if pinned == seen else PinCheck.CHANGED

    def forget(self, room: str) -> None:
        """Drop a room's pin: the person said the room was made again (e.g. a new server with an old name)."""
        pins = self._read()
        pins.pop(f"{self.server}/{room}", None)
        self._write(pins)

    def _read(self) -> dict[str, str]:
        """Return every pin ({} when none are kept yet)."""
        if self.path is None or not self.path.exists():
            return dict(self._memory)
        try:
            data = json.loads(self.path.read_bytes())
        except ValueError:
            raise KeyStoreError(f"{self.path} is not JSON: was it edited by hand?") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise KeyStoreError(f"{self.path} should hold a JSON object of text, not {type(data).__name__}")
        return data

    def _write(self, pins: dict[str, str]) -> None:
        """Keep the pins in memory, and on disk if there is a key store."""
        self._memory = dict(pins)
        if self.path is not None:
            write_private(self.path, json.dumps(pins, sort_keys=True, indent=1).encode())
