"""How the crypto layer behaves: round trips, failures, and the classic mode's weaknesses shown to be real."""

import base64
import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatkit.crypto import CANNOT_DECRYPT, classic, kdf, labels, lengths, room_params, sealed, signing
from chatkit.crypto.errors import BadPadding, BadSignature, CannotDecrypt

KEY = bytes(range(32))  # a fixed key keeps tests fast and repeatable; the KDF has its own tests
OTHER_KEY = bytes(range(1, 33))
FIXED_IV = bytes(16)
HEADER = b'["general","alice",1,1700000000.5]'
PROPERTY = settings(deadline=None)  # a slow example on a busy machine is not a failure


def flip_bit(data: bytes, bit: int) -> bytes:
    """Return data with one bit inverted (bit 0 is the lowest bit of the first byte)."""
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def classic_token(key: bytes, iv: bytes, plaintext: bytes) -> str:
    """Build a classic token under a chosen IV, so a test does not depend on chance."""
    return base64.b64encode(iv + classic.cbc_encrypt_raw(key, iv, classic.pad(plaintext))).decode()


# --- the classic cipher ---


def test_classic_round_trip() -> None:
    assert classic.decrypt(KEY, classic.encrypt(KEY, "hello, room")) == "hello, room"


@PROPERTY
@given(st.text(max_size=300))
def test_classic_round_trip_of_any_text(text: str) -> None:
    assert classic.decrypt(KEY, classic.encrypt(KEY, text)) == text


def test_classic_uses_a_fresh_iv_each_time() -> None:
    tokens = [classic.encrypt(KEY, "same text") for _ in range(20)]
    ivs = {base64.b64decode(token)[:16] for token in tokens}
    assert len(set(tokens)) == 20 and len(ivs) == 20


def test_classic_token_is_iv_plus_padded_blocks() -> None:
    # 16 bytes of text still get a whole block of padding, so the ciphertext is IV + 2 blocks.
    assert len(base64.b64decode(classic.encrypt(KEY, "x" * 16))) == 16 + 32
    assert len(base64.b64decode(classic.encrypt(KEY, ""))) == 16 + 16


def test_classic_length_leaks_the_plaintext_length() -> None:
    # The weakness "lengths are visible": a short answer and a long one are told apart without the key.
    short, long = classic.encrypt(KEY, "yes"), classic.encrypt(KEY, "I will be there at nine tonight")
    assert len(base64.b64decode(short)) < len(base64.b64decode(long))


def test_classic_wrong_key_cannot_decrypt() -> None:
    token = classic_token(KEY, FIXED_IV, b"meet at noon")
    assert classic.decrypt(KEY, token) == "meet at noon"
    with pytest.raises(CannotDecrypt, match="could not decrypt"):
        classic.decrypt(OTHER_KEY, token)


def test_bad_padding_is_a_kind_of_cannot_decrypt() -> None:
    assert issubclass(BadPadding, CannotDecrypt)
    with pytest.raises(BadPadding, match="bad padding"):
        classic.unpad(b"A" * 15 + b"\x00")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not base64 at all!", "not base64"),
        ("QUJD*", "not base64"),
        (base64.b64encode(bytes(16)).decode(), "16 bytes is not an IV plus whole 16-byte blocks"),
        (base64.b64encode(bytes(31)).decode(), "31 bytes is not an IV plus whole 16-byte blocks"),
        (base64.b64encode(bytes(40)).decode(), "40 bytes is not an IV plus whole 16-byte blocks"),
        ("", "0 bytes is not an IV plus whole 16-byte blocks"),
    ],
)
def test_classic_malformed_token_says_what_is_wrong(token: str, message: str) -> None:
    with pytest.raises(CannotDecrypt, match=re.escape(message)):
        classic.decrypt(KEY, token)


def test_classic_plaintext_that_is_not_utf8_cannot_decrypt() -> None:
    token = classic_token(KEY, FIXED_IV, b"\xff\xfe not text")
    with pytest.raises(CannotDecrypt, match="not UTF-8"):
        classic.decrypt(KEY, token)


def test_classic_key_is_pbkdf2_with_the_static_salt() -> None:
    # The original design: PBKDF2-HMAC-SHA256, salt b"static_salt_1234", 100,000 iterations, 32 bytes.
    # hashlib is an independent implementation, so this also checks kdf.pbkdf2_sha256 itself.
    expected = hashlib.pbkdf2_hmac("sha256", b"hunter2", b"static_salt_1234", 100_000, 32)
    assert kdf.classic_key("hunter2") == expected
    assert kdf.pbkdf2_sha256(b"hunter2", kdf.CLASSIC_SALT, kdf.CLASSIC_ITERATIONS) == expected


