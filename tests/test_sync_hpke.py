"""HPKE as used by bundles, checked against RFC 9180.

Bundles use ``cryptography``'s native HPKE (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM,
base mode, single shot). RFC 9180 Appendix A has no vector for exactly that suite, so:

1. a small reference implementation of RFC 9180 §4–5 written here from the RFC text reproduces
   Appendix A.1 (same KEM and KDF, AES-128-GCM) byte for byte: shared secret, key, nonce and
   ciphertext;
2. the native library opens the A.1 ciphertext;
3. with AES-256-GCM, what the reference seals the native library opens, and vice versa.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from carebook.sync.bundle_format import HPKE_SUITE_IDS

# RFC 9180 Appendix A.1.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, Base mode)
A1_INFO = bytes.fromhex("4f6465206f6e2061204772656369616e2055726e")
A1_SKEM = bytes.fromhex("52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736")
A1_PKEM = bytes.fromhex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431")
A1_SKRM = bytes.fromhex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8")
A1_PKRM = bytes.fromhex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d")
A1_SHARED_SECRET = bytes.fromhex("fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc")
A1_KEY = bytes.fromhex("4531685d41d65f03dc48f6b8302c05b0")
A1_BASE_NONCE = bytes.fromhex("56d890e5accaaf011cff4b7d")
A1_PT = bytes.fromhex("4265617574792069732074727574682c20747275746820626561757479")
A1_AAD = bytes.fromhex("436f756e742d30")
A1_CT = bytes.fromhex(
    "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
)

KEM_ID, KDF_ID = 0x0020, 0x0001


def _i2osp(n: int, width: int) -> bytes:
    return n.to_bytes(width, "big")


def _labeled_extract(salt: bytes, suite_id: bytes, label: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, b"HPKE-v1" + suite_id + label + ikm, hashlib.sha256).digest()


def _labeled_expand(prk: bytes, suite_id: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled_info = _i2osp(length, 2) + b"HPKE-v1" + suite_id + label + info
    return HKDFExpand(hashes.SHA256(), length, labeled_info).derive(prk)


def _shared_secret(dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
    kem_suite = b"KEM" + _i2osp(KEM_ID, 2)
    prk = _labeled_extract(b"", kem_suite, b"eae_prk", dh)
    return _labeled_expand(prk, kem_suite, b"shared_secret", enc + pk_r, 32)


def _key_schedule(shared_secret: bytes, info: bytes, aead_id: int, nk: int) -> tuple[bytes, bytes]:
    suite = b"HPKE" + _i2osp(KEM_ID, 2) + _i2osp(KDF_ID, 2) + _i2osp(aead_id, 2)
    psk_id_hash = _labeled_extract(b"", suite, b"psk_id_hash", b"")
    info_hash = _labeled_extract(b"", suite, b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _labeled_extract(shared_secret, suite, b"secret", b"")
    return (
        _labeled_expand(secret, suite, b"key", context, nk),
        _labeled_expand(secret, suite, b"base_nonce", context, 12),
    )


def _raw(key: x25519.X25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _reference_seal(
    sk_e: bytes, pk_r: bytes, info: bytes, aad: bytes, pt: bytes, aead_id: int, nk: int
) -> bytes:
    eph = x25519.X25519PrivateKey.from_private_bytes(sk_e)
    enc = _raw(eph.public_key())
    dh = eph.exchange(x25519.X25519PublicKey.from_public_bytes(pk_r))
    key, nonce = _key_schedule(_shared_secret(dh, enc, pk_r), info, aead_id, nk)
    return enc + AESGCM(key).encrypt(nonce, pt, aad)


def _reference_open(sk_r: bytes, sealed: bytes, info: bytes, aead_id: int, nk: int) -> bytes:
    recipient = x25519.X25519PrivateKey.from_private_bytes(sk_r)
    enc, ct = sealed[:32], sealed[32:]
    dh = recipient.exchange(x25519.X25519PublicKey.from_public_bytes(enc))
    key, nonce = _key_schedule(_shared_secret(dh, enc, _raw(recipient.public_key())), info, aead_id, nk)
    return AESGCM(key).decrypt(nonce, ct, b"")


def test_reference_reproduces_rfc9180_a1() -> None:
    eph = x25519.X25519PrivateKey.from_private_bytes(A1_SKEM)
    assert _raw(eph.public_key()) == A1_PKEM
    dh = eph.exchange(x25519.X25519PublicKey.from_public_bytes(A1_PKRM))
    shared = _shared_secret(dh, A1_PKEM, A1_PKRM)
    assert shared == A1_SHARED_SECRET
    assert _key_schedule(shared, A1_INFO, 0x0001, 16) == (A1_KEY, A1_BASE_NONCE)
    assert _reference_seal(A1_SKEM, A1_PKRM, A1_INFO, A1_AAD, A1_PT, 0x0001, 16) == A1_PKEM + A1_CT


def test_native_hpke_opens_rfc9180_a1() -> None:
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_128_GCM)
    recipient = x25519.X25519PrivateKey.from_private_bytes(A1_SKRM)
    opened = rust_openssl.hpke._decrypt_with_aad(suite, A1_PKEM + A1_CT, recipient, info=A1_INFO, aad=A1_AAD)
    assert opened == A1_PT


def test_bundle_suite_agrees_with_the_reference_both_ways() -> None:
    assert HPKE_SUITE_IDS == {"mode": 0, "kem": 0x0020, "kdf": 0x0001, "aead": 0x0002}
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
    recipient = x25519.X25519PrivateKey.generate()
    pk_r = _raw(recipient.public_key())
    sk_r = recipient.private_bytes_raw()
    info = b"carebook bundle v1\x00" + bytes(range(32))
    message = "张小明 2026-11-29 入户走访".encode()

    sealed = _reference_seal(A1_SKEM, pk_r, info, b"", message, 0x0002, 32)
    assert suite.decrypt(sealed, recipient, info=info) == message

    native = suite.encrypt(message, recipient.public_key(), info=info)
    assert len(native) == 32 + len(message) + 16
    assert _reference_open(sk_r, native, info, 0x0002, 32) == message
