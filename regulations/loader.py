"""Reading ruleset files into validated rulesets and the plans workflows run on.

Each process's workflow module declares its stages and how a time limit of each may lapse
(workflows/process.py); a ruleset that names a stage its process does not have, or a lapse the
stage cannot run, is refused here, naming the file and the field, so that no running case meets
it at its deadline."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workflows.catalog_update import CATALOG_UPDATE, CatalogUpdatePlan, Trigger
from workflows.common import Basis, ExtensionPlan, Lapse, Party, StagePlan, TimeLimit
from workflows.emergency_reclassification import EmergencyReclassificationPlan
from workflows.green_channel import GREEN_CHANNEL, GreenChannelPlan, ProvisionPlan
from workflows.negative_listing import NEGATIVE_LISTING
from workflows.open_data_objection import OPEN_DATA_OBJECTION, OpenDataObjectionPlan
from workflows.process import Process
from workflows.quality_verification import QUALITY_VERIFICATION, QualityVerificationPlan
from workflows.service_change import SERVICE_CHANGE, ServiceChangePlan
from workflows.sharing_application import (
    SHARING_APPLICATION,
    TRACK_STAGES,
    DisputePlan,
    SharingApplicationPlan,
    SupplementPlan,
    Track,
    TrackPlan,
)

PACKAGED = Path(__file__).resolve().parent / "data"
# Instruments known to bind somewhere here whose texts are not held: shown, never composed.
NOT_HELD = Path(__file__).resolve().parent / "not_held.yaml"


class RulesetError(ValueError):
    """A ruleset file is unreadable or invalid; the message names the file and the field.
    `problems`: pydantic's findings, when the file is valid YAML but not a ruleset (the
    service describes them in Chinese by the fields' names, service/errors.py)."""

    def __init__(self, message: str, *, source: str = "", problems: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.source = source
        self.problems = list(problems)


class RulesetNotInForce(ValueError):
    """No instrument governs the receipt date; the message names the instrument and its window."""


class RulesetNotApplicable(ValueError):
    """The requested ruleset does not cover the caller's jurisdiction or process."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitSpec(_Spec):
    working_days: int = Field(ge=1, le=365)
    on_timeout: Lapse
    article: str = Field(min_length=1)
    basis: Basis = Basis.STATUTE
    instrument: str | None = None  # another ruleset's article, e.g. Lichuan citing Hubei


class StageSpec(_Spec):
    stage: str | None = None
    actor: Party
    article: str = Field(min_length=1)
    instrument: str | None = None
    time_limits: tuple[LimitSpec, ...] = ()


class ExtensionSpec(_Spec):
    max_working_days: int = Field(ge=1, le=365)
    article: str = Field(min_length=1)


class TrackSpec(_Spec):
    article: str = Field(min_length=1)
    stages: tuple[StageSpec, ...] = ()
    extension: ExtensionSpec | None = None  # of the provider's reply (809 第二十一条)


class ArticleSpec(_Spec):
    article: str = Field(min_length=1)
    needs_legal_basis: bool = False


class SupplementSpec(_Spec):
    """Supplement (补正) of an incomplete application (809 第二十一条第二款)."""

    article: str = Field(min_length=1)
    # Why the period starts again from the supplement, as the notices say it.
    restart: str = Field(min_length=1)
    wait: StageSpec  # the applicant's supplement stage, its operator target


class DisputeSpec(_Spec):
    """The steps a dispute ladder adds around the coordination (809 第二十八条)."""

    negotiation: StageSpec
    negotiation_failed: StageSpec
    government_decision: StageSpec


class SharingApplicationSpec(_Spec):
    not_shared: ArticleSpec
    refusal: ArticleSpec
    refused: StageSpec | None = None
    coordination: StageSpec | None = None
    tracks: dict[Track, TrackSpec]
    # After a provider's consent, where the platform's grant is not the delivery (809 第二十二条);
    # `confirmation`: the applicant's receipt (an operator target), only after a delivery.
    delivery: StageSpec | None = None
    confirmation: StageSpec | None = None
    supplement: SupplementSpec | None = None
    dispute: DisputeSpec | None = None


class OpenDataObjectionSpec(_Spec):
    article: str = Field(min_length=1)
    instrument: str | None = None
    assessment: StageSpec
    verification: StageSpec


class CiteSpec(_Spec):
    article: str = Field(min_length=1)
    instrument: str | None = None


class CatalogUpdateSpec(_Spec):
    article: str = Field(min_length=1)
    instrument: str | None = None
    triggers: dict[Trigger, CiteSpec] = Field(min_length=1)
    update: StageSpec
    extension: LimitSpec | None = None
    extension_review: StageSpec | None = None
    review: StageSpec | None = None
    rework: StageSpec | None = None
    rework_rounds: int = Field(0, ge=0, le=10)
    yearly: StageSpec | None = None


class ProvisionSpec(_Spec):
    article: str = Field(min_length=1)
    feedback: LimitSpec  # the provider answers whether it can deliver
    delivery: LimitSpec  # and makes the data available


class GreenChannelSpec(_Spec):
    article: str = Field(min_length=1)
    review: StageSpec
    green: ProvisionSpec
    ordinary: ProvisionSpec


class ServiceChangeSpec(_Spec):
    article: str = Field(min_length=1)
    notice_period: LimitSpec
    # The article asking for a good reason, the requesters' consultation and the 备案 with the
    # authority (809 第二十七条第三款), where the instrument asks it.
    filing_article: str | None = None


class NegativeListingSpec(_Spec):
    """What an instrument says of the negative list: a local one its review and approval,
    809 the rank of the basis (`rank`)."""

    article: str = Field(min_length=1)
    rank: CiteSpec | None = None
    review: StageSpec | None = None
    approval: StageSpec | None = None


class EmergencyReclassificationSpec(_Spec):
    article: str = Field(min_length=1)


class QualityVerificationSpec(_Spec):
    article: str = Field(min_length=1)
    instrument: str | None = None
    forwarding: StageSpec | None = None
    verification: StageSpec
    extension: ExtensionSpec | None = None
    joint_verification: StageSpec | None = None
    serve_with_proof: ArticleSpec | None = None
    dispute_period: StageSpec
    dispute_review: StageSpec


class ProcessesSpec(_Spec):
    sharing_application: SharingApplicationSpec | None = None
    open_data_objection: OpenDataObjectionSpec | None = None
    catalog_update: CatalogUpdateSpec | None = None
    green_channel: GreenChannelSpec | None = None
    service_change: ServiceChangeSpec | None = None
    emergency_reclassification: EmergencyReclassificationSpec | None = None
    quality_verification: QualityVerificationSpec | None = None
    negative_listing: NegativeListingSpec | None = None


class InForce(_Spec):
    from_: date = Field(alias="from")
    until: date | None = None  # inclusive


class ParentSpec(_Spec):
    """The instrument directly above, and the window in which it applies to this one's
    jurisdiction (from its own first day, unless the texts say later: lichuan → hubei-419
    only from 2021-04-01, hubei 第四十二条)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    from_: date | None = Field(None, alias="from")
    until: date | None = None  # inclusive


class RulesetSpec(_Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    number: str = Field(min_length=1)
    level: Literal["national", "province", "city", "county", "district"]
    # `cn` for a national instrument: it covers every jurisdiction.
    jurisdiction: str = Field(pattern=r"^[a-z]+(\.[a-z]+)*$")
    # A ruleset id alone (the parent applies within its own window), or with the window.
    parent: str | ParentSpec | None = None
    in_force: InForce
    case_prefix: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,9}$")
    processes: ProcessesSpec


def _holds(day: date, start: date | None, until: date | None) -> bool:
    """Whether a window (open where an end is None; `until` inclusive) holds `day`."""
    return (start is None or start <= day) and (until is None or day <= until)


@dataclass(frozen=True)
class NegativeListingRules:
    """One instrument's part of the negative list; `regulations.compose` makes the plan."""

    review: StagePlan | None
    approval: StagePlan | None
    rank_cite: str
    cite: str


@dataclass(frozen=True)
class Ruleset:
    spec: RulesetSpec
    source: str
    sharing_application: SharingApplicationPlan | None
    open_data_objection: OpenDataObjectionPlan | None = None
    catalog_update: CatalogUpdatePlan | None = None
    green_channel: GreenChannelPlan | None = None
    service_change: ServiceChangePlan | None = None
    emergency_reclassification: EmergencyReclassificationPlan | None = None
    quality_verification: QualityVerificationPlan | None = None
    negative_listing: NegativeListingRules | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def national(self) -> bool:
        return self.spec.level == "national"

    @property
    def parent(self) -> str | None:
        parent = self.spec.parent
        return parent.id if isinstance(parent, ParentSpec) else parent

    def parent_applies_on(self, day: date) -> bool:
        """Whether the window in which this instrument's parent applies to it holds `day`."""
        return _holds(day, *self.parent_window())

    def parent_window(self) -> tuple[date | None, date | None]:
        parent = self.spec.parent
        if not isinstance(parent, ParentSpec):
            return None, None
        return parent.from_, parent.until

    def in_force_on(self, day: date) -> bool:
        window = self.spec.in_force
        return _holds(day, window.from_, window.until)

    def covers(self, jurisdiction: str) -> bool:
        if self.national:
            return True
        own = self.spec.jurisdiction
        return jurisdiction == own or jurisdiction.startswith(own + ".")

    def depth(self) -> int:
        """How local the instrument is: 0 national, 1 a province, 2 a city inside it, …"""
        return 0 if self.national else len(self.spec.jurisdiction.split("."))

    def plan_for(self, process: str) -> object | None:
        return getattr(self, process, None)

    def status_on(self, day: date) -> str:
        if self.in_force_on(day):
            return "in_force"
        return "not_yet" if day < self.spec.in_force.from_ else "ended"

    def window_text(self) -> str:
        window = self.spec.in_force
        until = chinese_date(window.until) if window.until else "无终止日期"
        return f"{chinese_date(window.from_)}至{until}"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class NotHeldSpec(_Spec):
    """An instrument known to bind a jurisdiction here whose text is not held: named in its
    chain (directly above `above`), never composed. Uploading it as a ruleset with the same
    `number` holds it."""

    title: str | None = None
    number: str = Field(min_length=1)
    level: Literal["national", "province", "city", "county", "district"]
    jurisdiction: str = Field(pattern=r"^[a-z]+(\.[a-z]+)*$")
    in_force: InForce | None = None  # None: its dates are not verified here
    above: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    note: str = Field(min_length=1)

    @property
    def name(self) -> str:
        return f"《{self.title}》（{self.number}）" if self.title else self.number


class Rulesets:
    """Every loaded ruleset, and the instruments known but not held; regulations/compose.py
    composes the ones governing a case."""

    def __init__(self, rulesets: list[Ruleset], not_held: list[NotHeldSpec] | None = None) -> None:
        self.by_id = {ruleset.id: ruleset for ruleset in rulesets}
        held = {r.spec.number for r in rulesets} | {r.spec.title for r in rulesets}
        # One uploaded as a ruleset (same number or title) is held from then on.
        self.not_held = [
            n for n in not_held or [] if n.number not in held and (n.title or "") not in held
        ]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.by_id.values(), key=lambda r: r.id))

    def get(self, ruleset_id: str) -> Ruleset | None:
        return self.by_id.get(ruleset_id)