def test_classic_key_is_the_same_everywhere_for_the_same_password() -> None:
    # The static salt's weakness: one precomputed table of keys serves every deployment.
    assert kdf.classic_key("hunter2", iterations=1000) == kdf.classic_key("hunter2", iterations=1000)


def test_cbc_bit_flip_in_the_iv_changes_the_first_block_as_chosen() -> None:
    # No MAC: flipping IV bits flips the same bits of the first plaintext block, and decryption still succeeds.
    token = base64.b64decode(classic.encrypt(KEY, "pay alice 100 EUR"))
    forged = bytearray(token)
    forged[10] ^= ord("1") ^ ord("9")  # IV byte 10 lines up with text byte 10, the "1" of "100"
    assert classic.decrypt(KEY, base64.b64encode(bytes(forged)).decode()) == "pay alice 900 EUR"


def test_cbc_bit_flip_in_a_block_changes_the_next_block_as_chosen() -> None:
    # Flipping a byte of ciphertext block 1 garbles plaintext block 1 and flips the same byte of block 2.
    plaintext = b"transfer to bob:" + b"amount 100 euros"
    ciphertext = bytearray(classic.cbc_encrypt_raw(KEY, FIXED_IV, classic.pad(plaintext)))
    ciphertext[7] ^= ord("1") ^ ord("9")
    changed = classic.unpad(classic.cbc_decrypt_raw(KEY, FIXED_IV, bytes(ciphertext)))
    assert changed[16:] == b"amount 900 euros"
    assert changed[:16] != plaintext[:16]


# --- the sealed cipher ---


def test_sealed_round_trip() -> None:
    nonce, ciphertext = sealed.seal(KEY, b"hello", labels.MESSAGE_AD, HEADER)
    assert len(nonce) == sealed.NONCE_BYTES
    assert len(ciphertext) == len(b"hello") + 16  # ciphertext || 16-byte tag
    assert sealed.open_sealed(KEY, nonce, ciphertext, labels.MESSAGE_AD, HEADER) == b"hello"


@PROPERTY
@given(st.binary(max_size=300), st.binary(max_size=100))
def test_sealed_round_trip_of_any_bytes(plaintext: bytes, header: bytes) -> None:
    nonce, ciphertext = sealed.seal(KEY, plaintext, labels.MESSAGE_AD, header)
    assert sealed.open_sealed(KEY, nonce, ciphertext, labels.MESSAGE_AD, header) == plaintext


def test_sealed_uses_a_fresh_nonce_each_time() -> None:
    nonces = {sealed.seal(KEY, b"same", labels.MESSAGE_AD, HEADER)[0] for _ in range(50)}
    assert len(nonces) == 50


def test_sealed_any_single_bit_flip_is_detected() -> None:
    # Every bit of nonce, ciphertext, tag and header, one at a time (S2, S3): none opens, all fail alike (S7).
    nonce, ciphertext = sealed.seal(KEY, b"meet at noon", labels.MESSAGE_AD, HEADER)
    parts = {"nonce": nonce, "ciphertext": ciphertext, "header": HEADER}
    messages = set()
    for part, value in parts.items():
        for bit in range(len(value) * 8):
            changed = {**parts, part: flip_bit(value, bit)}
            with pytest.raises(CannotDecrypt) as caught:
                sealed.open_sealed(KEY, changed["nonce"], changed["ciphertext"], labels.MESSAGE_AD, changed["header"])
            messages.add(str(caught.value))
    assert messages == {CANNOT_DECRYPT}


def test_sealed_tag_bit_flip_is_detected() -> None:
    nonce, ciphertext = sealed.seal(KEY, b"meet at noon", labels.MESSAGE_AD, HEADER)
    body, tag = ciphertext[:-16], ciphertext[-16:]
    for bit in range(128):
        with pytest.raises(CannotDecrypt):
            sealed.open_sealed(KEY, nonce, body + flip_bit(tag, bit), labels.MESSAGE_AD, HEADER)


@pytest.mark.parametrize("cut", [1, 16, 28])
def test_sealed_truncated_ciphertext_cannot_decrypt(cut: int) -> None:
    nonce, ciphertext = sealed.seal(KEY, b"meet at noon", labels.MESSAGE_AD, HEADER)
    with pytest.raises(CannotDecrypt):
        sealed.open_sealed(KEY, nonce, ciphertext[:-cut], labels.MESSAGE_AD, HEADER)


def test_sealed_wrong_key_cannot_decrypt() -> None:
    nonce, ciphertext = sealed.seal(KEY, b"meet at noon", labels.MESSAGE_AD, HEADER)
    with pytest.raises(CannotDecrypt, match="wrong password or tampered message"):
        sealed.open_sealed(OTHER_KEY, nonce, ciphertext, labels.MESSAGE_AD, HEADER)


