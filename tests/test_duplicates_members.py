"""After merging two files of one child (merge_children), the kept file has exactly one father,
one mother and one entrusted guardian, with empty fields filled from the dropped file's members;
members only the dropped file had move to the kept one; the dropped file keeps its own members
as history. At the township and, after the return bundles, at the kept file's village, on real
registers and bundles (QA, issue 6 item 3). Synthetic people only."""

from __future__ import annotations

import time
from collections import Counter

from carebook.model.services.duplicates import merge_children
from carebook.sync.exchange import export_bundles, import_bundles
from model_helpers import child_values, years_before
from sync_world import SyncWorld, sync_world

__all__ = ["sync_world"]


def _roles(site: object, child_id: str) -> tuple[Counter[str], dict[str, object]]:
    detail = site.register.child_detail(child_id)  # type: ignore[attr-defined]
    return Counter(m.role for m in detail.members), {m.role: m for m in detail.members}


def test_kept_file_has_one_father_mother_and_guardian(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 8)
    family = {"father__name": "王建国", "mother__name": "李秀兰", "guardian__name": "王桂兰",
              "guardian__relation": "62", "father__status": "working_away", "mother__status": "working_away"}
    keep = first.register.register_child(child_values("王小明", birth, seq=71, **family)).record_id
    drop = second.register.register_child(child_values(
        "王小明", birth, seq=71, **family, father__phone="13900000001", guardian__phone="13900000002",
        maternal_grandmother__name="赵玉梅")).record_id
    assert keep and drop
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)
    with world.township.register.writing() as session:
        merge_children(session, keep, drop, today=world.today)

    counts, by_role = _roles(world.township, keep)
    assert (counts["father"], counts["mother"], counts["guardian"]) == (1, 1, 1), counts
    assert by_role["father"].phone == "13900000001" and by_role["guardian"].phone == "13900000002"  # type: ignore[attr-defined]
    assert counts["maternal_grandmother"] == 1
    kept_members = {m.id for m in world.township.register.child_detail(keep).members}
    dropped = world.township.register.child_detail(drop)
    assert {m.role for m in dropped.members} == {"father", "mother", "guardian"}  # history stays with it
    assert not kept_members & {m.id for m in dropped.members}

    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)
    counts, by_role = _roles(first, keep)
    assert (counts["father"], counts["mother"], counts["guardian"]) == (1, 1, 1), counts
    assert by_role["father"].phone == "13900000001" and counts["maternal_grandmother"] == 1  # type: ignore[attr-defined]
