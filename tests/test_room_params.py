"""A sealed room's salt and KDF belong to its creator, and its check commits to the key (docs/security.md S5, S11, S12).

Each attack runs against the kit's own server on loopback: a malicious server is SealedRules with `joined` replaced
(it announces what it likes), an outsider is a ChatClient with another passphrase. Against the design before these
tests, every attack here worked: the server chose the salt (an empty one was taken), nothing was pinned, and an
outsider who created a room first locked the rightful members out with no way on.
"""

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from chatkit import protocol
from chatkit.client import ChatClient, ChatMessage, Problem, Wire
from chatkit.client.codec import SealedCodec
from chatkit.client.keystore import PinCheck
from chatkit.client.room_keys import CHECK_DIFFERS
from chatkit.client.room_pins import RoomPins
from chatkit.crypto import kdf, labels, room_check, room_params, sealed
from chatkit.protocol import Frame, Refused
from chatkit.server import ChatServer
from chatkit.server.sealed import SealedRules
from chatkit.storage import RoomRecord

from .conftest import FAST_ITERATIONS, PASSWORD, Connect, StartServer, eventually

CHEAP = room_params.RoomParams(room_params.PBKDF2, bytes(16), iterations=FAST_ITERATIONS)


class Announcing(SealedRules):
    """A malicious server: announces, for every room, what `announce` says instead of what the creator left."""

    def __init__(self, announce: "dict[str, object] | None" = None) -> None:
        super().__init__()
        self.announce = announce or {}

    def joined(self, record: RoomRecord) -> Frame:
        return {**super().joined(record), **self.announce}


class NewOnce(SealedRules):
    """A server that announces the next room as new once: what a join handled just before the creator's offer sees."""

    def __init__(self) -> None:
        super().__init__()
        self.told = False

    def joined(self, record: RoomRecord) -> Frame:
        if self.told:
            return super().joined(record)
        self.told = True
        return {"room": record.name}


def frames(client: ChatClient, kind: str) -> list[Frame]:
    """Return every frame of one kind the client received."""
    received = [protocol.decode(e.line) for e in client.history if isinstance(e, Wire) and e.direction == "received"]
    return [frame for frame in received if frame["type"] == kind]


def sent_offers(client: ChatClient) -> list[Frame]:
    """Return every 'check' offer (a new room's parameters and check) the client sent."""
    sent = [protocol.decode(e.line) for e in client.history if isinstance(e, Wire) and e.direction == "sent"]
    return [frame for frame in sent if frame["type"] == "check"]


def stored_params(server: ChatServer, room: str) -> room_params.RoomParams:
    """Return the parameters the server stored for a room (waiting until the creator's offer arrived)."""
    assert eventually(lambda: server.log.room(room).kdf is not None), f"no parameters stored for {room}"
    return room_params.from_fields(json.loads(server.log.room(room).kdf or "null"))


def lie(server: ChatServer, **announce: object) -> None:
    """Make the server a malicious one that announces these fields for every room."""
    server.rules = Announcing(announce)


def said(sender: ChatClient, receiver: ChatClient, text: str) -> ChatMessage:
    """Send text and return it as the receiver shows it."""
    sender.send(text)
    return receiver.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == text)


# --- S5: the creator chooses the parameters; the server stores and relays them; members check and pin them ---


def test_s5_the_default_is_argon2id_with_owasp_parameters() -> None:
    params = room_params.choose()
    assert (params.kdf, params.memory_kib, params.passes, params.lanes) == ("argon2id", 19 * 1024, 2, 1)
    assert len(params.salt) == kdf.SALT_BYTES and params.salt != room_params.choose().salt
    room_params.check_floor(params, weakest_pbkdf2=room_params.PBKDF2_FLOOR)


