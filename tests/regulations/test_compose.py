"""Composing the instruments that govern a case (regulations/compose.py): examples at the
boundary seconds of each window, and properties over every jurisdiction, process, track and
receipt day: a composed limit is never longer than any statutory limit in force for its duty,
a parent never applies outside its window, and identical inputs give identical plans."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from regulations import RulesetNotInForce, load_rulesets
from regulations.compose import Composed, chain, compose, compose_limits
from regulations.loader import PACKAGED, Ruleset, RulesetError, Rulesets, parse_ruleset_text
from workflows.catalog_update import CatalogUpdatePlan, Trigger
from workflows.common import Basis, Lapse, Party, StagePlan, TimeLimit
from workflows.quality_verification import QualityVerificationPlan
from workflows.service_change import ServiceChangePlan
from workflows.sharing_application import SharingApplicationPlan, Track

RULESETS = load_rulesets()
# A second load from the files: a plan must not depend on which load of them it came from.
RELOADED = load_rulesets()
JURISDICTIONS = ["hubei", "hubei.lichuan", "hebei", "shandong.dongying", "hunan.changsha.yuhua"]
PROCESSES = [
    "sharing_application",
    "quality_verification",
    "catalog_update",
    "service_change",
    "open_data_objection",
    "green_channel",
    "emergency_reclassification",
]
TRACKS: dict[str, list[str | None]] = {
    "sharing_application": [None, *(t.value for t in Track)],
    "catalog_update": [None, *(t.value for t in Trigger)],
}
HUBEI_20 = "《湖北省政务数据资源应用与管理办法》第二十条"
LICHUAN_20 = "《利川市政务信息资源共享管理办法》第二十条"
N809_21 = "《政务数据共享条例》第二十一条"


def in_force(process: str, jurisdiction: str, received: datetime | date, **more: Any) -> Composed:
    """The packaged instruments composed over a case (`more`: its track or counterpart)."""
    return compose(RULESETS, process=process, jurisdiction=jurisdiction, received=received, **more)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def reply(
    jurisdiction: str, received: datetime | date, track: str = "conditional"
) -> tuple[tuple[str, ...], StagePlan, Any]:
    law = in_force("sharing_application", jurisdiction, received, track=track)
    plan = law.plan_of(SharingApplicationPlan).tracks[Track(track)]
    stage = next(s for s in plan.stages if s.stage == "provider_review")
    return law.governed_by, stage, plan.extension


# -- the windows, at their boundary seconds ------------------------------------------------------


def test_hubei_is_joined_by_809_from_the_first_second_of_1_august_2025():
    before, stage, extension = reply("hubei", at("2025-07-31T23:59:59+08:00"))
    assert before == ("hubei-419",)
    assert [(x.working_days, x.on_timeout, x.prevails_over) for x in stage.time_limits] == [
        (10, Lapse.DEEMED_CONSENT, ())
    ]
    assert extension is None
    after, stage, extension = reply("hubei", at("2025-07-31T16:00:00+00:00"))
    assert after == ("hubei-419", "national-809")
    [limit] = stage.time_limits
    assert (limit.instrument, limit.cite, limit.on_timeout) == (
        "hubei-419",
        HUBEI_20,
        Lapse.DEEMED_CONSENT,
    )
    assert [(p.instrument, p.cite, p.working_days) for p in limit.prevails_over] == [
        ("national-809", N809_21, 10)
    ]
    assert (extension.max_working_days, extension.cite) == (10, N809_21)


def sharing(jurisdiction: str, received: datetime, track: str = "conditional", rulesets=RULESETS):
    law = compose(
        rulesets,
        process="sharing_application",
        jurisdiction=jurisdiction,
        received=received,
        track=track,
    )
    return law.plan_of(SharingApplicationPlan)


def test_the_delivery_after_consent_joins_the_plan_with_809_only():
    assert sharing("hubei", at("2025-07-31T23:59:59+08:00")).delivery is None
    plan = sharing("hubei", at("2025-08-01T00:00:00+08:00"))
    assert plan.delivery is not None and plan.confirmation is not None
    [limit] = plan.delivery.time_limits
    assert (plan.delivery.actor, limit.working_days, limit.on_timeout, limit.cite) == (
        Party.PROVIDER,
        20,
        Lapse.OVERDUE,
        "《政务数据共享条例》第二十二条",
    )
    assert (limit.instrument, limit.basis, limit.prevails_over) == (
        "national-809",
        Basis.STATUTE,
        (),
    )
    [target] = plan.confirmation.time_limits
    assert (plan.confirmation.actor, target.basis, target.on_timeout) == (
        Party.APPLICANT,
        Basis.TARGET,
        Lapse.CLOSE,
    )
    # Every chain that 809 joins carries it; a case Dongying alone governed never.
    assert sharing("hebei", at("2026-11-23T09:00:00+08:00")).delivery is not None
    assert sharing("shandong.dongying", at("2024-05-06T09:00:00+08:00")).delivery is None
    # Data outside the catalog runs under hubei 第二十二条 alone.
    assert sharing("hubei", at("2026-11-23T09:00:00+08:00"), "not_in_catalog").delivery is None


def test_a_shorter_local_delivery_period_governs_and_names_809_beside_it():
    data = yaml.safe_load((PACKAGED / "hubei-419.yaml").read_text(encoding="utf-8"))
    data["processes"]["sharing_application"]["delivery"] = {
        "actor": "provider",
        "article": "第二十条",
        "time_limits": [{"working_days": 5, "on_timeout": "overdue", "article": "第二十条"}],
    }
    local = parse_ruleset_text(yaml.safe_dump(data, allow_unicode=True), "hubei-419.yaml", RULESETS)
    rulesets = Rulesets([r for r in RULESETS if r.id != "hubei-419"] + [local])
    plan = sharing("hubei", at("2026-11-23T09:00:00+08:00"), rulesets=rulesets)
    assert plan.delivery is not None
    [limit] = plan.delivery.time_limits
    assert (limit.working_days, limit.instrument) == (5, "hubei-419")
    assert [(p.instrument, p.working_days) for p in limit.prevails_over] == [("national-809", 20)]
    assert plan.confirmation is not None  # 809's target, the local file having none


@pytest.mark.parametrize(
    ("jurisdiction", "received", "track", "supplemented"),
    [
        ("hubei.lichuan", "2025-07-31T23:59:59+08:00", "conditional", False),
        ("hubei.lichuan", "2025-08-01T00:00:00+08:00", "conditional", True),
        ("hebei", "2025-07-31T23:59:59+08:00", "unconditional", False),
        ("hebei", "2025-08-01T00:00:00+08:00", "unconditional", True),
        ("shandong.dongying", "2026-11-20T23:59:59+08:00", "conditional", True),
        ("shandong.dongying", "2026-11-21T00:00:00+08:00", "conditional", True),
        # Data not in the catalog is outside 809 第二十一条: only Hubei's order governs it.
        ("hubei", "2026-11-23T09:00:00+08:00", "not_in_catalog", False),
    ],
)
def test_a_supplement_is_composed_only_where_809_is_in_the_chain(
    jurisdiction: str, received: str, track: str, supplemented: bool
):
    law = in_force("sharing_application", jurisdiction, at(received), track=track)
    assert ("national-809" in law.governed_by) is supplemented
    supplement = law.plan_of(SharingApplicationPlan).supplement
    if not supplemented:
        assert supplement is None
        return
    assert supplement is not None
    assert supplement.cite == "《政务数据共享条例》第二十一条第二款"
    assert "行政许可法》第三十二条" in supplement.restart
    wait = supplement.wait
    assert (wait.stage, wait.actor) == ("supplement", Party.APPLICANT)
    [target] = wait.time_limits
    assert (target.working_days, target.on_timeout, target.basis) == (10, Lapse.CLOSE, Basis.TARGET)
    assert target.cite.startswith("运营目标")


def test_hubei_applies_in_lichuan_only_from_1_april_2021():
    alone, stage, _ = reply("hubei.lichuan", at("2021-03-31T15:59:59+00:00"))
    assert alone == ("lichuan-2020",)
    assert [x.working_days for x in stage.time_limits] == [2]
    assert all(x.on_timeout is Lapse.OVERDUE for x in stage.time_limits)
    joined, stage, _ = reply("hubei.lichuan", at("2021-03-31T16:00:00+00:00"))
    assert joined == ("lichuan-2020", "hubei-419")
    strict, silence = stage.time_limits
    assert (strict.working_days, strict.cite, strict.instrument) == (2, LICHUAN_20, "lichuan-2020")
    assert [p.instrument for p in strict.prevails_over] == ["hubei-419"]
    assert (silence.working_days, silence.on_timeout, silence.instrument) == (
        10,
        Lapse.DEEMED_CONSENT,
        "hubei-419",
    )


def test_dongying_gives_way_to_809_after_its_last_day():
    inside, stage, _ = reply("shandong.dongying", at("2026-11-20T23:59:59+08:00"))
    assert inside == ("dongying-2021-26", "national-809")
    assert stage.time_limits[0].instrument == "dongying-2021-26"
    after, stage, extension = reply("shandong.dongying", at("2026-11-21T00:00:00+08:00"))
    assert after == ("national-809",)
    [limit] = stage.time_limits
    assert (limit.working_days, limit.on_timeout, limit.cite) == (10, Lapse.OVERDUE, N809_21)
    assert extension is not None


def test_only_dongying_defines_the_green_channel_so_it_is_refused_after_the_end_naming_the_gap():
    with pytest.raises(RulesetNotInForce) as refused:
        in_force("green_channel", "shandong.dongying", at("2026-11-21T00:00:00+08:00"))
    message = str(refused.value)
    assert "2026年11月20日" in message and "东营市公共数据管理办法" in message
    assert "《政务数据共享条例》（国务院令第809号）未作规定" in message
    assert "接续文件" in message and "山东省人民政府令第329号" in message


def test_nothing_in_force_is_refused_naming_the_window():
    with pytest.raises(RulesetNotInForce, match="2021年4月1日"):
        in_force("open_data_objection", "hubei.lichuan", date(2021, 3, 31))


# -- composing one duty --------------------------------------------------------------------------


def test_hebei_loses_its_verification_extension_and_keeps_catalog_plus_five():
    law = in_force("quality_verification", "hebei", date(2025, 8, 1))
    assert law.plan_of(QualityVerificationPlan).extension is None
    earlier = in_force("quality_verification", "hebei", date(2025, 7, 31))
    assert earlier.plan_of(QualityVerificationPlan).extension.max_working_days == 10  # type: ignore[union-attr]
    catalog = in_force("catalog_update", "hebei", date(2025, 8, 1), track="law_changed").plan_of(
        CatalogUpdatePlan
    )
    assert catalog.extension is not None and catalog.extension.working_days == 5
    assert catalog.extension.instrument == "national-809"
    assert catalog.review is not None and catalog.review.time_limits[0].working_days == 2


def test_a_local_rule_change_stays_under_the_local_instrument_alone():
    law = in_force(
        "catalog_update", "shandong.dongying", date(2026, 11, 16), track="local_rule_changed"
    )
    assert law.governed_by == ("dongying-2021-26",)
    assert law.plan_of(CatalogUpdatePlan).update.time_limits[0].working_days == 15
    national = in_force(
        "catalog_update", "shandong.dongying", date(2026, 11, 16), track="law_changed"
    ).plan_of(CatalogUpdatePlan)
    [limit] = national.update.time_limits
    assert (limit.working_days, limit.instrument) == (10, "national-809")
    assert [(p.instrument, p.working_days) for p in limit.prevails_over] == [
        ("dongying-2021-26", 15)
    ]


def test_a_statutory_period_displaces_an_operator_target():
    law = in_force("quality_verification", "shandong.dongying", date(2026, 11, 16))
    [limit] = law.plan_of(QualityVerificationPlan).verification.time_limits
    assert (limit.working_days, limit.basis, limit.instrument) == (
        10,
        Basis.STATUTE,
        "national-809",
    )


def test_a_cross_region_dispute_goes_to_the_common_superior_authority():
    law = in_force(
        "sharing_application", "hebei", date(2026, 11, 23), track="conditional", counterpart="hubei"
    )
    plan = law.plan_of(SharingApplicationPlan)
    assert plan.coordination is not None
    assert plan.coordination.actor is Party.SUPERIOR_AUTHORITY
    assert plan.superior_authority == "国务院政务数据共享主管部门"
    same = in_force(
        "sharing_application", "hebei", date(2026, 11, 23), track="conditional", counterpart="hebei"
    ).plan_of(SharingApplicationPlan)
    assert same.coordination is not None and same.coordination.actor is Party.AUTHORITY
    # 809 第二十八条: that authority's government decides what its coordination left open.
    assert plan.dispute is not None and same.dispute is not None
    assert plan.dispute.government_decision.actor is Party.SUPERIOR_AUTHORITY
    assert same.dispute.government_decision.actor is Party.AUTHORITY
    assert plan.dispute.negotiation.actor is Party.PROVIDER  # the applicant records too


def disputes(jurisdiction: str, received: datetime) -> SharingApplicationPlan:
    return in_force("sharing_application", jurisdiction, received, track="conditional").plan_of(
        SharingApplicationPlan
    )


def test_the_dispute_ladder_runs_from_the_first_second_of_809():
    before = disputes("hubei", at("2025-07-31T23:59:59+08:00"))
    assert before.dispute is None
    assert before.coordination is not None and before.coordination.time_limits == ()
    after = disputes("hubei", at("2025-08-01T00:00:00+08:00"))
    assert after.dispute is not None
    negotiation = after.dispute.negotiation
    assert [(x.working_days, x.on_timeout, x.basis) for x in negotiation.time_limits] == [
        (10, Lapse.DEEMED_FAILED, Basis.TARGET)
    ]
    assert negotiation.cite == "《政务数据共享条例》第二十八条"
    # Hubei's own route is the coordination step, under its article, with the ladder's target.
    assert after.coordination is not None and after.coordination.cite == HUBEI_20
    assert [x.working_days for x in after.coordination.time_limits] == [20]
    assert after.coordination.time_limits[0].basis is Basis.TARGET
    assert after.dispute.government_decision.time_limits[0].working_days == 30


def test_lichuans_talks_are_the_negotiation_and_the_authority_coordinates():
    before = disputes("hubei.lichuan", at("2025-07-31T12:00:00+08:00"))
    assert before.dispute is None
    assert before.coordination is not None
    assert before.coordination.actor is Party.SERVICE_CENTRE
    after = disputes("hubei.lichuan", at("2026-11-23T09:00:00+08:00"))
    assert after.dispute is not None and after.coordination is not None
    assert after.coordination.actor is Party.AUTHORITY
    assert after.refused is not None
    assert after.refused.cite == "《利川市政务信息资源共享管理办法》第二十五条"


def test_a_ruleset_whose_ladder_lacks_its_coordination_is_refused():
    text = (PACKAGED / "national-809.yaml").read_text(encoding="utf-8")
    start, end = text.index("    coordination:\n"), text.index("    dispute:\n")
    broken = text[:start] + text[end:]
    with pytest.raises(RulesetError, match="dispute: a dispute ladder needs"):
        parse_ruleset_text(broken, "x.yaml", RULESETS)


LIMIT = st.builds(
    TimeLimit,
    working_days=st.integers(1, 30),
    on_timeout=st.sampled_from(list(Lapse)),
    cite=st.sampled_from(["第一条", "第二条", "第三条"]),
    basis=st.sampled_from(list(Basis)),
    instrument=st.sampled_from(["a", "b", "c"]),
)


# An instrument's limits for one stage escalate, as the loader requires.
ESCALATING = st.lists(LIMIT, max_size=3, unique_by=lambda x: x.working_days).map(
    lambda limits: sorted(limits, key=lambda x: x.working_days)
)


@given(st.lists(ESCALATING, min_size=1, max_size=4))
def test_the_governing_limit_is_never_longer_than_a_statutory_candidate(candidates):
    composed = compose_limits(candidates[0], candidates)
    statute = [x for limits in candidates for x in limits if x.basis is Basis.STATUTE]
    if not statute:
        assert composed == tuple(candidates[0])  # the stage's own targets, untouched
        return
    assert composed[0].working_days == min(x.working_days for x in statute)
    assert all(x.basis is Basis.STATUTE for x in composed)
    # Nothing is invented; every effect of silence survives at its own days.
    bare = {(x.working_days, x.on_timeout, x.cite, x.instrument) for x in statute}
    assert {(x.working_days, x.on_timeout, x.cite, x.instrument) for x in composed} <= bare
    days = [x.working_days for x in composed]
    assert days == sorted(days) and len(set(days)) == len(days)
    for effect in (x for x in statute if x.on_timeout is not Lapse.OVERDUE):
        assert any(
            x.working_days == effect.working_days and x.on_timeout is not Lapse.OVERDUE
            for x in composed
        )


# -- properties over the packaged instruments ------------------------------------------------


def stages(value: Any) -> list[StagePlan]:
    if isinstance(value, StagePlan):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in stages(item)]
    if isinstance(value, tuple | list):
        return [s for item in value for s in stages(item)]
    if is_dataclass(value):
        return [s for f in fields(value) for s in stages(getattr(value, f.name))]
    return []


# The processes whose duties more than one instrument sets (the others run one's own stages).
COMPOSED = {"sharing_application", "quality_verification", "catalog_update", "service_change"}


def statutory_candidates(
    applying: list[Ruleset], process: str, track: str | None, stage: StagePlan
) -> list[int]:
    """Every statutory limit an instrument in force sets for the same duty (of `track`, for a
    sharing application's track stages)."""
    found: list[int] = []
    if process not in COMPOSED:
        return found
    for ruleset in applying:
        plan = ruleset.plan_for(process)
        if isinstance(plan, SharingApplicationPlan):
            own = plan.tracks.get(Track(track)) if track is not None else None
            plan = own if own is not None else (plan.refused, plan.coordination)
        for other in stages(plan):
            if (other.stage, other.actor) == (stage.stage, stage.actor):
                found += [x.working_days for x in other.time_limits if x.basis is Basis.STATUTE]
    return found


def duties(law: Any) -> list[tuple[str | None, StagePlan]]:
    """Each stage of a composed plan, with the track it belongs to."""
    if isinstance(law.plan, SharingApplicationPlan):
        found = [(t.value, s) for t, plan in law.plan.tracks.items() for s in plan.stages]
        return found + [(None, s) for s in stages((law.plan.refused, law.plan.coordination))]
    return [(None, s) for s in stages(law.plan)]


CASES = st.tuples(
    st.sampled_from(JURISDICTIONS),
    st.sampled_from(PROCESSES),
    st.dates(date(2019, 1, 1), date(2028, 12, 31)),
).flatmap(
    lambda c: st.tuples(
        st.just(c[0]), st.just(c[1]), st.just(c[2]), st.sampled_from(TRACKS.get(c[1], [None]))
    )
)


def composed(
    rulesets: Rulesets, jurisdiction: str, process: str, day: date, track: str | None
) -> Any:
    try:
        return compose(
            rulesets, process=process, jurisdiction=jurisdiction, received=day, track=track
        )
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(CASES)
def test_composed_limits_never_exceed_a_limit_in_force_and_parents_keep_their_windows(case):
    jurisdiction, process, day, track = case
    law = composed(RULESETS, jurisdiction, process, day, track)
    in_force = chain(RULESETS, jurisdiction, day)
    if law is None:
        assert not any(r.plan_for(process) for r in in_force) or track is not None
        return
    applying = [r for r in in_force if r.id in law.governed_by]
    for ruleset_id in law.governed_by:
        ruleset = RULESETS.get(ruleset_id)
        assert ruleset is not None and ruleset.in_force_on(day)
    if jurisdiction == "hubei.lichuan" and day < date(2021, 4, 1):
        assert "hubei-419" not in law.governed_by
    if day < date(2025, 8, 1):
        assert "national-809" not in law.governed_by
    for stage_track, stage in duties(law):
        for limit in stage.time_limits:
            # Only an instrument governing the case sets a limit of its plan.
            assert limit.instrument in law.governed_by
        statutory = [x for x in stage.time_limits if x.basis is Basis.STATUTE]
        candidates = statutory_candidates(applying, process, stage_track, stage)
        if statutory and candidates:
            assert statutory[0].working_days <= min(candidates)
    if isinstance(law.plan, SharingApplicationPlan):
        for plan in law.plan.tracks.values():
            reply = next((s for s in plan.stages if s.stage == "provider_review"), None)
            if plan.extension is not None and reply is not None:
                longest = max(x.working_days for x in reply.time_limits)
                assert longest + plan.extension.max_working_days <= 10 + 10  # 809 第二十一条
    if isinstance(law.plan, QualityVerificationPlan) and "national-809" in law.governed_by:
        assert law.plan.extension is None  # 809 第二十六条 allows none
    if isinstance(law.plan, CatalogUpdatePlan) and law.plan.extension is not None:
        if "national-809" in law.governed_by:
            assert law.plan.extension.working_days <= 5
    if isinstance(law.plan, ServiceChangePlan):
        assert law.plan.notice_period.instrument in law.governed_by


@settings(max_examples=100, deadline=None)
@given(CASES, st.integers(0, 86399))
def test_identical_inputs_give_identical_plans(case, second):
    jurisdiction, process, day, track = case
    instant = datetime(day.year, day.month, day.day) + timedelta(seconds=second)
    received = instant.replace(tzinfo=datetime.fromisoformat("2026-01-01T00:00+08:00").tzinfo)
    first = composed(RULESETS, jurisdiction, process, received, track)
    again = composed(RELOADED, jurisdiction, process, received, track)
    by_day = composed(RULESETS, jurisdiction, process, day, track)
    if first is None:
        assert again is None and by_day is None
        return
    assert (first.plan, first.governed_by) == (again.plan, again.governed_by)
    assert (first.plan, first.governed_by) == (by_day.plan, by_day.governed_by)
