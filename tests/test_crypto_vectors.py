"""Known-answer tests: the kit's crypto gives the outputs published in standards, byte for byte.

A round trip only shows that decrypt undoes encrypt; a published vector shows the primitive is the one its name
claims. Each vector below names the document it comes from.
"""

import pytest

from chatkit.crypto import classic, kdf, sealed, signing
from chatkit.crypto.errors import CannotDecrypt

# --- PBKDF2-HMAC-SHA256 ---
# RFC 6070 gives PBKDF2-HMAC-SHA1 vectors only; the same inputs with SHA-256 are the widely published set
# ("PBKDF2-HMAC-SHA2 test vectors", Stack Overflow question 5130513, answers cross-checked by several implementations).
# The two 64-byte cases are from RFC 7914 (scrypt), section 11, which specifies PBKDF2-HMAC-SHA256 vectors.
PBKDF2_VECTORS = [
    (b"password", b"salt", 1, 32, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
    (b"password", b"salt", 2, 32, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"),
    (b"password", b"salt", 4096, 32, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
    (
        b"passwordPASSWORDpassword",
        b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
        4096,
        40,
        "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9",
    ),
    (b"pass\x00word", b"sa\x00lt", 4096, 16, "89b69d0516f829893c696226650a8687"),
    (
        b"passwd",
        b"salt",
        1,
        64,
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    ),
    (
        b"Password",
        b"NaCl",
        80000,
        64,
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
    ),
]


@pytest.mark.parametrize(("password", "salt", "iterations", "length", "expected"), PBKDF2_VECTORS)
def test_pbkdf2_sha256_matches_published_vectors(
    password: bytes, salt: bytes, iterations: int, length: int, expected: str
) -> None:
    assert kdf.pbkdf2_sha256(password, salt, iterations, length).hex() == expected


# --- AES-256-CBC ---
# NIST SP 800-38A (2001), Appendix F.2.5 CBC-AES256.Encrypt and F.2.6 CBC-AES256.Decrypt (the same four blocks).
CBC_KEY = bytes.fromhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
CBC_IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
CBC_PLAINTEXT = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a"
    "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef"
    "f69f2445df4f9b17ad2b417be66c3710"
)
CBC_CIPHERTEXT = bytes.fromhex(
    "f58c4c04d6e5f1ba779eabfb5f7bfbd6"
    "9cfc4e967edb808d679f777bc6702c7d"
    "39f23369a9d9bacfa530e26304231461"
    "b2eb05e2c39be9fcda6c19078c6a9d1b"
)


def test_aes256_cbc_encrypt_matches_sp800_38a_f25() -> None:
    assert classic.cbc_encrypt_raw(CBC_KEY, CBC_IV, CBC_PLAINTEXT) == CBC_CIPHERTEXT


def test_aes256_cbc_decrypt_matches_sp800_38a_f26() -> None:
    assert classic.cbc_decrypt_raw(CBC_KEY, CBC_IV, CBC_CIPHERTEXT) == CBC_PLAINTEXT


def test_aes256_cbc_first_block_alone_matches_sp800_38a() -> None:
    # CBC chains forwards: the first ciphertext block depends only on the IV and the first plaintext block.
    assert classic.cbc_encrypt_raw(CBC_KEY, CBC_IV, CBC_PLAINTEXT[:16]) == CBC_CIPHERTEXT[:16]


# --- AES-256-GCM ---
# McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005 submission to NIST,
# Appendix B, test cases 13-16 (the 256-bit key cases). Case 16 has associated data.
GCM_KEY_13_14 = bytes(32)
GCM_KEY_15_16 = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
GCM_IV_15_16 = bytes.fromhex("cafebabefacedbaddecaf888")
GCM_PLAINTEXT_15 = bytes.fromhex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
)
GCM_CIPHERTEXT_15 = bytes.fromhex(
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
)
GCM_AAD_16 = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")

GCM_VECTORS = [
    pytest.param(GCM_KEY_13_14, bytes(12), b"", b"", b"", "530f8afbc74536b9a963b4f1c4cb738b", id="case13"),
    pytest.param(
        GCM_KEY_13_14,
        bytes(12),
        bytes(16),
        b"",
        bytes.fromhex("cea7403d4d606b6e074ec5d3baf39d18"),
        "d0d1c8a799996bf0265b98b5d48ab919",
        id="case14",
    ),
    pytest.param(
        GCM_KEY_15_16,
        GCM_IV_15_16,
        GCM_PLAINTEXT_15,
        b"",
        GCM_CIPHERTEXT_15,
        "b094dac5d93471bdec1a502270e3cc6c",
        id="case15",
    ),
    pytest.param(
        GCM_KEY_15_16,
        GCM_IV_15_16,
        GCM_PLAINTEXT_15[:60],  # case 16 drops the last 4 bytes of case 15's plaintext
        GCM_AAD_16,
        GCM_CIPHERTEXT_15[:60],
        "76fc6ece0f4e1768cddf8853bb2d551b",
        id="case16-with-aad",
    ),
]


@pytest.mark.parametrize(("key", "nonce", "plaintext", "associated", "ciphertext", "tag"), GCM_VECTORS)
def test_aes256_gcm_encrypt_matches_gcm_spec(
    key: bytes, nonce: bytes, plaintext: bytes, associated: bytes, ciphertext: bytes, tag: str
) -> None:
    assert sealed.gcm_encrypt(key, nonce, plaintext, associated) == ciphertext + bytes.fromhex(tag)


@pytest.mark.parametrize(("key", "nonce", "plaintext", "associated", "ciphertext", "tag"), GCM_VECTORS)
def test_aes256_gcm_decrypt_matches_gcm_spec(
    key: bytes, nonce: bytes, plaintext: bytes, associated: bytes, ciphertext: bytes, tag: str
) -> None:
    assert sealed.gcm_decrypt(key, nonce, ciphertext + bytes.fromhex(tag), associated) == plaintext


def test_aes256_gcm_case16_refuses_other_associated_data() -> None:
    # The published ciphertext and tag, opened with one changed byte of associated data, must fail (S2, S3).
    sealed_bytes = GCM_CIPHERTEXT_15[:60] + bytes.fromhex("76fc6ece0f4e1768cddf8853bb2d551b")
    changed = GCM_AAD_16[:-1] + bytes([GCM_AAD_16[-1] ^ 1])
    with pytest.raises(CannotDecrypt):
        sealed.gcm_decrypt(GCM_KEY_15_16, GCM_IV_15_16, sealed_bytes, changed)


# --- HKDF-SHA256 ---
# RFC 5869, Appendix A.1, test case 1 (basic test case with SHA-256).
def test_hkdf_sha256_matches_rfc5869_case1() -> None:
    ikm = bytes([0x0B] * 22)
    salt = bytes(range(0x00, 0x0D))
    info = bytes(range(0xF0, 0xFA))
    expected = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    assert kdf.hkdf_sha256(ikm, info, salt, length=42).hex() == expected


# --- Ed25519 ---
# RFC 8032, section 7.1, TEST 1 (the empty message).
ED25519_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
ED25519_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
ED25519_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
    "d25bf5f0595bbe24655141438e7a100b"
)


def test_ed25519_public_key_matches_rfc8032_test1() -> None:
    identity = signing.identity_from_seed(ED25519_SECRET)
    assert signing.public_bytes(identity) == ED25519_PUBLIC


def test_ed25519_signature_matches_rfc8032_test1() -> None:
    # With an empty label, sign() signs the message itself, so the published signature must come out.
    identity = signing.identity_from_seed(ED25519_SECRET)
    assert signing.sign(identity, b"", b"") == ED25519_SIGNATURE
    signing.verify(ED25519_PUBLIC, ED25519_SIGNATURE, b"", b"")