def test_sealed_wrong_label_cannot_decrypt() -> None:
    # S8: a room check made under its own label is not accepted as a chat message, nor the other way round.
    nonce, ciphertext = sealed.seal(KEY, b"check", labels.ROOM_CHECK_AD, HEADER)
    with pytest.raises(CannotDecrypt):
        sealed.open_sealed(KEY, nonce, ciphertext, labels.MESSAGE_AD, HEADER)
    nonce, ciphertext = sealed.seal(KEY, b"hello", labels.MESSAGE_AD, HEADER)
    with pytest.raises(CannotDecrypt):
        sealed.open_sealed(KEY, nonce, ciphertext, labels.ROOM_CHECK_AD, HEADER)


def test_sealed_nonce_of_the_wrong_size_cannot_decrypt() -> None:
    nonce, ciphertext = sealed.seal(KEY, b"hello", labels.MESSAGE_AD, HEADER)
    with pytest.raises(CannotDecrypt):
        sealed.open_sealed(KEY, nonce[:8], ciphertext, labels.MESSAGE_AD, HEADER)
    with pytest.raises(CannotDecrypt):
        sealed.open_sealed(KEY, b"", ciphertext, labels.MESSAGE_AD, HEADER)


def test_labels_are_distinct_and_none_is_a_prefix_of_another() -> None:
    every = [value for name, value in vars(labels).items() if name.isupper()]
    assert len(every) == len(set(every)) >= 7
    assert all(label.endswith(b"\x00") for label in every)
    assert not any(a != b and b.startswith(a) for a in every for b in every)


# --- key derivation ---


def pbkdf2_params(salt: bytes, iterations: int = 1000) -> room_params.RoomParams:
    """Cheap PBKDF2 room parameters (a test asks for them explicitly)."""
    return room_params.RoomParams(room_params.PBKDF2, salt, iterations=iterations)


def test_room_key_is_32_bytes_and_repeatable() -> None:
    params = pbkdf2_params(bytes(16))
    key = room_params.room_key("passphrase", "general", params)
    assert len(key) == kdf.KEY_BYTES == 32
    assert room_params.room_key("passphrase", "general", params) == key


def test_room_keys_differ_per_salt_room_passphrase_and_parameters() -> None:
    salt_a, salt_b = bytes(16), bytes([1] * 16)
    keys = {
        room_params.room_key("passphrase", "general", pbkdf2_params(salt_a)),
        room_params.room_key("passphrase", "general", pbkdf2_params(salt_b)),
        room_params.room_key("passphrase", "random", pbkdf2_params(salt_a)),
        room_params.room_key("other phrase", "general", pbkdf2_params(salt_a)),
        room_params.room_key("passphrase", "general", pbkdf2_params(salt_a, 1001)),
    }
    assert len(keys) == 5


def test_room_key_is_the_chosen_kdf_then_hkdf_labelled_with_room_and_parameters() -> None:
    salt = bytes(range(16))
    stretched = hashlib.pbkdf2_hmac("sha256", b"passphrase", salt, 1000, 32)
    params = pbkdf2_params(salt)
    bound = b'["general",{"iterations":1000,"name":"pbkdf2-sha256","salt":"AAECAwQFBgcICQoLDA0ODw=="}]'
    assert room_params.binding("general", params) == bound
    expected = kdf.hkdf_sha256(stretched, labels.ROOM_KEY + bound)
    assert room_params.room_key("passphrase", "general", params) == expected
    argon = room_params.RoomParams(room_params.ARGON2ID, salt, memory_kib=8, passes=1, lanes=1)
    memory_hard = kdf.argon2id_key(b"passphrase", salt, 8, 1, 1)
    assert room_params.room_key("passphrase", "general", argon) == kdf.hkdf_sha256(
        memory_hard, labels.ROOM_KEY + room_params.binding("general", argon)
    )


def test_sealed_default_iterations_meet_owasp() -> None:
    assert kdf.SEALED_ITERATIONS >= 600_000  # S5


def test_new_salt_is_random_and_16_bytes() -> None:
    salts = {kdf.new_salt() for _ in range(20)}
    assert len(salts) == 20 and all(len(salt) == kdf.SALT_BYTES == 16 for salt in salts)


def test_hkdf_info_separates_purposes() -> None:
    secret = bytes(32)
    assert kdf.hkdf_sha256(secret, labels.ROOM_KEY) != kdf.hkdf_sha256(secret, labels.HYBRID_KDF)


