"""Composing the instruments that govern a case into the plan its workflow runs (RULES.md
section 0; docs/instruments.md).

Each ruleset file holds what its own instrument says. A case is governed by the instruments in
force on the day it is received (Beijing time) in the jurisdiction of the party that owes the
duty (the provider's, for a sharing application), most local first: the chain. `compose` is a
pure function of the loaded rulesets and those facts (no I/O, no clock); its plan is the
workflow input, recorded in history, so editing a ruleset never changes a running case.

The rules, per duty (a stage of the most local instrument defining it, matched by name with the
same stage of the instruments above):

1. Every instrument in force that sets a statutory limit for the duty is a candidate; the
   shortest governs (a lower rule may shorten a period the higher one sets, never lengthen it:
   809 第二十三条). The governing limit names its instrument and lists the others' limits it beat
   or equalled (`prevails_over`). On a tie the limit carrying an effect of silence (deemed
   consent) is named, so that the effect happens at that instant; among equals, the most local.
2. An effect of silence a lower instrument adds (hubei 第二十条's deemed consent) stays, at its
   own number of days, after the governing limit: a later limit of the same stage.
3. Operator targets (`basis: target`) fill only where no instrument in force sets a statutory
   limit, and only the most local instrument's own: a target never beats the law.
4. An extension (asked once, granted by the authority) is at most what the instruments offer,
   and the total never exceeds what the highest instrument setting the duty allows (its period
   plus its own extension, none if it allows none): 809 第十七条, 第二十一条, 第二十六条.
5. Where the most local instrument is silent on a process (or a track) or has expired, the next
   one up in force governs; with none in force the case is refused, naming the windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from regulations.loader import (
    NotHeldSpec,
    Ruleset,
    RulesetNotApplicable,
    RulesetNotInForce,
    Rulesets,
    chinese_date,
)
from workflows.catalog_update import TRIGGER_LABELS, CatalogUpdatePlan, Trigger
from workflows.common import Basis, ExtensionPlan, Lapse, Party, Prevailed, StagePlan, TimeLimit
from workflows.negative_listing import NegativeListingPlan
from workflows.quality_verification import QualityVerificationPlan
from workflows.registry import PROCESS_TITLES
from workflows.service_change import ServiceChangePlan
from workflows.sharing_application import SharingApplicationPlan, Track, TrackPlan

BEIJING = ZoneInfo("Asia/Shanghai")
NATIONAL_AUTHORITY = "国务院政务数据共享主管部门"
PlanT = TypeVar("PlanT")


class TrackNotDefined(RulesetNotApplicable):
    """No instrument in force defines the case's track (a kind of data, a catalog trigger)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Composed:
    """What governs one case: its most local instrument (which numbers the case and is its
    `ruleset`), the chain of instruments composed (most local first) and the plan to run."""

    process: str
    ruleset: Ruleset
    governed_by: tuple[str, ...]
    plan: Any  # the process's plan (SharingApplicationPlan, …)

    @property
    def id(self) -> str:
        return self.ruleset.id

    @property
    def title(self) -> str:
        return self.ruleset.spec.title

    def plan_of(self, kind: type[PlanT]) -> PlanT:
        """The plan, as the process's own type."""
        if not isinstance(self.plan, kind):
            raise TypeError(f"{self.process} composes a {type(self.plan).__name__}, not {kind}")
        return self.plan


def beijing_day(received: datetime | date) -> date:
    return received.astimezone(BEIJING).date() if isinstance(received, datetime) else received


# -- the chain ---------------------------------------------------------------------------------


def chain(rulesets: Rulesets, jurisdiction: str, day: date) -> list[Ruleset]:
    """The instruments binding `jurisdiction` on `day`, most local first: each one covering it
    and in force that day, an ancestor only within the window its child names (lichuan →
    hubei-419 from 2021-04-01). A higher instrument binds by its own force: a child that has
    ended, or names no parent, does not shield the jurisdiction from it."""
    covering = [r for r in rulesets if r.covers(jurisdiction) and r.in_force_on(day)]
    applicable = [
        r
        for r in covering
        if all(child.parent_applies_on(day) for child in covering if child.parent == r.id)
    ]
    return sorted(applicable, key=lambda r: (-r.depth(), -_links(rulesets, r), r.id))


