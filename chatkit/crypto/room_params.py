"""A sealed room's key-derivation parameters: chosen by its creator, checked against a floor, bound to the room (S5).

The first member's client chooses the salt and the KDF; the server only stores and relays them. Every later
member checks them against a floor before spending a derivation on them, and the key's HKDF label and the room
check both cover them, so parameters changed on the way give another key and a check that no longer matches.

Argon2id with m=19 MiB, t=2, p=1 is the default: one of the configurations the OWASP Password Storage Cheat Sheet
lists for Argon2id. PBKDF2-HMAC-SHA256 is allowed at 600,000 iterations or more (the same sheet's figure).

>>> params = choose(iterations=1000)                       # tests and notebooks ask for cheap ones, explicitly
>>> params.kdf, params.iterations, len(params.salt)
('pbkdf2-sha256', 1000, 16)
>>> from_fields(to_fields(params)) == params
True
>>> check_floor(params, weakest_pbkdf2=PBKDF2_FLOOR)      # a default client refuses them  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
chatkit.crypto.room_params.WeakParams: the room's KDF is PBKDF2 with 1000 iterations; this client accepts 600000 to ...
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from chatkit.crypto import kdf, labels

ARGON2ID, PBKDF2 = "argon2id", "pbkdf2-sha256"
OWASP_MEMORY_KIB, OWASP_PASSES = 19 * 1024, 2  # OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1
# The floor: the weakest of OWASP's equivalent Argon2id configurations (m=7 MiB, t=5) costs about 35 MiB-passes,
# so no less memory than 7 MiB and no less than that product; PBKDF2 no fewer than OWASP's 600,000 iterations.
ARGON2ID_MIN_MEMORY_KIB, ARGON2ID_MIN_WORK = 7 * 1024, 7 * 1024 * 5
PBKDF2_FLOOR = kdf.SEALED_ITERATIONS
# The ceiling: parameters come from the network, so a liar must not make one derivation take minutes or gigabytes.
ARGON2ID_MAX_MEMORY_KIB, ARGON2ID_MAX_PASSES, MAX_LANES, PBKDF2_CEILING = 256 * 1024, 10, 8, 10_000_000
SALT_BYTES_RANGE = range(16, 65)


class WeakParams(ValueError):
    """Room parameters this client will not use: unknown, malformed, below the floor or above the ceiling."""


@dataclass(frozen=True)
class RoomParams:
    """How a room's key comes from its passphrase: the KDF, its salt and its costs."""

    kdf: str
    salt: bytes
    iterations: int = 0  # PBKDF2
    memory_kib: int = 0  # Argon2id
    passes: int = 0
    lanes: int = 0


def choose(iterations: int | None = None) -> RoomParams:
    """Choose a new room's parameters: Argon2id (OWASP) by default, PBKDF2 when iterations are asked for."""
    if iterations is None:
        return RoomParams(ARGON2ID, kdf.new_salt(), memory_kib=OWASP_MEMORY_KIB, passes=OWASP_PASSES, lanes=1)
    return RoomParams(PBKDF2, kdf.new_salt(), iterations=iterations)


def to_fields(params: RoomParams) -> dict[str, Any]:
    """Return the parameters as the JSON object the protocol carries (only the fields of their KDF)."""
    salt = base64.b64encode(params.salt).decode("ascii")
    if params.kdf == PBKDF2:
        return {"name": PBKDF2, "salt": salt, "iterations": params.iterations}
    costs = {"memory_kib": params.memory_kib, "passes": params.passes, "lanes": params.lanes}
    return {"name": params.kdf, "salt": salt, **costs}


def from_fields(fields: object) -> RoomParams:
    """Read parameters from the protocol's JSON object; raise WeakParams if it is not exactly one of the two shapes."""
    shapes = {PBKDF2: {"name", "salt", "iterations"}, ARGON2ID: {"name", "salt", "memory_kib", "passes", "lanes"}}
    if not isinstance(fields, dict) or set(fields) != shapes.get(str(fields.get("name")), set()):
        raise WeakParams(f"room parameters should be one of {sorted(shapes)} with their fields, got {fields!r:.200}")
    if not all(type(fields[name]) is int for name in set(fields) - {"name", "salt"}):
        raise WeakParams("room parameters' costs should be whole numbers")
    try:
        salt = base64.b64decode(fields["salt"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise WeakParams("the room's salt is not valid base64") from None
    costs = {name: fields[name] for name in set(fields) - {"name", "salt"}}
    return RoomParams(fields["name"], salt, **costs)


def check_floor(params: RoomParams, weakest_pbkdf2: int) -> None:
    """Raise WeakParams unless the salt and costs are within the floor and the ceiling."""
    if len(params.salt) not in SALT_BYTES_RANGE:
        raise WeakParams(f"the room's salt has {len(params.salt)} bytes; this client accepts 16 to 64")
    if params.kdf == PBKDF2 and not weakest_pbkdf2 <= params.iterations <= PBKDF2_CEILING:
        raise WeakParams(
            f"the room's KDF is PBKDF2 with {params.iterations} iterations;"
            f" this client accepts {weakest_pbkdf2} to {PBKDF2_CEILING}"
        )
    if params.kdf == ARGON2ID:
        check_argon2id(params)


def check_ceiling(params: RoomParams) -> None:
    """Raise WeakParams if the salt is out of range or one derivation would cost more than this client ever spends."""
    if len(params.salt) not in SALT_BYTES_RANGE:
        raise WeakParams(f"the room's salt has {len(params.salt)} bytes; this client accepts 16 to 64")
    too_costly = params.iterations > PBKDF2_CEILING or params.memory_kib > ARGON2ID_MAX_MEMORY_KIB
    if too_costly or params.passes > ARGON2ID_MAX_PASSES or params.lanes > MAX_LANES:
        raise WeakParams("the room's KDF costs more than this client ever spends on one derivation")


def check_argon2id(params: RoomParams) -> None:
    """Raise WeakParams unless Argon2id's memory, passes and lanes are within the floor and the ceiling."""
    memory, passes = params.memory_kib, params.passes
    if not (ARGON2ID_MIN_MEMORY_KIB <= memory <= ARGON2ID_MAX_MEMORY_KIB and 1 <= passes <= ARGON2ID_MAX_PASSES):
        raise WeakParams(f"the room's Argon2id uses {memory} KiB and {passes} passes, outside what this client accepts")
    if memory * passes < ARGON2ID_MIN_WORK or not 1 <= params.lanes <= MAX_LANES:
        raise WeakParams(f"the room's Argon2id ({memory} KiB x {passes} passes) is below OWASP's weakest setting")


def binding(room: str, params: RoomParams) -> bytes:
    """Return the bytes that tie a key and a check to this room and these parameters (same on every machine)."""
    return json.dumps([room, to_fields(params)], sort_keys=True, separators=(",", ":")).encode()


def room_key(passphrase: str, room: str, params: RoomParams) -> bytes:
    """Derive a room's key: the slow KDF its creator chose, then HKDF labelled with the room and the parameters."""
    secret = passphrase.encode()
    if params.kdf == PBKDF2:
        stretched = kdf.pbkdf2_sha256(secret, params.salt, params.iterations)
    else:
        stretched = kdf.argon2id_key(secret, params.salt, params.memory_kib, params.passes, params.lanes)
    return kdf.hkdf_sha256(stretched, labels.ROOM_KEY + binding(room, params))