def load_rulesets(*directories: Path) -> Rulesets:
    """Packaged rulesets plus those in `directories` (a later file with the same id wins)."""
    files: dict[str, Path] = {}
    for directory in (PACKAGED, *directories):
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                files[path.name] = path
    specs = {path: _read(path) for path in files.values()}
    by_id = {spec.id: spec for spec in specs.values()}
    return Rulesets([_build(spec, path, by_id) for path, spec in specs.items()], _not_held())


def _not_held() -> list[NotHeldSpec]:
    try:
        raw = yaml.safe_load(NOT_HELD.read_text(encoding="utf-8"))
        return [NotHeldSpec.model_validate(item) for item in raw or []]
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise RulesetError(f"{NOT_HELD}: {error}") from error


def parse_ruleset_text(text: str, source: str, known: Rulesets) -> Ruleset:
    """Validate an uploaded ruleset against the loaded ones (for parents and cited instruments)."""
    spec = _parse(text, source)
    by_id = {r.id: r.spec for r in known}
    by_id[spec.id] = spec
    return _build(spec, Path(source), by_id)


def _read(path: Path) -> RulesetSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesetError(f"{path}: cannot read: {error}") from error
    return _parse(text, str(path))


def _parse(text: str, source: str) -> RulesetSpec:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RulesetError(f"{source}：不是有效的 YAML{_yaml_where(error)}。") from error
    try:
        return RulesetSpec.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise RulesetError(
            f"{source}: {problems}", source=source, problems=error.errors()
        ) from error


