"""Category rules (categories.py docstring, DOMAIN.md "Children in the register"), one test per
rule, on the pure function; the last tests check the register stores what the rules say."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from typing import Any

import pytest

from carebook.model.categories import (
    ChildFacts,
    ParentFacts,
    category_labels,
    compute_categories,
    left_behind_subtype,
    sort_categories,
)
from carebook.model.enums import (
    Category,
    GuardianshipQuality,
    HealthStatus,
    LeftBehindSubtype,
    ParentStatus,
    RegistrationType,
    SchoolingStage,
)
from carebook.model.register import Register
from carebook.model.settings import RegisterSettings
from model_helpers import both_away, child_values, rid, years_before

TODAY = dt.date(2026, 6, 1)
LB, DIFF, DEFACTO, ORPHAN, KEY = (Category.LEFT_BEHIND, Category.IN_DIFFICULTY, Category.DE_FACTO_UNSUPPORTED,
                                  Category.ORPHAN, Category.KEY_CHILD)
AWAY = ParentFacts(ParentStatus.WORKING_AWAY, TODAY - dt.timedelta(days=365))
HOME = ParentFacts(ParentStatus.AT_HOME)
DEAD = ParentFacts(ParentStatus.DECEASED)
DECLARED = ParentFacts(ParentStatus.DECLARED_MISSING_OR_DEAD)
LONG_MISSING = ParentFacts(ParentStatus.MISSING, TODAY - dt.timedelta(days=400))

#: Situations in which a parent cannot support the child (de facto unsupported), per the 2019
#: opinion plus the provincial additions (revoked, deported) on by default.
UNSUPPORTING = [
    ParentFacts(ParentStatus.SEVERELY_DISABLED), ParentFacts(ParentStatus.SERIOUSLY_ILL),
    ParentFacts(ParentStatus.IN_PRISON), ParentFacts(ParentStatus.IN_DRUG_REHAB),
    ParentFacts(ParentStatus.DEPRIVED_OF_LIBERTY), LONG_MISSING, ParentFacts(ParentStatus.MISSING),
    ParentFacts(ParentStatus.GUARDIANSHIP_REVOKED), ParentFacts(ParentStatus.DEPORTED),
]
SUPPORTING = [HOME, AWAY, ParentFacts(ParentStatus.DIVORCED_ABSENT), ParentFacts(ParentStatus.UNKNOWN),
              ParentFacts(None)]


def facts(age: int = 10, days: int = 100, **kw: Any) -> ChildFacts:
    """A rural child of ``age`` (plus ``days``) with both parents at home, changed by ``kw``."""
    base: dict[str, Any] = {"date_of_birth": years_before(TODAY, age, days),
                            "registration_type": RegistrationType.RURAL, "father": HOME, "mother": HOME}
    base.update(kw)
    return ChildFacts(**base)


def cats(f: ChildFacts, settings: RegisterSettings | None = None) -> frozenset[Category]:
    return compute_categories(f, TODAY, settings)


def test_child_living_with_both_parents_is_in_no_category() -> None:
    assert cats(facts()) == frozenset()


# -- left-behind (农村留守儿童) ------------------------------------------------------------------


def test_left_behind_both_parents_away() -> None:
    f = facts(father=AWAY, mother=AWAY)
    assert cats(f) == {LB}
    assert left_behind_subtype(f, TODAY, RegisterSettings()) is LeftBehindSubtype.BOTH_PARENTS


@pytest.mark.parametrize("incapable", [ParentStatus.SERIOUSLY_ILL, ParentStatus.SEVERELY_DISABLED])
@pytest.mark.parametrize("away_parent", ["father", "mother"])
def test_left_behind_one_away_other_without_capacity(incapable: ParentStatus, away_parent: str) -> None:
    other = "mother" if away_parent == "father" else "father"
    parents: dict[str, Any] = {away_parent: AWAY, other: ParentFacts(incapable)}
    f = facts(**parents)
    assert LB in cats(f)
    assert left_behind_subtype(f, TODAY, RegisterSettings()) is LeftBehindSubtype.ONE_PARENT


@pytest.mark.parametrize("other", [HOME, ParentFacts(ParentStatus.DIVORCED_ABSENT), ParentFacts(None)])
def test_one_away_other_capable_is_not_left_behind(other: ParentFacts) -> None:
    f = facts(father=AWAY, mother=other)
    assert LB not in cats(f)
    assert left_behind_subtype(f, TODAY, RegisterSettings()) is LeftBehindSubtype.ONE_PARENT


def test_left_behind_age_16_boundary() -> None:
    assert LB in cats(facts(age=15, days=364, father=AWAY, mother=AWAY))
    assert LB not in cats(facts(age=16, days=0, father=AWAY, mother=AWAY))
    assert LB not in cats(facts(age=17, father=AWAY, mother=AWAY))
    assert LB in cats(facts(age=16, days=0, father=AWAY, mother=AWAY), RegisterSettings(left_behind_max_age=18))


def test_left_behind_needs_rural_registration_unless_the_setting_says_otherwise() -> None:
    urban = facts(registration_type=RegistrationType.URBAN, father=AWAY, mother=AWAY)
    unknown = facts(registration_type=None, father=AWAY, mother=AWAY)
    assert LB not in cats(urban)
    assert LB not in cats(unknown)
    assert LB in cats(urban, RegisterSettings(left_behind_requires_rural=False))


def test_parent_away_less_than_six_months_does_not_count() -> None:
    five_months = ParentFacts(ParentStatus.WORKING_AWAY, dt.date(2026, 1, 2))
    six_months = ParentFacts(ParentStatus.WORKING_AWAY, dt.date(2025, 12, 1))
    unknown_since = ParentFacts(ParentStatus.WORKING_AWAY, None)
    assert LB not in cats(facts(father=five_months, mother=AWAY))
    assert left_behind_subtype(facts(father=five_months, mother=AWAY), TODAY, RegisterSettings()) \
        is LeftBehindSubtype.ONE_PARENT
    assert LB in cats(facts(father=six_months, mother=AWAY))
    assert LB in cats(facts(father=unknown_since, mother=unknown_since))
    assert LB in cats(facts(father=five_months, mother=AWAY), RegisterSettings(away_min_months=3))


def test_nobody_away_has_no_subtype() -> None:
    assert left_behind_subtype(facts(), TODAY, RegisterSettings()) is None


# -- orphan (散居孤儿) -----------------------------------------------------------------------------


@pytest.mark.parametrize(("father", "mother"), [(DEAD, DEAD), (DECLARED, DECLARED), (DEAD, DECLARED),
                                                (DECLARED, DEAD)])
def test_orphan_both_parents_dead_or_declared(father: ParentFacts, mother: ParentFacts) -> None:
    result = cats(facts(father=father, mother=mother))
    assert ORPHAN in result and DIFF in result
    assert DEFACTO not in result  # an orphan is not also de facto unsupported


def test_orphan_birth_parents_not_found() -> None:
    assert ORPHAN in cats(facts(parents_unknown=True, father=ParentFacts(None), mother=ParentFacts(None)))


def test_orphan_in_an_institution_is_not_a_community_orphan() -> None:
    assert ORPHAN not in cats(facts(father=DEAD, mother=DEAD, in_institution=True))
    assert ORPHAN not in cats(facts(parents_unknown=True, in_institution=True))
    assert DEFACTO not in cats(facts(father=DEAD, mother=DEAD, in_institution=True))


def test_one_parent_dead_is_not_an_orphan() -> None:
    assert ORPHAN not in cats(facts(father=DEAD, mother=HOME))


def test_orphan_age_18_boundary() -> None:
    assert ORPHAN in cats(facts(age=17, days=364, father=DEAD, mother=DEAD))
    assert cats(facts(age=18, days=0, father=DEAD, mother=DEAD)) == frozenset()


# -- de facto unsupported (事实无人抚养儿童) -------------------------------------------------------


@pytest.mark.parametrize(("father", "mother"), list(itertools.product(UNSUPPORTING, UNSUPPORTING)))
def test_de_facto_both_parents_in_unsupporting_situations(father: ParentFacts, mother: ParentFacts) -> None:
    result = cats(facts(father=father, mother=mother))
    assert DEFACTO in result and DIFF in result
    assert ORPHAN not in result


@pytest.mark.parametrize("dead", [DEAD, DECLARED])
@pytest.mark.parametrize("other", UNSUPPORTING)
def test_de_facto_one_dead_other_unsupporting(dead: ParentFacts, other: ParentFacts) -> None:
    assert DEFACTO in cats(facts(father=dead, mother=other))
    assert DEFACTO in cats(facts(father=other, mother=dead))


def test_de_facto_one_dead_other_in_prison() -> None:
    result = cats(facts(father=DEAD, mother=ParentFacts(ParentStatus.IN_PRISON)))
    assert result == {DEFACTO, DIFF}


@pytest.mark.parametrize("supporting", SUPPORTING)
@pytest.mark.parametrize("other", [*UNSUPPORTING[:5], DEAD])
def test_not_de_facto_when_one_parent_can_support(supporting: ParentFacts, other: ParentFacts) -> None:
    assert DEFACTO not in cats(facts(father=other, mother=supporting))
    assert DEFACTO not in cats(facts(father=supporting, mother=other))


def test_missing_less_than_six_months_does_not_count() -> None:
    recent = ParentFacts(ParentStatus.MISSING, dt.date(2026, 1, 15))
    prison = ParentFacts(ParentStatus.IN_PRISON)
    assert DEFACTO not in cats(facts(father=recent, mother=prison))
    assert DEFACTO not in cats(facts(father=DEAD, mother=recent))
    assert DEFACTO in cats(facts(father=LONG_MISSING, mother=prison))
    assert DEFACTO in cats(facts(father=recent, mother=prison), RegisterSettings(missing_min_months=3))


@pytest.mark.parametrize(("status", "setting"), [(ParentStatus.GUARDIANSHIP_REVOKED, "de_facto_counts_revoked"),
                                                 (ParentStatus.DEPORTED, "de_facto_counts_deported")])
def test_revoked_and_deported_follow_their_settings(status: ParentStatus, setting: str) -> None:
    f = facts(father=ParentFacts(status), mother=ParentFacts(ParentStatus.IN_PRISON))
    dead_and = facts(father=DEAD, mother=ParentFacts(status))
    on, off = RegisterSettings(), RegisterSettings()
    setattr(on, setting, True)
    setattr(off, setting, False)
    assert DEFACTO in cats(f, on)
    assert DEFACTO in cats(dead_and, on)
    assert DEFACTO not in cats(f, off)
    assert DEFACTO not in cats(dead_and, off)


def test_de_facto_age_limit_and_study_extension() -> None:
    prison = ParentFacts(ParentStatus.IN_PRISON)
    extended = RegisterSettings(de_facto_max_age_in_study=20)
    at_17 = facts(age=17, father=prison, mother=prison)
    at_18_studying = facts(age=18, father=prison, mother=prison, schooling_stage=SchoolingStage.SENIOR_MIDDLE)
    at_19_university = facts(age=19, father=prison, mother=prison, schooling_stage=SchoolingStage.HIGHER)
    at_18_not_studying = facts(age=18, father=prison, mother=prison, schooling_stage=SchoolingStage.DROPPED_OUT)
    at_20_studying = facts(age=20, days=0, father=prison, mother=prison, schooling_stage=SchoolingStage.HIGHER)
    assert DEFACTO in cats(at_17)
    assert cats(at_18_studying) == frozenset()  # default: no extension
    assert cats(at_18_studying, extended) == {DEFACTO}  # adults keep only this category
    assert cats(at_19_university, extended) == {DEFACTO}
    assert cats(at_18_not_studying, extended) == frozenset()
    assert cats(at_20_studying, extended) == frozenset()


# -- in difficulty (困境儿童) ----------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    {"family_poverty": True},
    {"assistance_kinds": frozenset({"dibao"})},
    {"assistance_kinds": frozenset({"tekun"})},
    {"assistance_kinds": frozenset({"dibao", "medical"})},
    {"assessed_categories": frozenset({"in_difficulty"})},
])
def test_in_difficulty_through_poverty_or_assessment(change: dict[str, Any]) -> None:
    assert cats(facts(**change)) == {DIFF}


@pytest.mark.parametrize("kinds", [frozenset({"temporary"}), frozenset({"medical", "education"}), frozenset()])
def test_other_assistance_alone_is_not_poverty(kinds: frozenset[str]) -> None:
    assert DIFF not in cats(facts(assistance_kinds=kinds))


@pytest.mark.parametrize("change", [
    {"health_status": HealthStatus.DISABLED},
    {"health_status": HealthStatus.ILL_AND_DISABLED},
    {"serious_illness": True},
    {"guardianship_quality": GuardianshipQuality.POOR},
    {"improper_guardianship": True},
])
def test_in_difficulty_and_key_child_through_disability_illness_or_poor_guardianship(change: dict[str, Any]) -> None:
    assert cats(facts(**change)) == {DIFF, KEY}


def test_ordinary_illness_and_fair_guardianship_are_not_difficulty() -> None:
    assert cats(facts(health_status=HealthStatus.ILL)) == frozenset()
    assert cats(facts(guardianship_quality=GuardianshipQuality.FAIR)) == frozenset()
    assert cats(facts(guardianship_quality=GuardianshipQuality.GOOD)) == frozenset()


def test_in_difficulty_age_18_boundary() -> None:
    assert DIFF in cats(facts(age=17, days=364, family_poverty=True))
    assert cats(facts(age=18, days=0, family_poverty=True)) == frozenset()


# -- key child (重点儿童) ----------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    {"key_child": True},
    {"assessed_categories": frozenset({"key_child"})},
    {"schooling_stage": SchoolingStage.DROPPED_OUT},
    {"schooling_stage": SchoolingStage.NOT_IN_SCHOOL},
    {"has_household_registration": False},
])
def test_key_child_triggers(change: dict[str, Any]) -> None:
    assert cats(facts(**change)) == {KEY}


def test_key_child_with_other_categories() -> None:
    assert cats(facts(father=AWAY, mother=AWAY, key_child=True)) == {LB, KEY}
    assert cats(facts(father=DEAD, mother=DEAD, schooling_stage=SchoolingStage.DROPPED_OUT)) == {ORPHAN, DIFF, KEY}


# -- adults ---------------------------------------------------------------------------------------


def test_adults_are_in_no_category() -> None:
    everything: dict[str, Any] = dict(father=AWAY, mother=AWAY, family_poverty=True, health_status=HealthStatus.DISABLED,
                      serious_illness=True, guardianship_quality=GuardianshipQuality.POOR, key_child=True,
                      has_household_registration=False, schooling_stage=SchoolingStage.DROPPED_OUT,
                      assessed_categories=frozenset({"in_difficulty", "key_child"}))
    assert cats(facts(age=17, **everything)) == {DIFF, KEY}  # 17: too old for left-behind
    assert cats(facts(age=18, days=0, **everything)) == frozenset()
    assert cats(facts(age=18, days=0, father=DEAD, mother=DEAD)) == frozenset()
    assert cats(facts(age=30)) == frozenset()


def test_pure_same_facts_same_answer() -> None:
    f = facts(father=AWAY, mother=ParentFacts(ParentStatus.SERIOUSLY_ILL), family_poverty=True)
    assert cats(f) == cats(dataclasses.replace(f)) == {LB, DIFF}


def test_sorting_and_labels_follow_the_policy_order() -> None:
    assert sort_categories([KEY, ORPHAN, LB, "in_difficulty"]) == ["left_behind", "in_difficulty", "orphan",
                                                                    "key_child"]
    assert category_labels(["key_child", "left_behind"]) in ("农村留守儿童、重点儿童", "left-behind child、key child")


# -- the register stores what the rules say ----------------------------------------------------------


def test_register_computes_categories_and_recomputes_on_update(register: Register, today: dt.date) -> None:
    birth = years_before(today, 9)
    result = register.register_child(child_values("张思远", birth, **both_away(today)))
    assert register.child_detail(rid(result)).categories == ("left_behind",)
    register.update_child(rid(result), {"mother.status": "重病", "father.status": "在家"})
    assert register.child_detail(rid(result)).categories == ()
    register.update_child(rid(result), {"father.status": "外出务工", "family_poverty": "是"})
    assert register.child_detail(rid(result)).categories == ("left_behind", "in_difficulty")
    register.update_child(rid(result), {"mother.status": "死亡", "father.status": "服刑"})
    assert register.child_detail(rid(result)).categories == ("in_difficulty", "de_facto_unsupported")


def test_register_uses_the_saved_settings(register: Register, today: dt.date) -> None:
    register.save_settings(RegisterSettings(left_behind_requires_rural=False))
    values = child_values("李明", years_before(today, 8), **both_away(today))
    values["registration_type"] = "urban"
    result = register.register_child(values)
    assert register.child_detail(rid(result)).categories == ("left_behind",)
