"""Installation keys in a real keystore, fingerprints, enrolment files and proofs, pinned peers."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from carebook.model.keys import create_keystore
from carebook.sync.atomic_files import write_files_atomically
from carebook.sync.enrolment import (
    decode_enrolment,
    encode_enrolment,
    generate_enrolment_code,
    is_sealed,
    make_enrolment_proof,
    normalise_code,
    proof_message,
    read_enrolment_file,
    verify_enrolment_proof,
)
from carebook.sync.errors import (
    EnrolmentAlreadyUsedError,
    EnrolmentCodeRequiredError,
    EnrolmentCodeWrongError,
    EnrolmentExpiredError,
    EnrolmentFileInvalidError,
    EnrolmentProofInvalidError,
    EnrolmentUnknownError,
    IdentityExistsError,
    IdentityMissingError,
)
from carebook.sync.identity import (
    InstallationKeys,
    create_installation_keys,
    fingerprint,
    key_id,
    load_installation_keys,
)
from carebook.sync.peers import Peer, peers_from_json, peers_to_json
from sync_helpers import NOW, World, make_world


@pytest.fixture
def world() -> World:
    return make_world()


# --- keys ---------------------------------------------------------------------------------------


def test_keys_survive_in_a_real_keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    keystore = create_keystore(tmp_path / "data", passphrase="correct horse battery", use_keyring=False)
    with pytest.raises(IdentityMissingError):
        load_installation_keys(keystore)
    made = create_installation_keys(keystore, "5f0c7d4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f")
    loaded = load_installation_keys(keystore)
    assert loaded.public() == made.public()
    assert loaded.installation_id == "5f0c7d4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f"
    with pytest.raises(IdentityExistsError):
        create_installation_keys(keystore, "5f0c7d4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f")
    raw_private = made.to_secret_bytes()
    on_disk = keystore.paths.secrets.read_bytes()  # the private keys are not in the clear on disk
    assert json.loads(raw_private)["ed25519"].encode() not in on_disk
    assert b"sync_identity" in on_disk


def test_key_id_and_fingerprint_vectors() -> None:
    zeros, ones = bytes(32), bytes([1]) * 32
    assert key_id(zeros) == hashlib.sha256(zeros).hexdigest()[:32]
    assert key_id(zeros) == "66687aadf862bd776c8fc18b8e9f8e20"
    digest = hashlib.sha256(b"carebook fingerprint v1\x00" + zeros + ones).digest()
    expected = " ".join(f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}" for i in range(0, 30, 5))
    assert fingerprint(zeros, ones) == expected
    groups = expected.split(" ")
    assert len(groups) == 6 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert fingerprint(ones, zeros) != expected
    with pytest.raises(ValueError):
        key_id(b"short")


def test_village_and_township_show_the_same_fingerprints(world: World) -> None:
    assert world.village_as_peer.fingerprint == world.village.public().fingerprint
    assert world.township_as_peer.fingerprint == world.township.public().fingerprint


# --- enrolment files ----------------------------------------------------------------------------


def test_plain_enrolment_file_round_trip(world: World, tmp_path: Path) -> None:
    data = encode_enrolment(world.enrolment)
    write_files_atomically(tmp_path, [("enrol-330102001203.cbe", data)])
    read = read_enrolment_file(tmp_path / "enrol-330102001203.cbe", now=NOW)
    assert read == world.enrolment
    assert not is_sealed(data)


def test_sealed_enrolment_file_needs_the_phoned_code(world: World) -> None:
    code = generate_enrolment_code()
    assert len(normalise_code(code)) == 12
    data = encode_enrolment(world.enrolment, code)
    assert is_sealed(data)
    assert world.enrolment.secret.hex().encode() not in data
    with pytest.raises(EnrolmentCodeRequiredError):
        decode_enrolment(data, now=NOW)
    wrong = "0000-0000-0000" if normalise_code(code) != "000000000000" else "1111-1111-1111"
    with pytest.raises(EnrolmentCodeWrongError):
        decode_enrolment(data, wrong, now=NOW)
    typed = " ".join(normalise_code(code)).replace("1", "１")  # spaces and full-width digits
    assert decode_enrolment(data, typed, now=NOW) == world.enrolment


def test_expired_enrolment_file_is_refused(world: World) -> None:
    data = encode_enrolment(world.enrolment)
    with pytest.raises(EnrolmentExpiredError):
        decode_enrolment(data, now=world.enrolment.expires_at + timedelta(seconds=1))


@pytest.mark.parametrize(
    "content", [b"", b"not json", b'{"type":"carebook-enrolment","v":1}', b'{"a":1,"a":2}', b"[1.5]"]
)
def test_invalid_enrolment_files(content: bytes) -> None:
    with pytest.raises(EnrolmentFileInvalidError):
        decode_enrolment(content, now=NOW)


def test_tampered_township_key_id_is_refused(world: World) -> None:
    obj = json.loads(encode_enrolment(world.enrolment))
    obj["township"]["signing_key_id"] = "0" * 32
    with pytest.raises(EnrolmentFileInvalidError):
        decode_enrolment(json.dumps(obj).encode(), now=NOW)


# --- proofs -------------------------------------------------------------------------------------


def test_enrolment_proof_accepted(world: World) -> None:
    proof = make_enrolment_proof(world.enrolment, world.village)
    pending = world.enrolment.pending()
    assert verify_enrolment_proof(proof, [pending], bundle_created_at=NOW) == pending
    assert len(proof.proof) == 32
    assert proof_message("e", "i", bytes(32), bytes(32)).startswith(
        b"carebook enrolment proof v1\x00e\x00i\x00"
    )


def test_wrong_secret_is_rejected(world: World) -> None:
    forged_file = world.enrolment.__class__(**{**world.enrolment.__dict__, "secret": bytes(32)})
    proof = make_enrolment_proof(forged_file, world.village)
    with pytest.raises(EnrolmentProofInvalidError):
        verify_enrolment_proof(proof, [world.enrolment.pending()], bundle_created_at=NOW)


def test_proof_for_other_keys_is_rejected(world: World) -> None:
    proof = make_enrolment_proof(world.enrolment, world.village)
    swapped = proof.__class__(
        **{**proof.__dict__, "signing_public_key": InstallationKeys.generate().public().signing_public_key}
    )
    with pytest.raises(EnrolmentProofInvalidError):
        verify_enrolment_proof(swapped, [world.enrolment.pending()], bundle_created_at=NOW)


def test_enrolment_is_one_time(world: World) -> None:
    pending = world.enrolment.pending().mark_used(world.village.installation_id, NOW)
    same_pc = make_enrolment_proof(world.enrolment, world.village)
    with pytest.raises(EnrolmentAlreadyUsedError):  # its pin was retired: not revived
        verify_enrolment_proof(same_pc, [pending], bundle_created_at=NOW)
    second_pc = make_enrolment_proof(world.enrolment, InstallationKeys.generate())
    with pytest.raises(EnrolmentAlreadyUsedError):
        verify_enrolment_proof(second_pc, [pending], bundle_created_at=NOW)


def test_unknown_or_expired_enrolment(world: World) -> None:
    proof = make_enrolment_proof(world.enrolment, world.village)
    with pytest.raises(EnrolmentUnknownError):
        verify_enrolment_proof(proof, [], bundle_created_at=NOW)
    with pytest.raises(EnrolmentExpiredError):
        verify_enrolment_proof(
            proof,
            [world.enrolment.pending()],
            bundle_created_at=world.enrolment.expires_at + timedelta(days=1),
        )


def test_pending_enrolment_json_round_trip(world: World) -> None:
    pending = world.enrolment.pending().mark_used(world.village.installation_id, NOW)
    assert pending.__class__.from_json_obj(json.loads(json.dumps(pending.to_json_obj()))) == pending
    assert world.enrolment.secret.hex() not in repr(pending)


# --- peers --------------------------------------------------------------------------------------


def test_peers_json_round_trip(world: World) -> None:
    peers = [world.village_as_peer, world.township_as_peer.retire()]
    text = peers_to_json(peers)
    assert peers_from_json(text) == peers
    assert "翠苑一村" in text


def test_peer_with_inconsistent_key_id_is_refused(world: World) -> None:
    obj = world.village_as_peer.to_json_obj()
    obj["signing_key_id"] = "f" * 32
    with pytest.raises(ValueError):
        Peer.from_json_obj(obj)
    with pytest.raises(ValueError):
        peers_from_json('{"v":2,"peers":[]}')