def test_s5_the_creator_chooses_and_the_server_relays_unchanged(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    alice = connect(server, "alice", iterations=None)  # a default client: Argon2id
    params = stored_params(server, "general")
    assert params.kdf == "argon2id" and params.memory_kib == room_params.OWASP_MEMORY_KIB
    (offer,) = sent_offers(alice)
    bob = connect(server, "bob")
    (announced,) = frames(bob, "joined")
    assert announced["kdf"] == offer["kdf"] and announced["check"] == offer["check"]
    assert said(alice, bob, "we agree on the key").sender == "alice"


def test_s5_every_room_and_every_deployment_gets_its_own_salt(start_server: StartServer, connect: Connect) -> None:
    first, second = start_server("sealed"), start_server("sealed")
    alice, bob = connect(first, "alice"), connect(second, "bob")
    for room in ("red", "blue"):
        alice.join(room)
        bob.join(room)
    salts = [stored_params(server, room).salt for server in (first, second) for room in ("general", "red", "blue")]
    assert len(set(salts)) == 6 and all(len(salt) == kdf.SALT_BYTES for salt in salts)


def test_s5_the_sealed_server_makes_no_salt() -> None:
    assert not hasattr(SealedRules(), "make_salt"), "the server must not choose a room's salt"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"name": "pbkdf2-sha256", "salt": "", "iterations": 600_000}, id="empty-salt"),
        pytest.param({"name": "pbkdf2-sha256", "salt": "AAAA", "iterations": 600_000}, id="short-salt"),
        pytest.param({"name": "pbkdf2-sha256", "salt": "A" * 24, "iterations": 1000}, id="too-few-iterations"),
        pytest.param(
            {"name": "argon2id", "salt": "A" * 24, "memory_kib": 1024, "passes": 1, "lanes": 1}, id="argon2-too-small"
        ),
        pytest.param(
            {"name": "argon2id", "salt": "A" * 24, "memory_kib": 4 * 2**20, "passes": 2, "lanes": 1}, id="4-gib"
        ),
        pytest.param({"name": "md5", "salt": "A" * 24}, id="unknown-kdf"),
        pytest.param({"name": "pbkdf2-sha256", "salt": "A" * 24, "iterations": "many"}, id="not-a-number"),
    ],
)
def test_s5_a_default_client_refuses_parameters_outside_the_floor(
    fields: dict[str, object], start_server: StartServer, connect: Connect
) -> None:
    server = start_server("sealed")
    lie(server, kdf=fields, check=protocol.b64(bytes(32)))
    with pytest.raises(Refused) as refused:
        connect(server, "alice", iterations=None)
    assert refused.value.code == "weak_room"


def test_s5_cheap_parameters_only_for_a_client_that_asks_for_them() -> None:
    cheap = room_params.choose(iterations=FAST_ITERATIONS)
    room_params.check_floor(cheap, weakest_pbkdf2=FAST_ITERATIONS)  # asked for: accepted
    with pytest.raises(room_params.WeakParams):
        room_params.check_floor(cheap, weakest_pbkdf2=room_params.PBKDF2_FLOOR)  # a default client: refused


def test_s5_a_server_that_chooses_the_salt_is_caught(start_server: StartServer, connect: Connect) -> None:
    """The server announces its own salt (one it precomputed a table for); it cannot make the check to go with it."""
    server = start_server("sealed")
    connect(server, "alice")
    stored_params(server, "general")
    lie(server, kdf=room_params.to_fields(CHEAP))
    with pytest.raises(Refused) as refused:
        connect(server, "bob")
    assert refused.value.code == "wrong_password" and CHECK_DIFFERS in str(refused.value)


def test_s5_parameters_changed_for_a_returning_member_are_refused(start_server: StartServer, connect: Connect) -> None:
    """Mid-session, on a rejoin, the server hands alice other parameters (and a check it made for them)."""
    server = start_server("sealed")
    alice = connect(server, "alice")
    stored_params(server, "general")
    alice.join("lab")
    key = room_params.room_key(PASSWORD, "general", CHEAP)  # even a valid check for the new parameters
    check = room_check.make_check(key, room_params.binding("general", CHEAP))
    lie(server, kdf=room_params.to_fields(CHEAP), check=protocol.b64(check))
    with pytest.raises(Refused) as refused:
        alice.join("general")
    assert refused.value.code == "room_changed"


def test_s5_a_known_room_announced_as_new_is_reported(start_server: StartServer, connect: Connect) -> None:
    """The server drops a room's parameters for a returning member, so that they make new ones (a split room)."""
    server = start_server("sealed")
    alice = connect(server, "alice")
    old = stored_params(server, "general")
    alice.join("lab")
    server.rules = NewOnce()
    alice.join("general")
    warning = alice.wait_for(lambda e: isinstance(e, Problem) and e.code == "room_made_again")
    assert isinstance(warning, Problem) and "cannot read you" in warning.text
    assert room_params.from_fields(sent_offers(alice)[-1]["kdf"]).salt != old.salt  # her own new salt


