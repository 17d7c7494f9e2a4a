"""The bundle container on real files: round trip, and every refusal with its own error type."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from carebook.sync import bundle_format
from carebook.sync.bundle_files import inspect_bundle, read_bundle, write_bundle
from carebook.sync.bundle_format import (
    MAGIC,
    PREFIX_LENGTH,
    BundleHeader,
    compress,
    encode_container,
    inspect_bytes,
    open_bundle,
    parse_container,
    seal_bundle,
)
from carebook.sync.canonical_json import canonical_dumps
from carebook.sync.enrolment import make_enrolment_proof
from carebook.sync.errors import (
    BundleError,
    CorruptBundleError,
    DecryptionError,
    NewerFormatError,
    NotABundleError,
    PayloadCorruptError,
    SignatureInvalidError,
    TruncatedBundleError,
    UnknownSenderError,
    WrongRecipientError,
)
from carebook.sync.identity import InstallationKeys
from carebook.sync.peers import Peer
from sync_helpers import NOW, PAYLOAD, VILLAGE_CODE, World, make_world, seal_from_village


@pytest.fixture
def world() -> World:
    return make_world()


def _open(world: World, data: bytes) -> bytes:
    return open_bundle(data, my_keys=world.township, known_peers=[world.village_as_peer]).payload


@pytest.mark.parametrize("compression", ["zlib", "lzma"])
def test_round_trip_through_a_file(world: World, tmp_path: Path, compression: str) -> None:
    sealed = seal_from_village(world, compression=compression)  # type: ignore[arg-type]
    written = write_bundle(tmp_path, sealed, signer=world.village.public())
    assert [p.name for p in written.paths] == [f"cb-{VILLAGE_CODE}-1-40-{sealed.header.bundle_id[:8]}.cbk"]

    opened = read_bundle(written.paths[0], my_keys=world.township, known_peers=[world.village_as_peer])

    assert opened.payload == PAYLOAD
    assert opened.sender == world.village_as_peer
    assert opened.newly_enrolled is None
    header = opened.header
    assert header == sealed.header
    assert (header.seq_from, header.seq_to, header.acks) == (1, 40, {"township_seq": 17})
    assert header.payload_sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert header.created_at == NOW


def test_payload_is_not_readable_in_the_file(world: World, tmp_path: Path) -> None:
    secret_name = "王小丫"
    sealed = seal_from_village(world, payload=(secret_name * 50).encode(), compression="zlib")
    assert secret_name.encode() not in sealed.data
    assert compress((secret_name * 50).encode(), "zlib") not in sealed.data


def test_empty_payload_and_ack_only_bundle(world: World) -> None:
    sealed = seal_from_village(world, payload=b"", seq=None)
    opened = open_bundle(sealed.data, my_keys=world.township, known_peers=[world.village_as_peer])
    assert opened.payload == b""
    assert (opened.header.seq_from, opened.header.seq_to) == (None, None)


def test_return_bundle_township_to_village(world: World) -> None:
    sealed = seal_bundle(
        b"corrections",
        sender=world.township,
        sender_code="330102001",
        recipient=world.village_as_peer,
        seq_from=5,
        seq_to=9,
        counts={"changes": 5},
        schema_version="0001_initial",
        acks={"village_seq": 40},
    )
    opened = open_bundle(sealed.data, my_keys=world.village, known_peers=[world.township_as_peer])
    assert opened.payload == b"corrections"
    assert opened.header.acks == {"village_seq": 40}


@pytest.mark.parametrize("cut", ["empty", "in_magic", "in_prefix", "in_header", "in_payload", "in_signature"])
def test_truncated_bundle_is_refused(world: World, tmp_path: Path, cut: str) -> None:
    data = seal_from_village(world).data
    header_length = struct.unpack_from(">I", data, len(MAGIC) + 2)[0]
    at = {
        "empty": 0,
        "in_magic": 5,
        "in_prefix": len(MAGIC) + 3,
        "in_header": PREFIX_LENGTH + header_length // 2,
        "in_payload": len(data) - 200,
        "in_signature": len(data) - 1,
    }[cut]
    path = tmp_path / "cut.cbk"
    path.write_bytes(data[:at])
    with pytest.raises(TruncatedBundleError) as info:
        read_bundle(path, my_keys=world.township, known_peers=[world.village_as_peer])
    assert "不完整" in info.value.message_zh


def test_extra_bytes_after_the_signature_are_refused(world: World) -> None:
    with pytest.raises(CorruptBundleError):
        _open(world, seal_from_village(world).data + b"\x00")


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


def test_flipped_byte_in_the_header_breaks_the_signature(world: World) -> None:
    data = seal_from_village(world).data
    offset = data.index(b"0001_initial") + 3  # still valid JSON, still a valid header
    with pytest.raises(SignatureInvalidError) as info:
        _open(world, _flip(data, offset))
    assert "签名无效" in info.value.message_zh


def test_flipped_byte_in_the_header_structure_is_corrupt(world: World) -> None:
    data = seal_from_village(world).data
    with pytest.raises(CorruptBundleError):
        _open(world, _flip(data, PREFIX_LENGTH))  # the opening brace


def test_flipped_byte_in_the_payload_breaks_the_signature(world: World) -> None:
    data = seal_from_village(world).data
    with pytest.raises(SignatureInvalidError):
        _open(world, _flip(data, len(data) - 100))


def test_flipped_byte_in_the_signature(world: World) -> None:
    data = seal_from_village(world).data
    with pytest.raises(SignatureInvalidError):
        _open(world, _flip(data, len(data) - 10))


def test_flipped_payload_length_is_truncation_or_corruption(world: World) -> None:
    data = seal_from_village(world).data
    header_length = struct.unpack_from(">I", data, len(MAGIC) + 2)[0]
    length_offset = PREFIX_LENGTH + header_length + 7
    with pytest.raises((TruncatedBundleError, CorruptBundleError)):
        _open(world, _flip(data, length_offset))


def test_signed_by_an_unenrolled_key_is_refused(world: World) -> None:
    stranger = InstallationKeys.generate()
    sealed = seal_bundle(
        PAYLOAD,
        sender=stranger,
        sender_code=VILLAGE_CODE,
        recipient=world.township_as_peer,
        seq_from=1,
        seq_to=1,
        counts={},
        schema_version="0001_initial",
        acks={},
    )
    with pytest.raises(UnknownSenderError) as info:
        _open(world, sealed.data)
    assert "未登记" in info.value.message_zh


def test_forged_with_the_villages_installation_id_but_another_key(world: World) -> None:
    forger = InstallationKeys(
        installation_id=world.village.installation_id,
        signing_key=InstallationKeys.generate().signing_key,
        encryption_key=world.village.encryption_key,
    )
    sealed = seal_bundle(
        PAYLOAD,
        sender=forger,
        sender_code=VILLAGE_CODE,
        recipient=world.township_as_peer,
        seq_from=1,
        seq_to=1,
        counts={},
        schema_version="0001_initial",
        acks={},
    )
    with pytest.raises(UnknownSenderError):
        _open(world, sealed.data)


def test_retired_peer_is_refused(world: World) -> None:
    sealed = seal_from_village(world)
    from carebook.sync.errors import SenderRetiredError

    with pytest.raises(SenderRetiredError) as info:  # its own message: the PC was replaced
        open_bundle(sealed.data, my_keys=world.township, known_peers=[world.village_as_peer.retire()])
    assert "更换" in info.value.message_zh
    tampered = bytearray(sealed.data)
    tampered[-1] ^= 1
    with pytest.raises(SignatureInvalidError):  # a forged one is not told apart by the claim alone
        open_bundle(bytes(tampered), my_keys=world.township, known_peers=[world.village_as_peer.retire()])
    from carebook.sync.bundle_format import inspect_bytes

    assert inspect_bytes(sealed.data, known_peers=[world.village_as_peer.retire()]).signature == "retired"
    assert inspect_bytes(bytes(tampered), known_peers=[world.village_as_peer.retire()]).signature == "invalid"


def test_addressed_to_another_township_is_refused(world: World) -> None:
    other_township = InstallationKeys.generate()
    sealed = seal_from_village(world)
    with pytest.raises(WrongRecipientError) as info:
        open_bundle(sealed.data, my_keys=other_township, known_peers=[world.village_as_peer])
    assert "另一个乡镇" in info.value.message_zh
    # and when the sender is unknown there too, the message is still the clearer one
    with pytest.raises(WrongRecipientError):
        open_bundle(sealed.data, my_keys=other_township, known_peers=[])


def test_newer_format_version_is_refused(world: World, tmp_path: Path) -> None:
    data = bytearray(seal_from_village(world).data)
    data[len(MAGIC) : len(MAGIC) + 2] = struct.pack(">H", 2)
    path = tmp_path / "future.cbk"
    path.write_bytes(bytes(data))
    with pytest.raises(NewerFormatError) as info:
        read_bundle(path, my_keys=world.township, known_peers=[world.village_as_peer])
    assert (info.value.found, info.value.supported) == (2, 1)
    assert "升级" in info.value.message_zh
    with pytest.raises(NewerFormatError):
        inspect_bundle(path)


def test_not_a_bundle(world: World, tmp_path: Path) -> None:
    path = tmp_path / "photo.cbk"
    path.write_bytes(b"\xff\xd8\xff\xe0 a JPEG, not a bundle" * 10)
    with pytest.raises(NotABundleError):
        read_bundle(path, my_keys=world.township, known_peers=[world.village_as_peer])


def _container_with(world: World, header: BundleHeader, compressed: bytes) -> bytes:
    return encode_container(
        canonical_dumps(header.to_json_obj()),
        compressed,
        world.village,
        world.township.public().encryption_public_key,
    )


def test_payload_hash_mismatch_is_refused(world: World) -> None:
    header = seal_from_village(world).header
    other = b"not what the header says" * 10
    lying = BundleHeader(**{**header.__dict__, "payload_size": len(other)})
    with pytest.raises(PayloadCorruptError) as info:
        _open(world, _container_with(world, lying, compress(other, "zlib")))
    assert "SHA-256" in info.value.message_en


def test_payload_bigger_than_declared_is_refused(world: World) -> None:
    header = seal_from_village(world).header
    bomb = compress(b"\x00" * 10_000_000, "zlib")
    with pytest.raises(PayloadCorruptError):
        _open(world, _container_with(world, header, bomb))


def test_payload_that_does_not_decompress_is_refused(world: World) -> None:
    header = seal_from_village(world).header
    with pytest.raises(PayloadCorruptError):
        _open(world, _container_with(world, header, b"garbage, not zlib"))


def test_ciphertext_for_another_key_fails_decryption(world: World) -> None:
    """A sender that encrypted to a stale key but addressed the header to the current one."""
    header = seal_from_village(world).header
    data = encode_container(
        canonical_dumps(header.to_json_obj()),
        compress(PAYLOAD, "zlib"),
        world.village,
        InstallationKeys.generate().public().encryption_public_key,
    )
    with pytest.raises(DecryptionError):
        _open(world, data)


def test_header_swap_between_bundles_fails_decryption(world: World) -> None:
    """The header is bound into HPKE's info: a re-signed bundle with another header cannot be
    decrypted (what an insider re-signing someone else's ciphertext would produce)."""
    first = seal_from_village(world)
    raw = parse_container(first.data)
    changed = BundleHeader(**{**first.header.__dict__, "schema_version": "0002"})
    header_bytes = canonical_dumps(changed.to_json_obj())
    prefix = MAGIC + struct.pack(">HI", 1, len(header_bytes)) + header_bytes
    signed = prefix + struct.pack(">Q", len(raw.ciphertext)) + raw.ciphertext
    data = signed + world.village.signing_key.sign(signed)
    with pytest.raises(DecryptionError):
        _open(world, data)


def test_inspect_without_keys(world: World, tmp_path: Path) -> None:
    written = write_bundle(tmp_path, seal_from_village(world), signer=world.village.public())
    unknown = inspect_bundle(written.paths[0])
    assert unknown.signature == "unknown_sender"
    assert unknown.header.sender_code == VILLAGE_CODE
    known = inspect_bundle(written.paths[0], known_peers=[world.village_as_peer])
    assert known.signature == "valid"
    assert known.to_json_obj()["header"]["seq"] == {"from": 1, "to": 40}
    flipped = tmp_path / "flipped.cbk"
    data = written.paths[0].read_bytes()
    flipped.write_bytes(_flip(data, len(data) - 30))
    assert inspect_bundle(flipped, known_peers=[world.village_as_peer]).signature == "invalid"


def test_first_bundle_with_enrolment_proof_pins_the_village(world: World) -> None:
    proof = make_enrolment_proof(world.enrolment, world.village)
    sealed = seal_bundle(
        PAYLOAD,
        sender=world.village,
        sender_code=VILLAGE_CODE,
        recipient=world.township_as_peer,
        seq_from=1,
        seq_to=40,
        counts={},
        schema_version="0001_initial",
        acks={},
        enrolment=proof,
        created_at=NOW,
    )
    pending = world.enrolment.pending()
    assert inspect_bytes(sealed.data).signature == "valid_enrolment_key"
    with pytest.raises(UnknownSenderError):  # the township has no pending enrolment for it
        open_bundle(sealed.data, my_keys=world.township, known_peers=[])

    opened = open_bundle(sealed.data, my_keys=world.township, known_peers=[], pending_enrolments=[pending])

    assert opened.payload == PAYLOAD
    assert opened.newly_enrolled is not None
    assert opened.newly_enrolled.used_by_installation_id == world.village.installation_id
    pinned: Peer = opened.sender
    assert (pinned.role, pinned.code, pinned.name) == ("village", VILLAGE_CODE, "翠苑一村")
    assert pinned.fingerprint == world.village.public().fingerprint
    # later bundles (still carrying the proof) are accepted through the pin
    again = open_bundle(
        sealed.data, my_keys=world.township, known_peers=[pinned], pending_enrolments=[opened.newly_enrolled]
    )
    assert again.newly_enrolled is None


def test_every_refusal_is_a_bundle_error_with_both_languages() -> None:
    for cls in (
        CorruptBundleError,
        SignatureInvalidError,
        DecryptionError,
        NotABundleError,
        PayloadCorruptError,
    ):
        error = cls()
        assert isinstance(error, BundleError)
        assert error.message_zh != error.message_en
    assert bundle_format.FORMAT_VERSION == 1


def test_retired_village_cannot_re_enrol_with_its_old_proof(world: World) -> None:
    """A stolen village PC keeps sending its enrolment proof; once retired it stays refused."""
    from carebook.sync.errors import EnrolmentAlreadyUsedError

    proof = make_enrolment_proof(world.enrolment, world.village)
    sealed = seal_bundle(
        PAYLOAD,
        sender=world.village,
        sender_code=VILLAGE_CODE,
        recipient=world.township_as_peer,
        seq_from=1,
        seq_to=40,
        counts={},
        schema_version="0001_initial",
        acks={},
        enrolment=proof,
        created_at=NOW,
    )
    used = world.enrolment.pending().mark_used(world.village.installation_id, NOW)
    from carebook.sync.errors import SenderRetiredError

    with pytest.raises(SenderRetiredError):  # its retired pin is found first: "this PC was replaced"
        open_bundle(
            sealed.data,
            my_keys=world.township,
            known_peers=[world.village_as_peer.retire()],
            pending_enrolments=[used],
        )
    with pytest.raises(EnrolmentAlreadyUsedError):  # and without the pin, the used proof is refused
        open_bundle(sealed.data, my_keys=world.township, known_peers=[], pending_enrolments=[used])