def _links(rulesets: Rulesets, ruleset: Ruleset) -> int:
    """How many parents stand above `ruleset`: among instruments of one jurisdiction, the one
    naming the other as its parent is the more local."""
    seen = {ruleset.id}
    count, current = 0, ruleset
    while current.parent is not None and current.parent not in seen:
        parent = rulesets.get(current.parent)
        if parent is None:
            break
        seen.add(parent.id)
        count, current = count + 1, parent
    return count


@dataclass(frozen=True)
class Link:
    """One instrument of a jurisdiction's chain, and the window in which it binds there: a
    ruleset, or an instrument known but not held (never composed)."""

    ruleset: Ruleset | None
    not_held: NotHeldSpec | None
    applies_from: date | None  # None: not verified
    applies_until: date | None  # inclusive; None: no end (or not verified)


def chain_of(rulesets: Rulesets, ruleset: Ruleset) -> list[Link]:
    """The chain above `ruleset`'s jurisdiction, most local first, as its files declare it:
    each parent within the window its child names (and its own), the instruments known but not
    held where they sit; a ruleset naming no parent is followed by the national instruments."""
    links: list[Link] = []
    seen: set[str] = set()
    current: Ruleset | None = ruleset
    start, end = ruleset.spec.in_force.from_, ruleset.spec.in_force.until
    while current is not None and current.id not in seen:
        seen.add(current.id)
        links.append(Link(current, None, start, end))
        for unknown in rulesets.not_held:
            if unknown.above == current.id:
                window = unknown.in_force
                links.append(
                    Link(
                        None,
                        unknown,
                        window.from_ if window else None,
                        window.until if window else None,
                    )
                )
        parent_id = current.parent
        following = rulesets.get(parent_id) if parent_id else None
        if following is None and not current.national:
            following = next((r for r in rulesets if r.national and r.id not in seen), None)
        if following is None:
            break
        window_from, window_until = current.parent_window() if parent_id else (None, None)
        own = following.spec.in_force
        start = max(d for d in (own.from_, window_from) if d is not None)
        ends = [d for d in (own.until, window_until) if d is not None]
        end = min(ends) if ends else None
        current = following
    return links


def common_jurisdiction(one: str, other: str) -> str:
    """The jurisdiction both lie in ("" for the whole country): hubei.lichuan and hubei →
    hubei; hubei and hebei → ""."""
    common = []
    for a, b in zip(one.split("."), other.split("."), strict=False):
        if a != b:
            break
        common.append(a)
    return ".".join(common)


# -- composing ---------------------------------------------------------------------------------


def compose(
    rulesets: Rulesets,
    *,
    process: str,
    jurisdiction: str,
    received: datetime | date,
    track: str | None = None,
    counterpart: str | None = None,
) -> Composed:
    """The plan of a case of `process` whose duties are owed in `jurisdiction`, received at
    `received` (its Beijing date decides what is in force). `track`: a sharing application's
    kind of data, a catalog update's trigger (None: every track the chain defines).
    `counterpart`: the other party's jurisdiction (a sharing applicant's), for disputes across
    regions or levels. Raises RulesetNotInForce or RulesetNotApplicable (Chinese messages)."""
    day = beijing_day(received)
    links = chain(rulesets, jurisdiction, day)
    defining = [r for r in links if _defines(r, process, track)]
    if not defining:
        raise _not_governed(rulesets, process, jurisdiction, day, track)
    match process:
        case "sharing_application":
            plan: Any = _sharing(defining, track, jurisdiction, counterpart)
        case "quality_verification":
            plan = _verification(defining)
        case "catalog_update":
            plan = _catalog(defining)
        case "service_change":
            plan = _service_change(defining)
        case "negative_listing":
            plan = _negative_listing(defining)
        case _:  # defined by one instrument's own stages, which it runs as written
            plan = defining[0].plan_for(process)
    return Composed(process, defining[0], tuple(r.id for r in defining), plan)