def test_s5_a_room_pin_lasts_in_the_key_store(tmp_path: Path) -> None:
    bound, other = room_params.binding("general", CHEAP), room_params.binding("general", room_params.choose(1000))
    assert RoomPins("127.0.0.1:7000", tmp_path).check("general", bound) is PinCheck.NEW
    again = RoomPins("127.0.0.1:7000", tmp_path)  # the next session
    assert again.check("general", bound) is PinCheck.SAME and again.check("general", other) is PinCheck.CHANGED
    assert RoomPins("127.0.0.1:7001", tmp_path).check("general", other) is PinCheck.NEW  # another server
    assert stat.S_IMODE(os.stat(tmp_path / "room_pins.json").st_mode) == 0o600


def test_s5_a_change_is_refused_in_the_next_session_too(
    start_server: StartServer, connect: Connect, tmp_path: Path
) -> None:
    """Alice comes back another day (a new client, the same key store folder); the room's parameters were swapped."""
    server = start_server("sealed")
    address = f"{server.address[0]}:{server.address[1]}"
    connect(server, "alice", room_pins=RoomPins(address, tmp_path)).close()
    stored_params(server, "general")
    key = room_params.room_key(PASSWORD, "general", CHEAP)  # a dishonest member helps: a valid check
    lie(
        server,
        kdf=room_params.to_fields(CHEAP),
        check=protocol.b64(room_check.make_check(key, room_params.binding("general", CHEAP))),
    )
    assert connect(server, "bob").room == "general"  # a newcomer has nothing pinned: S5's stated limit
    with pytest.raises(Refused) as refused:
        connect(server, "alice", room_pins=RoomPins(address, tmp_path))
    assert refused.value.code == "room_changed"


def test_s5_the_key_is_bound_to_the_room_and_its_parameters() -> None:
    more = room_params.RoomParams(room_params.PBKDF2, CHEAP.salt, iterations=FAST_ITERATIONS + 1)
    key = room_params.room_key(PASSWORD, "general", CHEAP)
    assert key != room_params.room_key(PASSWORD, "lab", CHEAP)
    assert key != room_params.room_key(PASSWORD, "general", more)


def test_s5_key_derived_once_per_room_and_parameters(pbkdf2_calls: list[int]) -> None:
    calls = pbkdf2_calls
    codec = SealedCodec(PASSWORD, FAST_ITERATIONS)
    offer = codec.on_joined({"type": "joined", "room": "general"}, "alice").reply
    assert offer is not None
    joined = {"type": "joined", "room": "general", "kdf": offer["kdf"], "check": offer["check"]}
    for _ in range(3):
        codec.on_joined(joined, "alice")
    assert calls == [FAST_ITERATIONS]


# --- S11: an outsider who creates a room first does not lock the rightful members out ---