def _yaml_where(error: yaml.YAMLError) -> str:
    """Where the YAML breaks, as people count: （第3行第5列）."""
    mark = getattr(error, "problem_mark", None)
    return f"（第{mark.line + 1}行第{mark.column + 1}列）" if mark is not None else ""


def _build(spec: RulesetSpec, path: Path, by_id: dict[str, RulesetSpec]) -> Ruleset:
    def fail(field: str, message: str) -> RulesetError:
        return RulesetError(f"{path}: {field}: {message}")

    parent = spec.parent.id if isinstance(spec.parent, ParentSpec) else spec.parent
    if parent is not None and parent not in by_id:
        raise fail("parent", f"unknown ruleset {parent!r}")
    if parent is not None and by_id[parent].level != "national" and spec.level == "national":
        raise fail("parent", "a national instrument has no parent below it")

    def cite(article: str, instrument: str | None, field: str) -> str:
        source = by_id.get(instrument or spec.id)
        if source is None:
            raise fail(field, f"unknown instrument {instrument!r}")
        return f"《{source.title}》{article}"

    def limit(item: LimitSpec, field: str, process: Process, *stages: str) -> TimeLimit:
        """A time limit of `stages` (each must be able to run its lapse)."""
        for name in stages:
            declared = process.stage(name)
            lapses = declared.lapses if declared else ()
            if item.on_timeout not in lapses:
                can = ", ".join(lapse.value for lapse in lapses) or "none: it takes no time limit"
                raise fail(
                    f"{field}.on_timeout",
                    f"a time limit of {process.name}'s stage {name!r} cannot lapse "
                    f"{item.on_timeout.value!r}; it can: {can}",
                )
        text = (
            item.article
            if item.basis is Basis.TARGET
            else cite(item.article, item.instrument, field)
        )
        return TimeLimit(
            item.working_days, item.on_timeout, text, item.basis, item.instrument or spec.id
        )

    def stage(
        item: StageSpec,
        field: str,
        process: Process,
        name: str | None = None,
        names: Collection[str] = (),
    ) -> StagePlan:
        """The stage at `field`: the stage `name` where the field decides it, else the one the
        file names, among `names`."""
        if name is not None and item.stage not in (None, name):
            raise fail(f"{field}.stage", f"this is the {name!r} stage, not {item.stage!r}")
        name = name or item.stage or ""
        allowed = names or [s.name for s in process.stages]
        if name not in allowed:
            raise fail(
                f"{field}.stage",
                f"{process.name} has no stage {name!r} here; one of {sorted(allowed)}",
            )
        limits = tuple(
            limit(x, f"{field}.time_limits.{i}", process, name)
            for i, x in enumerate(item.time_limits)
        )
        if [x.working_days for x in limits] != sorted(x.working_days for x in limits):
            raise fail(f"{field}.time_limits", "escalating limits must be in increasing order")
        return StagePlan(name, item.actor, cite(item.article, item.instrument, field), limits)

    def optional_stage(
        item: StageSpec | None, base: str, process: Process, name: str
    ) -> StagePlan | None:
        """The stage `name` at `base`.`name`, where the ruleset has one."""
        return stage(item, f"{base}.{name}", process, name) if item else None

    sharing = None
    if (s := spec.processes.sharing_application) is not None:
        base = "processes.sharing_application"
        sharing = SharingApplicationPlan(
            tracks={
                track: TrackPlan(
                    stages=tuple(
                        stage(
                            x,
                            f"{base}.tracks.{track}.stages.{i}",
                            SHARING_APPLICATION,
                            names=TRACK_STAGES,
                        )
                        for i, x in enumerate(t.stages)
                    ),
                    cite=cite(t.article, None, f"{base}.tracks.{track}"),
                    extension=ExtensionPlan(
                        t.extension.max_working_days,
                        cite(t.extension.article, None, f"{base}.tracks.{track}.extension"),
                        spec.id,
                    )
                    if t.extension
                    else None,
                )
                for track, t in s.tracks.items()
            },
            not_shared_cite=cite(s.not_shared.article, None, f"{base}.not_shared"),
            refusal_cite=cite(s.refusal.article, None, f"{base}.refusal"),
            refusal_needs_legal_basis=s.refusal.needs_legal_basis,
            refused=optional_stage(s.refused, base, SHARING_APPLICATION, "refused"),
            coordination=optional_stage(s.coordination, base, SHARING_APPLICATION, "coordination"),
            delivery=optional_stage(s.delivery, base, SHARING_APPLICATION, "delivery"),
            confirmation=optional_stage(s.confirmation, base, SHARING_APPLICATION, "confirmation"),
            supplement=SupplementPlan(
                cite(s.supplement.article, None, f"{base}.supplement"),
                stage(
                    s.supplement.wait, f"{base}.supplement.wait", SHARING_APPLICATION, "supplement"
                ),
                s.supplement.restart,
            )
            if s.supplement
            else None,
            dispute=_dispute(s, stage, fail),
        )
        if sharing.confirmation is not None and sharing.delivery is None:
            raise fail(f"{base}.confirmation", "a confirmation follows a delivery: add delivery")
    objection = None
    if (o := spec.processes.open_data_objection) is not None:
        base = "processes.open_data_objection"
        objection = OpenDataObjectionPlan(
            assessment=stage(
                o.assessment, f"{base}.assessment", OPEN_DATA_OBJECTION, "provider_assessment"
            ),
            verification=stage(
                o.verification, f"{base}.verification", OPEN_DATA_OBJECTION, "verification"
            ),
            cite=cite(o.article, o.instrument, base),
        )
    catalog = None
    if (c := spec.processes.catalog_update) is not None:
        catalog = _catalog_update(c, stage, limit, cite, fail)
    green = None
    if (g := spec.processes.green_channel) is not None:
        base = "processes.green_channel"

        def provision(item: ProvisionSpec, field: str) -> ProvisionPlan:
            article = cite(item.article, None, field)
            # The feedback stage runs both periods: delivering at once is also an answer.
            feedback = limit(item.feedback, f"{field}.feedback", GREEN_CHANNEL, "feedback")
            delivery = limit(
                item.delivery, f"{field}.delivery", GREEN_CHANNEL, "feedback", "delivery"
            )
            if feedback.working_days > delivery.working_days:
                raise fail(field, "the feedback period cannot be longer than the delivery one")
            return ProvisionPlan(
                feedback=StagePlan("feedback", Party.PROVIDER, article, (feedback, delivery)),
                delivery=StagePlan("delivery", Party.PROVIDER, article, (delivery,)),
                cite=article,
            )

        green = GreenChannelPlan(
            review=stage(g.review, f"{base}.review", GREEN_CHANNEL, "green_review"),
            green=provision(g.green, f"{base}.green"),
            ordinary=provision(g.ordinary, f"{base}.ordinary"),
            cite=cite(g.article, None, base),
        )
    service_change = None
    if (n := spec.processes.service_change) is not None:
        base = "processes.service_change"
        article = cite(n.article, None, base)
        service_change = ServiceChangePlan(
            notice_period=limit(
                n.notice_period, f"{base}.notice_period", SERVICE_CHANGE, "notice_period"
            ),
            announced=StagePlan("announced", Party.PROVIDER, article),
            cite=article,
            filing_cite=(
                cite(n.filing_article, None, f"{base}.filing_article") if n.filing_article else ""
            ),
        )
    reclassification = None
    if (r := spec.processes.emergency_reclassification) is not None:
        article = cite(r.article, None, "processes.emergency_reclassification")
        reclassification = EmergencyReclassificationPlan(
            reclassified=StagePlan("reclassified", Party.PROVIDER, article), cite=article
        )
    verification = None
    if (q := spec.processes.quality_verification) is not None:
        base = "processes.quality_verification"

        def verification_stage(item: StageSpec, name: str) -> StagePlan:
            return stage(item, f"{base}.{name}", QUALITY_VERIFICATION, name)

        extension = (
            ExtensionPlan(
                q.extension.max_working_days,
                cite(q.extension.article, None, f"{base}.extension"),
                spec.id,
            )
            if q.extension
            else None
        )
        verification = QualityVerificationPlan(
            verification=verification_stage(q.verification, "verification"),
            dispute_period=verification_stage(q.dispute_period, "dispute_period"),
            dispute_review=verification_stage(q.dispute_review, "dispute_review"),
            cite=cite(q.article, q.instrument, base),
            forwarding=optional_stage(q.forwarding, base, QUALITY_VERIFICATION, "forwarding"),
            extension=extension,
            joint_verification=optional_stage(
                q.joint_verification, base, QUALITY_VERIFICATION, "joint_verification"
            ),
            serve_with_proof_cite=cite(q.serve_with_proof.article, None, f"{base}.serve_with_proof")
            if q.serve_with_proof
            else "",
        )
    negative = None
    if (x := spec.processes.negative_listing) is not None:
        base = "processes.negative_listing"
        if (x.review is None) != (x.approval is None):
            raise fail(base, "review and approval come together: both or neither")
        negative = NegativeListingRules(
            review=optional_stage(x.review, base, NEGATIVE_LISTING, "review"),
            approval=optional_stage(x.approval, base, NEGATIVE_LISTING, "approval"),
            rank_cite=cite(x.rank.article, x.rank.instrument, f"{base}.rank") if x.rank else "",
            cite=cite(x.article, None, base),
        )
    return Ruleset(
        spec=spec,
        source=str(path),
        sharing_application=sharing,
        open_data_objection=objection,
        catalog_update=catalog,
        green_channel=green,
        service_change=service_change,
        emergency_reclassification=reclassification,
        quality_verification=verification,
        negative_listing=negative,
    )