def _defines(ruleset: Ruleset, process: str, track: str | None) -> bool:
    plan = ruleset.plan_for(process)
    if plan is None:
        return False
    if track is None:
        return True
    if isinstance(plan, SharingApplicationPlan):
        return track in {t.value for t in plan.tracks}
    if isinstance(plan, CatalogUpdatePlan):
        if track == Trigger.YEARLY_MAINTENANCE:
            return plan.yearly is not None and track in plan.triggers
        return track in plan.triggers
    return True


# -- one duty ------------------------------------------------------------------------------------


def compose_limits(
    own: Sequence[TimeLimit], candidates: Sequence[Sequence[TimeLimit]]
) -> tuple[TimeLimit, ...]:
    """The limits of one duty: `candidates` are each instrument's limits for it, most local
    first; `own`, those of the stage being composed (its targets fill where no law does)."""
    statute = [
        (rank, limit)
        for rank, limits in enumerate(candidates)
        for limit in limits
        if limit.basis is Basis.STATUTE
    ]
    if not statute:
        return tuple(own)
    ranks = sorted({rank for rank, _ in statute})
    if len(ranks) == 1:
        return tuple(limit for limit in candidates[ranks[0]] if limit.basis is Basis.STATUTE)

    def order(item: tuple[int, TimeLimit]) -> tuple[int, bool, int]:
        rank, limit = item
        return limit.working_days, limit.on_timeout is Lapse.OVERDUE, rank

    ordered = sorted(statute, key=order)
    governing_rank, governing = ordered[0]
    first: dict[int, TimeLimit] = {}
    for rank, limit in ordered:
        first.setdefault(rank, limit)
    composed = [
        replace(
            governing,
            prevails_over=tuple(_beaten(first[rank]) for rank in ranks if rank != governing_rank),
        )
    ]
    days = {governing.working_days}
    for rank, limit in ordered[1:]:
        if limit.working_days in days:
            continue
        if limit.on_timeout is Lapse.OVERDUE and rank != governing_rank:
            continue  # the party is already held to account by the governing limit
        equal = tuple(
            _beaten(other)
            for other_rank, other in statute
            if other_rank != rank and other.working_days == limit.working_days
        )
        composed.append(replace(limit, prevails_over=equal))
        days.add(limit.working_days)
    return tuple(composed)


def _beaten(limit: TimeLimit) -> Prevailed:
    return Prevailed(limit.instrument, limit.cite, limit.working_days)


def _stage(own: StagePlan, candidates: Sequence[StagePlan | None]) -> StagePlan:
    return replace(
        own,
        time_limits=compose_limits(
            own.time_limits, [c.time_limits if c is not None else () for c in candidates]
        ),
    )


@dataclass(frozen=True)
class _Offer:
    days: int
    cite: str
    instrument: str


def _extension(
    offers: Sequence[_Offer | None], duty: Sequence[Sequence[TimeLimit]], composed: int
) -> tuple[_Offer, tuple[Prevailed, ...]] | None:
    """The extension of one duty: the smallest offered, and never more than the highest
    instrument setting the duty allows in total (its period plus its own extension) less the
    `composed` period (the longest limit of the composed stage)."""
    offered = [(offer, rank) for rank, offer in enumerate(offers) if offer is not None]
    if not offered:
        return None
    setters = [
        rank for rank, limits in enumerate(duty) if any(x.basis is Basis.STATUTE for x in limits)
    ]
    room = None
    if setters:
        top = setters[-1]
        base = max(x.working_days for x in duty[top] if x.basis is Basis.STATUTE)
        own = offers[top]
        room = base + (own.days if own is not None else 0) - composed
    offer, rank = min(offered, key=lambda pair: (pair[0].days, pair[1]))
    days = offer.days if room is None else min(offer.days, room)
    if days < 1:
        return None
    beaten = tuple(
        Prevailed(other.instrument, other.cite, other.days)
        for other, other_rank in offered
        if other_rank != rank
    )
    return replace(offer, days=days), beaten


