"""The duplicate review's calls into the register (重复档案核查, issue 6 item 3).

Every function here runs ON THE WORKER THREAD (inside a task) and calls the model's query
:func:`carebook.model.queries.duplicates.find_duplicates` and the services
:func:`~carebook.model.services.duplicates.merge_children`,
:func:`~carebook.model.services.duplicates.mark_not_duplicate` and
:func:`~carebook.model.services.transfer.transfer_child` through the register facade; each
action is one recorded transaction (``api.write``), so sync carries it to the villages. Nothing
here runs SQL or touches Qt widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class VillageChoice:
    """A village a child can be transferred to: division code and name."""

    code: str
    name: str


@dataclass
class DuplicatesView:
    """What the duplicate review page shows: the candidate pairs
    (:class:`~carebook.model.queries.duplicates.DuplicateCandidate`, in the query's order) and
    the villages of the township (those enrolled here but not heard from yet included), by code;
    the page reads the villages in a second task (:func:`load_villages`), after the list is shown."""

    candidates: list[Any]
    villages: list[VillageChoice]


def _enrolled(session: Any) -> dict[str, str]:
    from carebook.sync.trust_store import load_pending_enrolments

    return {p.village_code: p.village_name for p in load_pending_enrolments(session)}


def load_duplicates(api: Any, with_villages: bool = False) -> DuplicatesView:
    """The candidate pairs not reviewed yet; the villages too with ``with_villages`` (else an
    empty list: see :func:`load_villages`)."""
    from carebook.model.queries.duplicates import find_duplicates

    candidates = list(api.read(find_duplicates))
    return DuplicatesView(candidates, load_villages(api) if with_villages else [])


def load_villages(api: Any) -> list[VillageChoice]:
    """The villages of the township by division code, those enrolled here that have sent
    nothing yet included (as the overview lists them)."""
    from carebook.model.queries.overview import township_overview

    enrolled = api.read(_enrolled)
    overview = api.read(township_overview, today=api.today(), expected_villages=list(enrolled.items()))
    return [VillageChoice(v.code, v.name) for v in overview.villages if v.code]


def merge(api: Any, keep_id: str, drop_id: str) -> str:
    """Merge the file ``drop_id`` into ``keep_id`` (record ids) in one recorded transaction:
    ``drop``'s records move to ``keep``, ``keep``'s empty fields are filled from it, ``drop`` is
    closed as merged. Returns ``keep_id``.

    Raises:
        NotFoundError: a file is no longer in the register.
        StateError: the same file twice, or a file is closed (the message names it).
    """
    from carebook.model.services.duplicates import merge_children

    return str(api.write(merge_children, keep_id, drop_id, today=api.today()).record_id)


def transfer(api: Any, child_id: str, village_code: str, reason: str, merge_id: str | None = None) -> str:
    """Transfer the file ``child_id`` to the village ``village_code`` (the child moved), then,
    with ``merge_id``, merge that file (the new village's registration of the same child) into
    it; one recorded transaction. A village enrolled here that has sent nothing yet is added to
    the register first. Returns ``child_id``.

    Raises:
        NotFoundError: no such file or village.
        ValidationError: no reason given.
        StateError: already in that village, the file is closed for another reason than moving
            away, or the file to merge is closed.
    """
    from carebook.model.services.duplicates import merge_children
    from carebook.model.services.staff import add_enrolled_villages
    from carebook.model.services.transfer import transfer_child

    today = api.today()

    def work(session: Any) -> str:
        add_enrolled_villages(session, {"unit": village_code}, _enrolled(session))
        result = transfer_child(session, child_id, village_code, reason=reason, today=today)
        if merge_id:
            merge_children(session, child_id, merge_id, today=today)
        return str(result.record_id)

    done: str = api.write(work)
    return done


def not_duplicate(api: Any, a_id: str, b_id: str) -> None:
    """Remember that the files ``a_id`` and ``b_id`` are two children (the pair leaves the list;
    a setting of this township, not synced).

    Raises:
        NotFoundError: a file is no longer in the register; StateError: the same id twice.
    """
    from carebook.model.services.duplicates import mark_not_duplicate

    api.write(mark_not_duplicate, a_id, b_id)