def test_argon2id_gives_32_bytes_that_depend_on_salt() -> None:
    first = kdf.argon2id_key(b"password", bytes(16))
    assert len(first) == 32
    assert kdf.argon2id_key(b"password", bytes(16)) == first
    assert kdf.argon2id_key(b"password", bytes([1] * 16)) != first


def test_scrypt_gives_32_bytes_that_depend_on_salt() -> None:
    first = kdf.scrypt_key(b"password", bytes(16), n=2**10)
    assert len(first) == 32
    assert kdf.scrypt_key(b"password", bytes(16), n=2**10) == first
    assert kdf.scrypt_key(b"password", bytes([1] * 16), n=2**10) != first
    assert len(kdf.scrypt_key(b"password", bytes(16))) == 32  # the default cost works too


# --- signatures ---


def test_signature_verifies_for_its_label_key_and_data() -> None:
    identity = signing.new_identity()
    signature = signing.sign(identity, labels.MESSAGE_SIGNATURE, b"data")
    assert len(signature) == signing.SIGNATURE_BYTES
    assert len(signing.public_bytes(identity)) == signing.PUBLIC_KEY_BYTES
    signing.verify(signing.public_bytes(identity), signature, labels.MESSAGE_SIGNATURE, b"data")


def test_signature_fails_with_another_label() -> None:
    identity = signing.new_identity()
    signature = signing.sign(identity, labels.MESSAGE_SIGNATURE, b"data")
    with pytest.raises(BadSignature, match="not signed by the claimed sender"):
        signing.verify(signing.public_bytes(identity), signature, labels.ROOM_CHECK_AD, b"data")


def test_signature_fails_with_another_key() -> None:
    signature = signing.sign(signing.new_identity(), labels.MESSAGE_SIGNATURE, b"data")
    with pytest.raises(BadSignature):
        signing.verify(signing.public_bytes(signing.new_identity()), signature, labels.MESSAGE_SIGNATURE, b"data")


def test_signature_fails_on_changed_data_or_signature() -> None:
    identity = signing.new_identity()
    public = signing.public_bytes(identity)
    signature = signing.sign(identity, labels.MESSAGE_SIGNATURE, b"data")
    with pytest.raises(BadSignature):
        signing.verify(public, signature, labels.MESSAGE_SIGNATURE, b"date")
    with pytest.raises(BadSignature):
        signing.verify(public, flip_bit(signature, 3), labels.MESSAGE_SIGNATURE, b"data")


@pytest.mark.parametrize("cut", [1, 32, 64])
def test_short_signature_is_a_bad_signature(cut: int) -> None:
    identity = signing.new_identity()
    signature = signing.sign(identity, labels.MESSAGE_SIGNATURE, b"data")
    with pytest.raises(BadSignature):
        signing.verify(signing.public_bytes(identity), signature[:-cut], labels.MESSAGE_SIGNATURE, b"data")


@pytest.mark.parametrize("public", [b"", bytes(31), bytes(33)])
def test_malformed_public_key_is_a_bad_signature(public: bytes) -> None:
    signature = signing.sign(signing.new_identity(), labels.MESSAGE_SIGNATURE, b"data")
    with pytest.raises(BadSignature):
        signing.verify(public, signature, labels.MESSAGE_SIGNATURE, b"data")


def test_fingerprint_is_four_groups_of_five_hex_digits() -> None:
    public = signing.public_bytes(signing.new_identity())
    printed = signing.fingerprint(public)
    assert re.fullmatch(r"[0-9a-f]{5}( [0-9a-f]{5}){3}", printed)
    assert printed.replace(" ", "") == hashlib.sha256(public).hexdigest()[:20]
    assert signing.fingerprint(public) == printed
    assert signing.fingerprint(signing.public_bytes(signing.new_identity())) != printed


@pytest.mark.parametrize("size", [0, 1, 30, 31, 32, 33, 100])
def test_length_padding_round_trips_to_whole_buckets(size: int) -> None:
    data = bytes(range(size % 7)) * (size // 7) + bytes(size % 7)  # ends in zero bytes sometimes, on purpose
    padded = lengths.pad_to_bucket(data)
    assert len(padded) % lengths.BUCKET_BYTES == 0 and len(padded) > len(data)
    assert lengths.unpad_bucket(padded) == data


def test_short_answers_pad_to_the_same_length() -> None:
    assert len(lengths.pad_to_bucket(b"yes")) == len(lengths.pad_to_bucket(b"no")) == lengths.BUCKET_BYTES


def test_padding_without_its_marker_is_refused() -> None:
    with pytest.raises(CannotDecrypt):
        lengths.unpad_bucket(bytes(32))