def _extension_plan(
    offers: Sequence[ExtensionPlan | None], duty: Sequence[Sequence[TimeLimit]], stage: StagePlan
) -> ExtensionPlan | None:
    found = _extension(
        [_Offer(o.max_working_days, o.cite, o.instrument) if o else None for o in offers],
        duty,
        max((x.working_days for x in stage.time_limits), default=0),
    )
    if found is None:
        return None
    offer, beaten = found
    return ExtensionPlan(offer.days, offer.cite, offer.instrument, beaten)


# -- per process -----------------------------------------------------------------------------------


def _sharing(
    defining: list[Ruleset], track: str | None, jurisdiction: str, counterpart: str | None
) -> SharingApplicationPlan:
    plans = [r.sharing_application for r in defining if r.sharing_application is not None]
    base = plans[0]
    tracks: dict[Track, TrackPlan] = {}
    for kind in Track:
        if track is not None and kind.value != track:
            continue
        holders = [p.tracks[kind] for p in plans if kind in p.tracks]
        if not holders:
            continue
        skeleton = holders[0]
        stages = tuple(
            _stage(stage, [_same(h.stages, stage) for h in holders]) for stage in skeleton.stages
        )
        reply = next((s for s in stages if s.stage == "provider_review"), None)
        extension = None
        if reply is not None:
            extension = _extension_plan(
                [h.extension for h in holders],
                [_limits(_same(h.stages, reply)) for h in holders],
                reply,
            )
        tracks[kind] = TrackPlan(stages, skeleton.cite, extension)
    delivery, confirmation = _delivery(plans)
    # Supplement (补正) where an instrument of the chain in force provides it: 809 第二十一条第二款
    # for cases received from 2025-08-01. A local instrument's own form check gives way to it.
    supplement = next((p.supplement for p in plans if p.supplement is not None), None)
    plan = _dispute_ladder(
        replace(
            base,
            tracks=tracks,
            delivery=delivery,
            confirmation=confirmation,
            supplement=supplement,
        ),
        plans,
    )
    national = next((p for r, p in zip(defining, plans, strict=True) if r.national), None)
    if (
        counterpart
        and counterpart != jurisdiction
        and national is not None
        and national.coordination is not None
    ):
        # 809 第二十八条: 跨层级、跨地域的 disputes go to the common superior authority.
        common = common_jurisdiction(jurisdiction, counterpart)
        plan = replace(
            plan,
            refused=plan.refused or national.refused,
            coordination=replace(national.coordination, actor=Party.SUPERIOR_AUTHORITY),
            superior_authority=NATIONAL_AUTHORITY
            if not common
            else f"{common}的政务数据共享主管部门",
        )
        if plan.dispute is not None:
            # That authority's government decides what its coordination did not resolve.
            plan = replace(
                plan,
                dispute=replace(
                    plan.dispute,
                    government_decision=replace(
                        plan.dispute.government_decision, actor=Party.SUPERIOR_AUTHORITY
                    ),
                ),
            )
    return plan


def _delivery(
    plans: Sequence[SharingApplicationPlan],
) -> tuple[StagePlan | None, StagePlan | None]:
    """The delivery after consent (809 第二十二条) where an instrument of the chain sets it,
    composed as every duty (a local instrument's shorter period would govern), and the
    applicant's confirmation, an operator target, of the most local instrument that has one."""
    own = next((p.delivery for p in plans if p.delivery is not None), None)
    if own is None:
        return None, None
    confirmation = next((p.confirmation for p in plans if p.confirmation is not None), None)
    return _stage(own, [p.delivery for p in plans]), confirmation


def _dispute_ladder(
    plan: SharingApplicationPlan, plans: Sequence[SharingApplicationPlan]
) -> SharingApplicationPlan:
    """809 第二十八条's ladder around the most local instrument's route after a refusal.

    The local route (hubei 第二十条, dongying 第二十三条, hebei 第十五条: the same-level
    authority coordinates) is the ladder's coordination step, under its own article; where a
    local instrument has no limit for it, the ladder's target fills it. Lichuan 第二十五条's
    talks of the provider, the service centre and the applicant are the ladder's negotiation
    (the centre is told and reads the case); the coordination then goes to the same-level
    authority, as 809 and lichuan 第二十五条 (同级政府相关职能部门) both say. A local instrument
    that makes a refusal final cannot take the route away: the ladder's own stages run."""
    holder = next((p for p in plans if p.dispute is not None), None)
    if holder is None or holder.dispute is None or holder.coordination is None:
        return plan
    coordination = plan.coordination or holder.coordination
    if coordination.actor is not holder.coordination.actor:
        coordination = holder.coordination
    if not coordination.time_limits:
        coordination = replace(coordination, time_limits=holder.coordination.time_limits)
    return replace(
        plan,
        refused=plan.refused or holder.refused,
        coordination=coordination,
        dispute=holder.dispute,
    )


