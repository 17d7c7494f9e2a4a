"""Peers, pending enrolments and the village's own proof kept in a real encrypted register."""

from __future__ import annotations

from pathlib import Path

import pytest

from carebook.model.db import open_database
from carebook.model.installation import find_installation
from carebook.model.register import Register
from carebook.sync.bundle_format import open_bundle, seal_bundle
from carebook.sync.enrolment import village_peer
from carebook.sync.errors import EnrolmentWrongVillageError
from carebook.sync.identity import InstallationKeys, load_installation_keys
from carebook.sync.trust_store import (
    load_own_enrolment_proof,
    load_peers,
    load_pending_enrolments,
    pin_peer,
    save_own_enrolment_proof,
    save_pending_enrolment,
    start_village_from_enrolment,
)
from sync_helpers import VILLAGE_CODE, make_world


def test_village_starts_from_enrolment_and_township_pins_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", "correct horse battery")
    world = make_world()
    reg = Register.open(tmp_path / "village", create=True)
    reg.initialise(role="village", org_code=VILLAGE_CODE, org_name="翠苑一村", parent_code="330102001")
    reg.close()

    db = open_database(tmp_path / "village")
    try:
        with db.sessionmaker() as session, session.begin():
            installation = find_installation(session)
            assert installation is not None
            with pytest.raises(EnrolmentWrongVillageError):
                start_village_from_enrolment(
                    session, db.keystore, installation_id=installation.id, village_code="330102001999",
                    enrolment=world.enrolment,
                )  # fmt: skip
            keys, township = start_village_from_enrolment(
                session, db.keystore, installation_id=installation.id, village_code=VILLAGE_CODE,
                enrolment=world.enrolment,
            )  # fmt: skip
        with db.sessionmaker() as session:
            assert load_peers(session) == [township]
            proof = load_own_enrolment_proof(session)
        assert load_installation_keys(db.keystore).public() == keys.public()
        assert keys.installation_id == installation.id
    finally:
        db.close()
    assert proof is not None and proof.installation_id == installation.id

    # the village's first bundle, opened by the township with its pending enrolment
    sealed = seal_bundle(
        b"first", sender=keys, sender_code=VILLAGE_CODE, recipient=township, seq_from=1, seq_to=1,
        counts={}, schema_version="0001_initial", acks={}, enrolment=proof,
    )  # fmt: skip
    opened = open_bundle(
        sealed.data, my_keys=world.township, known_peers=[], pending_enrolments=[world.enrolment.pending()]
    )
    assert opened.sender.fingerprint == keys.public().fingerprint

    db = open_database(tmp_path / "village")
    try:
        with db.sessionmaker() as session, session.begin():
            save_own_enrolment_proof(session, None)
        with db.sessionmaker() as session:
            assert load_own_enrolment_proof(session) is None
    finally:
        db.close()


def test_pinning_a_new_pc_retires_the_old_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", "correct horse battery")
    world = make_world()
    reg = Register.open(tmp_path / "township", create=True)
    reg.initialise(role="township", org_code="330102001", org_name="西湖街道")
    reg.close()
    replacement = InstallationKeys.generate()
    from carebook.sync.enrolment import make_enrolment_proof

    new_pc = village_peer(make_enrolment_proof(world.enrolment, replacement), world.enrolment.pending())
    db = open_database(tmp_path / "township")
    try:
        with db.sessionmaker() as session, session.begin():
            pin_peer(session, world.village_as_peer)
            save_pending_enrolment(session, world.enrolment.pending())
            save_pending_enrolment(
                session,
                world.enrolment.pending().mark_used(
                    world.village.installation_id, world.enrolment.created_at
                ),
            )
            pin_peer(session, new_pc)
        with db.sessionmaker() as session:
            peers = load_peers(session)
            pending = load_pending_enrolments(session)
    finally:
        db.close()
    assert peers == [world.village_as_peer.retire(), new_pc]
    assert len(pending) == 1 and pending[0].used_by_installation_id == world.village.installation_id