def test_s11_a_squatted_room_says_what_happened_and_lets_members_go_on(
    start_server: StartServer, connect: Connect
) -> None:
    server = start_server("sealed")
    mallory = connect(server, "mallory", "not the passphrase")  # creates 'general' first, with a bogus check
    stored_params(server, "general")
    with pytest.raises(Refused) as refused:
        connect(server, "alice")
    assert refused.value.code == "wrong_password" and CHECK_DIFFERS in str(refused.value)
    alice, bob = connect(server, "alice", despite_check=True), connect(server, "bob", despite_check=True)
    warning = alice.wait_for(lambda e: isinstance(e, Problem) and e.code == "check_differs")
    assert isinstance(warning, Problem) and CHECK_DIFFERS in warning.text
    assert said(alice, bob, "we still talk").text == "we still talk"
    assert mallory.wait_for(lambda e: isinstance(e, Problem) and e.code == "cannot_decrypt")


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"name": "md5", "salt": "A" * 24}, id="unknown-kdf"),
        pytest.param({"name": "pbkdf2-sha256", "salt": "AAAA", "iterations": 600_000}, id="short-salt"),
        pytest.param({"name": "pbkdf2-sha256", "salt": "A" * 24, "iterations": "many"}, id="not-a-number"),
        pytest.param({"name": "pbkdf2-sha256", "salt": "A" * 24, "iterations": 0}, id="zero-iterations"),
        pytest.param({"name": "pbkdf2-sha256", "salt": "A" * 24}, id="missing-cost"),
        pytest.param(
            {"name": "argon2id", "salt": "A" * 24, "memory_kib": 8, "passes": 1, "lanes": 2}, id="argon2-impossible"
        ),
        pytest.param({"name": "pbkdf2-sha256", "salt": "A" * 24, "iterations": 10**7 + 1}, id="over-the-ceiling"),
        pytest.param(
            {"name": "argon2id", "salt": "A" * 24, "memory_kib": 4 * 2**20, "passes": 2, "lanes": 1}, id="4-gib"
        ),
        pytest.param({"name": "pbkdf2-sha256", "salt": "A" * 24, "iterations": 600_000, "x": 1}, id="unknown-key"),
    ],
)
def test_s11_a_malformed_offer_is_not_kept_and_the_next_member_creates_the_room(
    fields: dict[str, object], start_server: StartServer, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_server("sealed")
    with monkeypatch.context() as patch:  # mallory's client offers malformed parameters for the new room
        patch.setattr(room_params, "to_fields", lambda params: fields)
        with pytest.raises(Refused) as refused:  # the server answers the offer with an error
            connect(server, "mallory", "not the passphrase")
    assert "room parameters" in str(refused.value)
    assert server.log.room("general").kdf is None, "the server kept a malformed offer"
    alice = connect(server, "alice", iterations=None)  # a default client creates the room properly
    assert stored_params(server, "general").kdf == room_params.ARGON2ID
    assert said(alice, connect(server, "bob", iterations=None), "in at last").sender == "alice"


def test_s11_a_room_below_the_floor_is_entered_only_when_asked_with_a_warning(
    start_server: StartServer, connect: Connect
) -> None:
    server = start_server("sealed")
    connect(server, "mallory", "not the passphrase")  # cheap PBKDF2, which a test client may ask for
    stored_params(server, "general")
    with pytest.raises(Refused) as refused:
        connect(server, "alice", iterations=None)
    assert refused.value.code == "weak_room"
    alice = connect(server, "alice", iterations=None, despite_check=True)
    bob = connect(server, "bob", iterations=None, despite_check=True)
    warning = alice.wait_for(lambda e: isinstance(e, Problem) and e.code == "weak_room")
    assert isinstance(warning, Problem) and "weaker key derivation than your floor" in warning.text
    assert "going on as you asked" in warning.text and CHECK_DIFFERS in warning.text
    assert said(alice, bob, "cheap but ours").text == "cheap but ours"


def test_s11_an_absurdly_costly_room_is_refused_even_when_asked(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    costly = {"name": "pbkdf2-sha256", "salt": "A" * 24, "iterations": room_params.PBKDF2_CEILING + 1}
    lie(server, kdf=costly, check=protocol.b64(bytes(32)))
    with pytest.raises(Refused) as refused:
        connect(server, "alice", iterations=None, despite_check=True)
    assert refused.value.code == "weak_room"


def test_s11_the_room_parameters_shape_is_checked_without_crypto() -> None:
    ceiling = room_params.RoomParams(
        room_params.ARGON2ID,
        bytes(16),
        room_params.PBKDF2_CEILING,
        room_params.ARGON2ID_MAX_MEMORY_KIB,
        room_params.ARGON2ID_MAX_PASSES,
        room_params.MAX_LANES,
    )
    assert {cost: getattr(ceiling, cost) for cost in protocol.ROOM_COST_MAX} == protocol.ROOM_COST_MAX
    protocol.check_room_params(room_params.to_fields(room_params.choose()))
    protocol.check_room_params(room_params.to_fields(CHEAP))
    for bad in ({"name": "argon2id", "salt": "A" * 24, "memory_kib": 1, "passes": True, "lanes": 1}, [], None):
        with pytest.raises(protocol.ProtocolError):
            protocol.check_room_params(bad)


def test_s11_two_creators_at_once_end_up_with_one_key(start_server: StartServer, connect: Connect) -> None:
    """Both are told the room is new; the server keeps the first offer and tells the second what the room uses."""
    server = start_server("sealed")
    alice = connect(server, "alice", room="lab")
    first = stored_params(server, "lab")
    bob = connect(server, "bob")
    server.rules = NewOnce()
    bob.join("lab")
    assert eventually(lambda: bob.codec.keys.get("lab") == alice.codec.keys["lab"]), "bob kept a key of his own"  # type: ignore[attr-defined]
    assert stored_params(server, "lab") == first
    assert said(bob, alice, "one key after all").sender == "bob"


# --- S12: the check commits to the key ---


def test_s12_the_check_is_a_mac_no_other_key_matches() -> None:
    bound = room_params.binding("general", CHEAP)
    key = room_params.room_key(PASSWORD, "general", CHEAP)
    check = room_check.make_check(key, bound)
    assert room_check.matches(key, bound, check)
    others = [room_params.room_key(f"guess {n}", "general", CHEAP) for n in range(20)] + [os.urandom(32)]
    assert not any(room_check.matches(other, bound, check) for other in others)
    assert not room_check.matches(key, room_params.binding("lab", CHEAP), check)  # bound to the room too


def test_s12_a_server_that_swaps_in_its_own_check_is_caught(start_server: StartServer, connect: Connect) -> None:
    """The server keeps the parameters but swaps the check for one it made under a key of its own guess."""
    server = start_server("sealed")
    connect(server, "alice")
    params = stored_params(server, "general")
    guess = room_params.room_key("the server's guess", "general", params)
    forged = room_check.make_check(guess, room_params.binding("general", params))
    lie(server, check=protocol.b64(forged))
    with pytest.raises(Refused) as refused:
        connect(server, "bob")
    assert refused.value.code == "wrong_password"


# The old check, attacked: an AES-GCM tag does not commit to its key. Knowing two keys (say, derived from two
# passphrases it wants to test at once), whoever chooses the bytes solves one linear equation in GF(2^128) for a
# ciphertext block that makes one tag verify under both (the "invisible salamanders" / partitioning-oracle attacks).

GCM_R = 0xE1 << 120  # x^128 + x^7 + x^2 + x + 1, in GCM's reflected bit order (NIST SP 800-38D, algorithm 1)
GCM_ONE = 1 << 127


def gf_multiply(x: int, y: int) -> int:
    """Multiply two GCM field elements."""
    product, v = 0, y
    for bit in range(127, -1, -1):
        if x >> bit & 1:
            product ^= v
        v = (v >> 1) ^ GCM_R if v & 1 else v >> 1
    return product


def gf_inverse(x: int) -> int:
    """Invert a non-zero GCM field element: x^(2^128 - 2)."""
    result, power, exponent = GCM_ONE, x, 2**128 - 2
    while exponent:
        if exponent & 1:
            result = gf_multiply(result, power)
        power, exponent = gf_multiply(power, power), exponent >> 1
    return result


def aes_block(key: bytes, block: bytes) -> int:
    """Encrypt one block with AES under key, as a field element."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return int.from_bytes(encryptor.update(block) + encryptor.finalize(), "big")


def pad(raw: bytes) -> bytes:
    """Pad bytes with zeros to whole 16-byte blocks."""
    return raw + bytes(-len(raw) % 16)


def ghash_blocks(h: int, data: bytes, ciphertext: bytes) -> int:
    """GHASH over the associated data and ciphertext, each zero-padded to blocks, then the length block."""
    lengths = (len(data) * 8).to_bytes(8, "big") + (len(ciphertext) * 8).to_bytes(8, "big")
    blocks, total = pad(data) + pad(ciphertext) + lengths, 0
    for start in range(0, len(blocks), 16):
        total = gf_multiply(total ^ int.from_bytes(blocks[start : start + 16], "big"), h)
    return total


def gcm_check_for_two_keys(first: bytes, second: bytes, nonce: bytes, data: bytes) -> bytes:
    """Return one ciphertext block and a tag that AES-GCM accepts under both keys, with this nonce and data."""
    counter0 = nonce + (1).to_bytes(4, "big")
    h1, h2 = aes_block(first, bytes(16)), aes_block(second, bytes(16))
    constant = aes_block(first, counter0) ^ aes_block(second, counter0)
    constant ^= ghash_blocks(h1, data, bytes(16)) ^ ghash_blocks(h2, data, bytes(16))
    block = gf_multiply(constant, gf_inverse(gf_multiply(h1, h1) ^ gf_multiply(h2, h2)))  # the block's weight is H^2
    ciphertext = block.to_bytes(16, "big")
    tag = aes_block(first, counter0) ^ ghash_blocks(h1, data, ciphertext)
    return ciphertext + tag.to_bytes(16, "big")


def test_s12_an_aes_gcm_check_opens_under_two_passphrases_and_the_mac_check_does_not() -> None:
    """The attack on the old check works on the primitive; the check the kit uses now matches one key only."""
    right, guess = (room_params.room_key(word, "general", CHEAP) for word in (PASSWORD, "a passphrase guessed"))
    nonce, data = bytes(12), labels.ROOM_CHECK_AD + b"general"
    crafted = gcm_check_for_two_keys(right, guess, nonce, data)
    for key in (right, guess):  # the old client opened the check and asked nothing more: both keys "pass"
        sealed.open_sealed(key, nonce, crafted, labels.ROOM_CHECK_AD, b"general")
    bound = room_params.binding("general", CHEAP)
    assert not room_check.matches(guess, bound, room_check.make_check(right, bound))