def _same(stages: Sequence[StagePlan], stage: StagePlan) -> StagePlan | None:
    """The same duty in another instrument: the stage of that name and actor."""
    return next((s for s in stages if (s.stage, s.actor) == (stage.stage, stage.actor)), None)


def _limits(stage: StagePlan | None) -> tuple[TimeLimit, ...]:
    return stage.time_limits if stage is not None else ()


def _verification(defining: list[Ruleset]) -> QualityVerificationPlan:
    plans = [r.quality_verification for r in defining if r.quality_verification is not None]
    base = plans[0]
    verification = _stage(base.verification, [p.verification for p in plans])
    joint = None
    if base.joint_verification is not None:
        # The providers' verification done together with the service centre: the same period
        # binds it (lichuan 第十七条 with hubei 第十三条, 809 第二十六条).
        joint = _stage(
            base.joint_verification,
            [base.joint_verification] + [p.joint_verification or p.verification for p in plans[1:]],
        )
    forwarding = None
    if base.forwarding is not None:
        forwarding = _stage(base.forwarding, [p.forwarding for p in plans])
    return replace(
        base,
        verification=verification,
        forwarding=forwarding,
        joint_verification=joint,
        extension=_extension_plan(
            [p.extension for p in plans],
            [p.verification.time_limits for p in plans],
            verification,
        ),
        dispute_period=_stage(base.dispute_period, [p.dispute_period for p in plans]),
        dispute_review=_stage(base.dispute_review, [p.dispute_review for p in plans]),
    )


def _catalog(defining: list[Ruleset]) -> CatalogUpdatePlan:
    plans = [r.catalog_update for r in defining if r.catalog_update is not None]
    base = plans[0]
    triggers: dict[str, str] = {}
    for p in plans:
        for name, cite in p.triggers.items():
            triggers.setdefault(name, cite)
    update = _stage(base.update, [p.update for p in plans])
    longest = max((x.working_days for x in update.time_limits), default=0)
    found = _extension(
        [
            _Offer(p.extension.working_days, p.extension.cite, p.extension.instrument)
            if p.extension
            else None
            for p in plans
        ],
        [p.update.time_limits for p in plans],
        longest,
    )
    extension = None
    if found is not None:
        offer, beaten = found
        extension = TimeLimit(
            offer.days, Lapse.OVERDUE, offer.cite, Basis.STATUTE, offer.instrument, beaten
        )
    reviews = [p.review for p in plans]
    review_base = next((r for r in reviews if r is not None), None)
    review = _stage(review_base, reviews) if review_base is not None else None
    own_review = base.review is not None
    return CatalogUpdatePlan(
        update=update,
        cite=base.cite,
        triggers=triggers,
        extension=extension,
        extension_review=next(
            (p.extension_review for p in plans if p.extension_review is not None), None
        )
        if extension is not None
        else None,
        review=review,
        rework=base.rework if own_review else None,
        rework_rounds=base.rework_rounds if own_review else 0,
        yearly=next((p.yearly for p in plans if p.yearly is not None), None),
    )


def _service_change(defining: list[Ruleset]) -> ServiceChangePlan:
    plans = [r.service_change for r in defining if r.service_change is not None]
    base = plans[0]
    notice = compose_limits((base.notice_period,), [(p.notice_period,) for p in plans])
    # A higher instrument's filing duty (809 第二十七条第三款) binds beside a local notice period.
    filing = next((p.filing_cite for p in plans if p.filing_cite), "")
    return replace(base, notice_period=notice[0], filing_cite=filing)