def _dispute(
    s: SharingApplicationSpec,
    stage: Callable[..., StagePlan],
    fail: Callable[[str, str], RulesetError],
) -> DisputePlan | None:
    if s.dispute is None:
        return None
    base = "processes.sharing_application.dispute"
    if s.refused is None or s.coordination is None:
        raise fail(base, "a dispute ladder needs the refused and coordination stages")
    return DisputePlan(
        *(
            stage(getattr(s.dispute, name), f"{base}.{name}", SHARING_APPLICATION, name)
            for name in ("negotiation", "negotiation_failed", "government_decision")
        )
    )


def _catalog_update(
    c: CatalogUpdateSpec,
    stage: Callable[..., StagePlan],
    limit: Callable[..., TimeLimit],
    cite: Callable[[str, str | None, str], str],
    fail: Callable[[str, str], RulesetError],
) -> CatalogUpdatePlan:
    base = "processes.catalog_update"

    def optional(item: StageSpec | None, name: str, kind: str) -> StagePlan | None:
        return stage(item, f"{base}.{name}", CATALOG_UPDATE, kind) if item else None

    update = stage(c.update, f"{base}.update", CATALOG_UPDATE, "department_update")
    if c.extension is not None and (len(update.time_limits) != 1 or c.extension_review is None):
        raise fail(f"{base}.extension", "needs extension_review and exactly one limit in update")
    if c.review is not None and c.rework_rounds and c.rework is None:
        raise fail(f"{base}.rework", "rework_rounds needs a rework stage")
    return CatalogUpdatePlan(
        update=update,
        cite=cite(c.article, c.instrument, base),
        triggers={
            trigger.value: cite(t.article, t.instrument, f"{base}.triggers.{trigger}")
            for trigger, t in c.triggers.items()
        },
        # An extended limit is the department's.
        extension=limit(c.extension, f"{base}.extension", CATALOG_UPDATE, "department_update")
        if c.extension
        else None,
        extension_review=optional(c.extension_review, "extension_review", "extension_review"),
        review=optional(c.review, "review", "authority_review"),
        rework=optional(c.rework, "rework", "rework"),
        rework_rounds=c.rework_rounds if c.review else 0,
        yearly=optional(c.yearly, "yearly", "department_update"),
    )
