"""Computing a child's categories from the facts in the file.

One documented function, :func:`compute_categories`, decides every category; its thresholds are
:class:`~carebook.model.settings.RegisterSettings`. Sources: the policy in ``shared/seed/``
(Shaanxi Civil Affairs 陕民发〔2019〕52号 as forwarded by Xixian 2020 No. 56), the State
Council opinions on left-behind children (2016) and children in difficulty (2016), the 2019
opinion on de facto unsupported children, as summarised in DOMAIN.md.

Rules (age in completed years on ``today``):

* **left-behind (农村留守儿童)**: age < ``left_behind_max_age`` (16); rural household
  registration (if ``left_behind_requires_rural``); and both parents away, or one away and the
  other without guardianship capacity (seriously ill or severely disabled). A parent is *away*
  when working away and, if the date they left is known, for at least ``away_min_months``.
* **orphan living in the community (散居孤儿)**: age < ``minor_age``; both parents dead or
  declared missing/dead, or the birth parents cannot be found; not in an institution.
* **de facto unsupported (事实无人抚养儿童)**: age < ``minor_age`` (or <
  ``de_facto_max_age_in_study`` while in full-time study); not an orphan; both parents each in
  an *unsupporting situation*, or one dead/declared and the other in one. Unsupporting
  situations: severely disabled, seriously ill, in prison or detention, in compulsory drug
  rehabilitation, otherwise deprived of liberty, missing (for ``missing_min_months`` if known),
  and, per settings, guardianship revoked and deported.
* **in difficulty (困境儿童)**: age < ``minor_age``; and family poverty (subsistence allowance or
  extreme-poverty support, or the ``family_poverty`` fact), own disability or serious illness,
  poor or improper guardianship, or the child director assessed the child as in difficulty
  (``assessed_categories``). Orphans and de facto unsupported children are also in difficulty.
* **key child (重点儿童)**: any child (under ``minor_age``) marked key child, with poor
  guardianship, dropped out or not in school, without household registration, seriously ill or
  disabled.

Adults (age >= ``minor_age``) are in no category; the register proposes closing them as aged out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from carebook.model.enums import (
    Category,
    GuardianshipQuality,
    HealthStatus,
    LeftBehindSubtype,
    ParentStatus,
    RegistrationType,
    SchoolingStage,
)
from carebook.model.settings import RegisterSettings
from carebook.model.validation import age_on

_IN_DIFFICULTY_CODE, _KEY_CHILD_CODE = Category.IN_DIFFICULTY.code, Category.KEY_CHILD.code
_DEAD = {ParentStatus.DECEASED, ParentStatus.DECLARED_MISSING_OR_DEAD}
_INCAPABLE_FOR_LEFT_BEHIND = {ParentStatus.SERIOUSLY_ILL, ParentStatus.SEVERELY_DISABLED}
_IN_STUDY = {
    SchoolingStage.PRIMARY, SchoolingStage.JUNIOR_MIDDLE, SchoolingStage.SENIOR_MIDDLE,
    SchoolingStage.VOCATIONAL, SchoolingStage.HIGHER, SchoolingStage.SPECIAL,
}


@dataclass(frozen=True)
class ParentFacts:
    """What the register knows of one parent: situation, when they left (or went missing)."""

    status: ParentStatus | None = None
    since: dt.date | None = None


@dataclass(frozen=True)
class ChildFacts:
    """The facts of a child's file that decide categories (a plain view of
    :class:`~carebook.model.children.Child` and its parents)."""

    date_of_birth: dt.date
    registration_type: RegistrationType | None = None
    has_household_registration: bool = True
    father: ParentFacts = field(default_factory=ParentFacts)
    mother: ParentFacts = field(default_factory=ParentFacts)
    parents_unknown: bool = False
    in_institution: bool = False
    health_status: HealthStatus | None = None
    serious_illness: bool = False
    schooling_stage: SchoolingStage | None = None
    guardianship_quality: GuardianshipQuality | None = None
    improper_guardianship: bool = False
    family_poverty: bool = False
    assistance_kinds: frozenset[str] = frozenset()
    assessed_categories: frozenset[str] = frozenset()
    key_child: bool = False


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def _away(p: ParentFacts, today: dt.date, s: RegisterSettings) -> bool:
    if p.status is not ParentStatus.WORKING_AWAY:
        return False
    return p.since is None or _months_between(p.since, today) >= s.away_min_months


def _unsupporting(p: ParentFacts, today: dt.date, s: RegisterSettings) -> bool:
    status = p.status
    if status in (ParentStatus.SEVERELY_DISABLED, ParentStatus.SERIOUSLY_ILL, ParentStatus.IN_PRISON,
                  ParentStatus.IN_DRUG_REHAB, ParentStatus.DEPRIVED_OF_LIBERTY):
        return True
    if status is ParentStatus.MISSING:
        return p.since is None or _months_between(p.since, today) >= s.missing_min_months
    if status is ParentStatus.GUARDIANSHIP_REVOKED:
        return s.de_facto_counts_revoked
    if status is ParentStatus.DEPORTED:
        return s.de_facto_counts_deported
    return False


def left_behind_subtype(facts: ChildFacts, today: dt.date, settings: RegisterSettings) -> LeftBehindSubtype | None:
    """Both parents away (双亲留守) or one away (单亲留守); ``None`` if neither is away."""
    away = [_away(p, today, settings) for p in (facts.father, facts.mother)]
    if all(away):
        return LeftBehindSubtype.BOTH_PARENTS
    if any(away):
        return LeftBehindSubtype.ONE_PARENT
    return None


def compute_categories(
    facts: ChildFacts, today: dt.date, settings: RegisterSettings | None = None
) -> frozenset[Category]:
    """Return the categories the facts put the child in (see the module docstring for every
    rule and its source). Pure: same facts, date and settings, same answer."""
    s = settings or RegisterSettings()
    age = age_on(facts.date_of_birth, today)
    result: set[Category] = set()
    in_study = facts.schooling_stage in _IN_STUDY
    father, mother = facts.father, facts.mother

    # Left-behind
    rural_ok = (not s.left_behind_requires_rural) or facts.registration_type is RegistrationType.RURAL
    if age < s.left_behind_max_age and rural_ok:
        f_away, m_away = _away(father, today, s), _away(mother, today, s)
        f_incapable = father.status in _INCAPABLE_FOR_LEFT_BEHIND
        m_incapable = mother.status in _INCAPABLE_FOR_LEFT_BEHIND
        if (f_away and m_away) or (f_away and m_incapable) or (m_away and f_incapable):
            result.add(Category.LEFT_BEHIND)

    # Orphan
    orphan = age < s.minor_age and not facts.in_institution and (
        (father.status in _DEAD and mother.status in _DEAD) or facts.parents_unknown
    )
    if orphan:
        result.add(Category.ORPHAN)

    # De facto unsupported
    de_facto_age = max(s.minor_age, s.de_facto_max_age_in_study) if in_study else s.minor_age
    if not orphan and age < de_facto_age:
        f_uns, m_uns = _unsupporting(father, today, s), _unsupporting(mother, today, s)
        f_dead, m_dead = father.status in _DEAD, mother.status in _DEAD
        if (f_uns and m_uns) or (f_dead and m_uns) or (m_dead and f_uns):
            result.add(Category.DE_FACTO_UNSUPPORTED)

    if age >= s.minor_age:
        return frozenset(result & {Category.DE_FACTO_UNSUPPORTED})

    # In difficulty
    poverty = facts.family_poverty or bool({"dibao", "tekun"} & facts.assistance_kinds)
    disabled = facts.health_status in (HealthStatus.DISABLED, HealthStatus.ILL_AND_DISABLED)
    poor_guardianship = facts.guardianship_quality is GuardianshipQuality.POOR or facts.improper_guardianship
    if (poverty or disabled or facts.serious_illness or poor_guardianship
            or _IN_DIFFICULTY_CODE in facts.assessed_categories
            or Category.ORPHAN in result or Category.DE_FACTO_UNSUPPORTED in result):
        result.add(Category.IN_DIFFICULTY)

    # Key child
    if (facts.key_child or poor_guardianship or not facts.has_household_registration or disabled
            or facts.serious_illness
            or facts.schooling_stage in (SchoolingStage.DROPPED_OUT, SchoolingStage.NOT_IN_SCHOOL)
            or _KEY_CHILD_CODE in facts.assessed_categories):
        result.add(Category.KEY_CHILD)
    return frozenset(result)


def sort_categories(categories: Iterable[str | Category]) -> list[str]:
    """Category codes in the policy's order (left-behind, in difficulty, de facto unsupported,
    orphan, key child). Raises ValueError for an unknown code."""
    codes = {Category(c).code for c in categories}
    return [c for c in _ORDER if c in codes]


#: Every category code in the policy's order (see :func:`sort_categories`).
_ORDER: tuple[str, ...] = tuple(c.code for c in Category)


def category_labels(codes: Sequence[str]) -> str:
    """Chinese/English labels of category codes joined with 、 (current language)."""
    return "、".join(Category(c).label for c in sort_categories(codes))