def _negative_listing(defining: list[Ruleset]) -> NegativeListingPlan:
    """The most local review and approval (hubei 第二十三条, hebei 第十一条), held to the
    rank of basis the highest instrument allows (809 第十四条)."""
    rules = [r.negative_listing for r in defining if r.negative_listing is not None]
    local = next((r for r in rules if r.review and r.approval), None)
    if local is None or local.review is None or local.approval is None:
        raise RulesetNotApplicable(
            "本辖区适用的规定未规定不予共享负面清单的审核、批准程序，暂不能在平台办理。"
        )
    return NegativeListingPlan(
        review=local.review,
        approval=local.approval,
        rank_cite=next((r.rank_cite for r in rules if r.rank_cite), ""),
        cite=local.cite,
    )


# -- refusing -------------------------------------------------------------------------------------


def _not_governed(
    rulesets: Rulesets, process: str, jurisdiction: str, day: date, track: str | None
) -> ValueError:
    """Why nothing governs the case, in Chinese, naming the windows."""
    title = PROCESS_TITLES.get(process, process)
    ever = [r for r in rulesets if r.covers(jurisdiction) and _defines(r, process, track)]
    if not ever:
        if track is not None and any(
            r.covers(jurisdiction) and _defines(r, process, None) for r in rulesets
        ):
            return _track_not_defined(rulesets, process, jurisdiction, day, track)
        return RulesetNotApplicable("本辖区没有规定此类事项的规则集。")
    received = chinese_date(day)
    ended = [r for r in ever if r.status_on(day) == "ended"]
    if ended:
        last = max(ended, key=lambda r: r.spec.in_force.until or date.max)
        until = last.spec.in_force.until or day
        message = (
            f"《{last.spec.title}》（{last.spec.number}）已于{chinese_date(until)}失效，"
            f"{received}受理的{title}案件不再适用"
        )
        above = [r for r in chain(rulesets, jurisdiction, day) if r.plan_for(process) is None]
        plan = last.plan_for(process)
        cite = getattr(plan, "cite", "")
        if above:
            named = "、".join(f"《{r.spec.title}》（{r.spec.number}）" for r in above)
            article = cite.removeprefix(f"《{last.spec.title}》")
            message += f"；{title}由该办法{article}设立，{named}未作规定"
        successors = [f"《{last.spec.title}》的接续文件"] + [
            n.name for n in rulesets.not_held if n.above == last.id
        ]
        return RulesetNotInForce(
            message + f"，且尚无接续的规则集。须待{'或'.join(successors)}作为规则集上传后，"
            "自其施行之日起受理。"
        )
    windows = "；".join(f"《{r.spec.title}》{r.window_text()}" for r in ever)
    first = min(ever, key=lambda r: r.spec.in_force.from_)
    return RulesetNotInForce(
        f"《{first.spec.title}》自{chinese_date(first.spec.in_force.from_)}起施行，"
        f"{received}尚未施行（施行期间：{windows}）。"
    )


TRACK_NAMES = {
    Track.UNCONDITIONAL.value: "无条件共享数据",
    Track.CONDITIONAL.value: "有条件共享数据",
    Track.NOT_IN_CATALOG.value: "目录外数据",
}


def _track_not_defined(
    rulesets: Rulesets, process: str, jurisdiction: str, day: date, track: str
) -> TrackNotDefined:
    in_force = [r for r in chain(rulesets, jurisdiction, day) if r.plan_for(process) is not None]
    names = "、".join(f"《{r.spec.title}》" for r in in_force) or "本辖区现行规则"
    if process == "catalog_update":
        known = sorted(
            {t for r in in_force for t in getattr(r.plan_for(process), "triggers", {})}
            - {Trigger.YEARLY_MAINTENANCE.value}
        )
        allowed = "、".join(f"{t}（{TRIGGER_LABELS[t]}）" for t in known)
        return TrackNotDefined(
            f"{names}未规定因“{TRIGGER_LABELS.get(track, track)}”更新目录；可选：{allowed}。",
            "trigger_not_applicable",
        )
    what = TRACK_NAMES.get(track, track)
    return TrackNotDefined(f"{names}未规定{what}的申请程序。", "track_not_defined")
