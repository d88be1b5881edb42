"""Sharing application (共享申请): a department asks another department's data.

The ruleset's plan says which stages the application passes for its track (unconditional,
conditional, or data not yet in the catalog), who acts, and within how many working days.
The workflow knows what each kind of stage means:

- `review`: the authority or service centre checks and forwards (`accept`) or not (`decline`).
- `provider_review`: the provider consents (`approve`) or refuses with reasons (`reject`).
- `authority_provide`: the authority provides the data (`provide`).
- `extension_review`: where the plan allows it (809 第二十一条, cases received from
  2025-08-01), the provider may once `request_extension` (`working_days`, `reason`) before its
  first deadline; the authority `grant_extension`s or `refuse_extension`s, the applicant is
  told. The provider's period runs on meanwhile, and it may still answer. On a grant every
  limit of the reply moves by the days granted: deemed consent (视为同意) and overdue alike.
- `supplement`: where the plan allows it (809 第二十一条第二款, cases received from
  2025-08-01), the reviewer or the provider may once `request_supplement`, listing every item
  missing with its reason, instead of refusing an incomplete application. The applicant is
  told once, and the case waits for its `supplement` (text, attachments): the stage's limits
  do not run meanwhile, an operator target does, after which the application lapses
  (未补正). The supplement completes the application: the stage starts again, its period
  counted from the platform's recorded time of the supplement.
- `refused`: after a refusal the applicant may ask for coordination (`request_coordination`).
- `coordination`: the authority decides (`decide`: `grant` or `uphold`); where the applicant
  and the provider are of different regions or levels, their common superior authority
  (809 第二十八条). Where that authority has no department here, the case says so and waits,
  its limit overdue-checked.
- `delivery` (809 第二十二条, cases received from 2025-08-01): after the provider's consent to
  data its catalog entry says is delivered by batch exchange or file, the platform's grant is
  not the sharing itself: the provider `deliver`s (`decision`: the method, `note`: the
  reference), within 20 working days of the consent, overdue after. Everywhere else (the
  platform grants through the service interface, deemed consent, Hebei's authority provision,
  a coordination decision) the grant is the delivery and the case closes at once.
- `confirmation`: the applicant may `confirm_receipt`; the operator's target closes the case
  on its own, delivered all the same.

Where 809 governs (the plan has `negotiation`: cases received from 2025-08-01), a refusal is
disputed on its ladder (第二十八条, `_dispute`):

- `refused`: the applicant asks to negotiate (`request_negotiation`, with its objection), or
  accepts the refusal (`withdraw`); `request_coordination` is refused there: negotiation first.
- `negotiation` (协商): the applicant or the provider records the result (`record_negotiation`):
  `agreed` only by the provider (its consent: the platform grants), `failed` (协商不成, with
  reasons) by either. The negotiation's target passing is deemed a failure (视为协商不成).
- `negotiation_failed`: the applicant asks for coordination (`request_coordination`) or lets
  the refusal stand.
- `coordination`: as above, and `decide` may also be `unresolved` (协调不成, with reasons):
- `government_decision`: the coordinating authority records the decision of the people's
  government of its level (`record_government_grant` or `record_government_uphold`: the
  document's number in `note`, its date in `decision`, as a negative listing records an
  approval).

The applicant may `withdraw` at any stage before a decision is final.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.case import CaseWorkflow, Decision, effect
from workflows.common import (
    DELIVERY_METHOD_LABELS,
    FORBIDDEN,
    SUPPLEMENT_ALREADY_REQUESTED,
    WRONG_STAGE,
    ActionInput,
    Actor,
    CaseDetails,
    CaseInput,
    CaseState,
    DeliveryMethod,
    Extension,
    ExtensionPlan,
    ExtensionStatus,
    GrantedBy,
    Lapse,
    LimitCheck,
    Party,
    PlannedDeadline,
    ReplanInput,
    Role,
    StagePlan,
    SupplementItem,
)
from workflows.process import Action, Choice, Process, Stage, extension_actions

with workflow.unsafe.imports_passed_through():
    from activities.attachments import CiteAttachmentsInput, cite_attachments
    from activities.authorizations import (
        AddCatalogEntryInput,
        GrantAuthorizationInput,
        add_catalog_entry,
    )
    from activities.deadlines import PlanDeadlineInput, plan_deadline


# Beijing keeps no daylight saving: a fixed offset names its dates inside the sandbox.
BEIJING = timezone(timedelta(hours=8))


class Track(StrEnum):
    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NOT_IN_CATALOG = "not_in_catalog"  # hubei 第二十二条


class Outcome(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"  # not accepted at review
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"
    # The applicant did not supplement an incomplete application within the target: neither a
    # refusal nor a decline (809 第二十一条第二款 forbids refusing it), nor an authority's limit.
    UNSUPPLEMENTED = "unsupplemented"


@dataclass(frozen=True)
class TrackPlan:
    stages: tuple[StagePlan, ...]
    cite: str
    # The provider's reply may be extended once (809 第二十一条); None: it may not.
    extension: ExtensionPlan | None = None


@dataclass(frozen=True)
class SupplementPlan:
    """Supplement (补正) of an incomplete application (809 第二十一条第二款): asked once, by the
    review's actor or the provider, listing everything missing. `wait` is the applicant's
    stage (an operator target, then the application lapses); `restart` says why the stage's
    period starts again from the supplement, as the notices say it."""

    cite: str
    wait: StagePlan
    restart: str


@dataclass(frozen=True)
class DisputePlan:
    """The steps 809 第二十八条 adds around the authority's coordination: the parties'
    negotiation (协商), the applicant's time to ask for coordination once it failed, and the
    decision of the people's government of the coordinating authority's level."""

    negotiation: StagePlan
    negotiation_failed: StagePlan
    government_decision: StagePlan


@dataclass(frozen=True)
class SharingApplicationPlan:
    """The sharing-application part of a ruleset, as data recorded in the case's history."""

    tracks: dict[Track, TrackPlan]
    not_shared_cite: str
    refusal_cite: str
    refusal_needs_legal_basis: bool = False
    refused: StagePlan | None = None  # None: a refusal is final
    coordination: StagePlan | None = None
    # Where the dispute goes to the common superior authority (809 第二十八条): its name, said
    # in the case while no department of it is on this platform.
    superior_authority: str = ""
    # The provider's delivery after its consent (809 第二十二条), where the grant is not the
    # delivery; None (every plan recorded before it, or no instrument of the chain asks it):
    # the grant closes the case. `confirmation`: the applicant's receipt, an operator target.
    delivery: StagePlan | None = None
    confirmation: StagePlan | None = None
    # Where 809 governs, an incomplete application is supplemented, not declined or refused.
    supplement: SupplementPlan | None = None
    # The dispute ladder of 809 第二十八条 around `coordination`, for cases it governs; None:
    # the single coordination step (cases received before 2025-08-01, and plans recorded
    # before the ladder existed).
    dispute: DisputePlan | None = None


@dataclass(frozen=True, kw_only=True)
class SharingApplicationInput(CaseInput):
    track: Track
    plan: SharingApplicationPlan
    purpose: str
    scenario: str
    resource_id: str | None = None
    resource_name: str = ""
    fields: list[str] = field(default_factory=list)
    valid_until: date | None = None
    # Received while the resource's share type was temporarily changed for a sudden public
    # event (dongying 第二十条第三款): that case's number and the temporary type's last day. Its
    # track came from the temporary type, so a grant lasts no longer than it: to that day, and
    # is revoked on an earlier restore (activities/authorizations.py `end_emergency_grants`).
    reclassified_by_case: str | None = None
    reclassified_until: date | None = None
    # The catalog entry's delivery method at receipt: other than the interface, a provider's
    # consent is followed by its delivery (`SharingApplicationPlan.delivery`).
    delivery_method: DeliveryMethod = DeliveryMethod.INTERFACE


@dataclass(kw_only=True)
class Delivery:
    """The provider's delivery after its consent (809 第二十二条): by when it was due, how and
    when it came (the platform's recorded time), and the applicant's confirmation."""

    due: datetime | None
    cite: str
    method: DeliveryMethod | None = None
    reference: str = ""
    delivered_at: datetime | None = None
    on_time: bool | None = None
    confirmed_at: datetime | None = None


class SupplementStatus(StrEnum):
    REQUESTED = "requested"
    SUPPLIED = "supplied"
    LAPSED = "lapsed"


@dataclass(kw_only=True)
class Supplement:
    """The one supplement request of a case (809 第二十一条第二款), and its answer."""

    status: SupplementStatus
    stage: str  # where it was asked: review or provider_review
    requested_at: datetime
    items: list[SupplementItem]
    due: datetime | None = None  # the target for the supplement
    supplied_at: datetime | None = None  # the platform's recorded time: the period restarts
    text: str = ""
    attachments: list[int] = field(default_factory=list)


@dataclass(kw_only=True)
class SharingApplicationDetails(CaseDetails):
    track: Track
    resource_id: str | None
    resource_name: str
    purpose: str
    scenario: str
    fields: list[str]
    authorization_id: int | None = None
    granted_by: GrantedBy | None = None
    reclassified_by_case: str | None = None  # see `SharingApplicationInput`
    extension: Extension | None = None
    delivery: Delivery | None = None
    supplement: Supplement | None = None
    # The people's government's decision of a dispute (809 第二十八条): its document number
    # and date, as the authorization cites them.
    government_document: str = ""
    government_decided_on: date | None = None


SHARING_APPLICATION = Process(
    name="sharing_application",
    title="共享申请",
    slug="sharing-application",
    actions=(
        Action("accept", "审核通过并转送"),
        # Reasons required (`_payload_problem`): where 809 governs, that the application is
        # outside the platform's remit; an incomplete one is supplemented.
        Action("decline", "不予受理"),
        Action("approve", "同意共享"),
        # Where the ruleset says so (hebei 第十四条) the legal basis too: `_payload_problem`.
        Action("reject", "不同意共享", reason="不同意共享，必须说明理由。"),
        Action("provide", "主管部门提供数据"),
        # At most the plan's days (`_payload_problem`), once, before the first deadline
        # (`_refusal`).
        *extension_actions("答复期限"),
        Action("request_coordination", "申请协调", actor=Party.APPLICANT),
        Action(
            "decide",
            "作出协调决定",
            decision_label="协调决定",
            decisions=(
                Choice("grant", "同意共享"),
                Choice("uphold", "维持不予共享", reason="维持不予共享的协调决定必须说明理由。"),
                # Only on the ladder of 809 第二十八条 (`_payload_problem`).
                Choice(
                    "unresolved",
                    "协调不成，报请本级人民政府决定",
                    reason="协调不成报请本级人民政府决定，必须说明未能达成一致的理由。",
                ),
            ),
        ),
        Action("withdraw", "撤回申请", actor=Party.APPLICANT),
        Action(
            "deliver",
            "交付数据",
            actor=Party.PROVIDER,
            note="交付数据须写明交付凭据（接口地址、交换批次号或文件编号）。",
            decision_label="交付方式",
            decisions=tuple(Choice(m.value, label) for m, label in DELIVERY_METHOD_LABELS.items()),
        ),
        Action("confirm_receipt", "确认收到数据", actor=Party.APPLICANT),
        # The stage's actor, once per case, every item with its reason (`_payload_problem`).
        Action("request_supplement", "一次性告知补正"),
        Action(
            "supplement",
            "补正材料",
            actor=Party.APPLICANT,
            note="补正须说明所补充的材料（补正说明）。",
        ),
        # The dispute ladder of 809 第二十八条 (`_dispute`).
        Action(
            "request_negotiation",
            "申请协商",
            actor=Party.APPLICANT,
            reason="申请协商，须说明对不予共享意见的异议。",
        ),
        # Either party records (`_refusal`); `agreed` only the provider (`_validate_action`).
        Action(
            "record_negotiation",
            "登记协商结果",
            decision_label="协商结果",
            decisions=(
                Choice("agreed", "协商一致，同意共享"),
                Choice("failed", "协商不成", reason="协商不成，必须说明理由。"),
            ),
        ),
        # As a negative listing records the government's approval: the document's number in
        # `note`, its date in `decision` (`_payload_problem`).
        Action(
            "record_government_grant",
            "登记本级人民政府决定（同意共享）",
            note="登记本级人民政府决定，须填写决定文件文号（note）。",
            decision_label="决定日期",
            note_label="决定文件文号",
        ),
        Action(
            "record_government_uphold",
            "登记本级人民政府决定（维持不予共享）",
            reason="本级人民政府决定维持不予共享的，须填写决定理由。",
            note="登记本级人民政府决定，须填写决定文件文号（note）。",
            decision_label="决定日期",
            note_label="决定文件文号",
        ),
    ),
    stages=(
        Stage(
            "review",
            "审核",
            ("accept", "decline", "withdraw", "request_supplement"),
            lapses=(Lapse.OVERDUE, Lapse.CLOSE),
        ),
        # Silence is consent (hubei 第二十条) only where the provider is silent.
        Stage(
            "provider_review",
            "提供部门答复",
            ("approve", "reject", "withdraw", "request_extension", "request_supplement"),
            lapses=(Lapse.DEEMED_CONSENT, Lapse.OVERDUE, Lapse.CLOSE),
        ),
        # The provider's period runs on while the authority considers: it may still answer,
        # and its limits (deemed consent too) still lapse.
        Stage(
            "extension_review",
            "审批延长答复期限",
            ("approve", "reject", "withdraw", "grant_extension", "refuse_extension"),
            lapses=(Lapse.DEEMED_CONSENT, Lapse.OVERDUE, Lapse.CLOSE),
        ),
        Stage(
            "authority_provide",
            "主管部门提供",
            ("provide", "withdraw"),
            lapses=(Lapse.OVERDUE, Lapse.CLOSE),
        ),
        # The applicant owes nothing here: its time only runs out, and the refusal stands.
        # Under 809's ladder `request_negotiation` is open here instead of `request_coordination`.
        Stage(
            "refused",
            "不予共享后待申请协调",
            ("request_coordination", "withdraw", "request_negotiation"),
            lapses=(Lapse.CLOSE,),
        ),
        Stage("coordination", "协调", ("decide",), lapses=(Lapse.OVERDUE,)),
        # Nothing is deemed delivered: a late delivery is overdue, the case waits for it.
        Stage("delivery", "数据交付", ("deliver",), lapses=(Lapse.OVERDUE,)),
        # The applicant owes nothing: the operator's target closes the case, delivered.
        Stage("confirmation", "确认收到数据", ("confirm_receipt",), lapses=(Lapse.CLOSE,)),
        # The application is incomplete: the stage's limits do not run, the target does.
        Stage("supplement", "待申请部门补正", ("supplement", "withdraw"), lapses=(Lapse.CLOSE,)),
        Stage(
            "negotiation",
            "协商",
            ("record_negotiation", "withdraw"),
            lapses=(Lapse.DEEMED_FAILED,),
        ),
        # As `refused`: the applicant owes nothing, its time only runs out.
        Stage(
            "negotiation_failed",
            "协商不成后待申请协调",
            ("request_coordination", "withdraw"),
            lapses=(Lapse.CLOSE,),
        ),
        Stage(
            "government_decision",
            "报请本级人民政府决定",
            ("record_government_grant", "record_government_uphold"),
            lapses=(Lapse.OVERDUE,),
        ),
    ),
    outcomes={
        Outcome.GRANTED: "同意共享（已授权）",
        Outcome.DECLINED: "不予受理",
        Outcome.REFUSED: "不予共享",
        Outcome.WITHDRAWN: "已撤回",
        Outcome.LAPSED: "期满终止",
        Outcome.UNSUPPLEMENTED: "未补正，申请终止",
    },
    events={
        "received": "收到申请",
        "deemed_consent": "视为同意",
        "extension_requested": "延期申请已登记",
        "awaiting_superior_authority": "待共同上级主管部门协调",
        "delivery_unconfirmed": "未确认收到数据，按已交付办结",
        "supplement_restarted": "补正后重新计算办理期限",
        "negotiation_deemed_failed": "协商期满，视为协商不成",
    },
    details={
        "working_days": "申请延长工作日数",
        "authority": "协调机关",
        "delivery_method": "交付方式",
        "items": "需补正材料",
        "attachments": "补正附件",
        "counted_from": "期限起算时间",
        "document": "本级人民政府决定文号",
    },
    detail_values={"delivery_method": DELIVERY_METHOD_LABELS},
    details_type=SharingApplicationDetails,
)
# The stages a track may pass; after a refusal come `refused` and `coordination`.
TRACK_STAGES = ("review", "provider_review", "authority_provide")


@workflow.defn
class SharingApplicationWorkflow(CaseWorkflow[SharingApplicationInput]):
    """One sharing application.

    Query: `view`. Signal: `replan_deadlines`. Updates: `accept`, `decline`, `approve`,
    `reject`, `provide`, `request_extension`, `grant_extension`, `refuse_extension`,
    `request_coordination`, `decide`, `withdraw`, `deliver`, `confirm_receipt`,
    `request_supplement`, `supplement`, `request_negotiation`, `record_negotiation`,
    `record_government_grant`, `record_government_uphold`, `settle`.
    """

    process = SHARING_APPLICATION

    @workflow.init
    def __init__(self, request: SharingApplicationInput) -> None:
        super().__init__(request)
        self.details = SharingApplicationDetails.from_input(request)
        # When the authority referred a dispute to the government (`decide` `unresolved`).
        self._referred_at: datetime | None = None

    @workflow.run
    async def run(self, request: SharingApplicationInput) -> CaseState:
        self._open_case(self.details)
        await self._notify(
            "submitted",
            [request.parties.applicant, request.parties.provider],
            resource=request.resource_name,
        )
        return await self._run_track(request.plan.tracks[request.track])

    async def _run_track(self, track: TrackPlan) -> CaseState:
        granted_by, cite = GrantedBy.PLATFORM, track.cite
        for plan in track.stages:
            result = await self._await_stage(plan, track.extension)
            if isinstance(result, PlannedDeadline):
                return await self._lapse(result)
            match result.action:
                case "withdraw":
                    return await self._close_case(Outcome.WITHDRAWN)
                case "decline":
                    # Where 809 governs, only an application outside the platform's remit.
                    outside = self.request.plan.supplement is not None
                    await self._tell_applicant("declined", result, **_flag(outside_remit=outside))
                    return await self._close_case(Outcome.DECLINED, reason=result.input.reason)
                case "reject":
                    return await self._refuse(result)
                case "accept":
                    await self._notify("forwarded", [self.request.parties.provider], cite=plan.cite)
                case "approve":
                    granted_by, cite = GrantedBy.PROVIDER, plan.cite
                    await self._tell_applicant("approved", result)
                case "provide":
                    granted_by, cite = GrantedBy.AUTHORITY, plan.cite
        return await self._grant(granted_by, cite)

    async def _await_stage(
        self, plan: StagePlan, extension: ExtensionPlan | None
    ) -> Decision | PlannedDeadline:
        """The stage's decision or lapse; in the provider's reply, an extension on the way;
        where the plan allows it, a supplement (补正) on the way: once the applicant has
        supplemented, the stage starts again, its period counted from the supplement."""
        result = await self._await_reply(plan, extension)
        supplement = self.request.plan.supplement
        # Plans recorded before supplements existed have none: never this way.
        if supplement is None or isinstance(result, PlannedDeadline):
            return result
        if result.action != "request_supplement":
            return result
        answered = await self._supplement(result, supplement)
        if isinstance(answered, PlannedDeadline) or answered.action != "supplement":
            return answered  # not supplemented in time, or withdrawn
        # The application is complete only now (by analogy with 行政许可法 第三十二条): its
        # period runs from the platform's recorded time of the supplement.
        self._event("supplement_restarted", None, counted_from=answered.at.isoformat())
        return await self._await_reply(plan, extension, restarted_at=answered.at)

    async def _await_reply(
        self,
        plan: StagePlan,
        extension: ExtensionPlan | None,
        restarted_at: datetime | None = None,
    ) -> Decision | PlannedDeadline:
        """The stage's decision or lapse; in the provider's reply, an extension on the way."""
        if extension is None or plan.stage != "provider_review" or self.details.extension:
            # Plans recorded before extensions existed take this path, as they always did.
            return await self.await_decision(
                plan, withheld={"request_extension"}, counted_from=restarted_at
            )
        started = restarted_at or self.now()
        result = await self.await_decision(plan, counted_from=started)
        if isinstance(result, PlannedDeadline) or result.action != "request_extension":
            return result
        return await self._extension(result, plan, started, extension)

    async def _extension(
        self, asked: Decision, plan: StagePlan, started: datetime, extension: ExtensionPlan
    ) -> Decision | PlannedDeadline:
        """The authority considers the request while the provider's period runs on; on a grant
        every limit of the reply moves by the days granted (809 第二十一条), counted from the
        same start."""
        request = self.request
        days = asked.input.working_days
        original = self._deadlines[0].due if self._deadlines else None
        record = self.details.extension = Extension(
            status=ExtensionStatus.REQUESTED,
            working_days=days,
            reason=asked.input.reason,
            original_due=original,
        )
        self._event("extension_requested", asked.input.actor, working_days=str(days))
        await self._notify(
            "reply_extension_requested",
            [request.parties.authority],
            working_days=str(days),
            reason=asked.input.reason,
            cite=extension.cite,
            due=original.isoformat() if original else None,
        )
        review = StagePlan("extension_review", Party.AUTHORITY, extension.cite, plan.time_limits)
        result = await self.await_decision(review, counted_from=started)
        if isinstance(result, PlannedDeadline) or result.action not in (
            "grant_extension",
            "refuse_extension",
        ):
            return result  # a limit ran out, or the provider answered (or the applicant withdrew)
        granted = result.action == "grant_extension"
        record.status = ExtensionStatus.GRANTED if granted else ExtensionStatus.REFUSED
        record.decision_reason = result.input.reason
        stage = plan
        if granted:
            stage = replace(
                plan,
                time_limits=tuple(
                    replace(
                        limit,
                        working_days=limit.working_days + days,
                        cite=f"{limit.cite}（经主管部门同意延长{days}个工作日，{extension.cite}）",
                        prevails_over=(),  # the extended period is compared with nothing
                    )
                    for limit in plan.time_limits
                ),
            )
            if stage.time_limits:
                moved = await effect(
                    plan_deadline, PlanDeadlineInput(stage.stage, stage.time_limits[0], started)
                )
                record.extended_due = moved.due
        due = record.extended_due or original
        await self._notify(
            "reply_extension_decided",
            [request.parties.provider, request.parties.applicant],
            granted=granted,
            working_days=str(days),
            reason=result.input.reason,
            cite=extension.cite,
            due=due.isoformat() if due else None,
        )
        return await self.await_decision(
            stage, withheld={"request_extension"}, counted_from=started
        )

    async def _supplement(
        self, asked: Decision, supplement: SupplementPlan
    ) -> Decision | PlannedDeadline:
        """Tell the applicant, once, everything missing (809 第二十一条第二款), and wait for its
        supplement: the stage's limits do not run meanwhile, the operator's target does."""
        parties = self.request.parties
        requester = self._stage_department()
        items = list(asked.input.items)
        listing = _listing(items)
        asked_event = self.state.events[-1]
        if asked_event.kind == "request_supplement":
            asked_event.detail["items"] = listing  # the request's step says what it asked
        record = self.details.supplement = Supplement(
            status=SupplementStatus.REQUESTED,
            stage=self.state.stage,
            requested_at=asked.at,
            items=items,
        )
        wait = supplement.wait
        target = wait.time_limits[0] if wait.time_limits else None
        if target is not None:
            planned = await effect(plan_deadline, PlanDeadlineInput(wait.stage, target, asked.at))
            record.due = planned.due
        await self._notify(
            "supplement_requested",
            [parties.applicant, requester],
            items=listing,
            count=len(items),
            cite=supplement.cite,
            restart=supplement.restart,
            due=record.due.isoformat() if record.due else None,
            target=target.cite if target else None,
        )
        result = await self.await_decision(wait)
        if isinstance(result, PlannedDeadline):
            record.status = SupplementStatus.LAPSED
            await self._notify(
                "supplement_lapsed",
                [parties.applicant, requester],
                cite=result.cite,
                due=result.due.isoformat(),
            )
            return result
        if result.action != "supplement":
            return result  # withdrawn
        record.status = SupplementStatus.SUPPLIED
        record.supplied_at = result.at
        record.text = result.input.note
        record.attachments = list(result.input.attachment_ids)
        if record.attachments:
            # Cited by the case: its parties (the reviewer, the provider) may read them.
            await effect(
                cite_attachments, CiteAttachmentsInput(self.request.case_id, record.attachments)
            )
            self.state.events[-1].detail["attachments"] = "、".join(map(str, record.attachments))
        await self._notify(
            "supplemented",
            [requester, parties.applicant],
            text=result.input.note,
            attachments=len(record.attachments),
            supplied_at=result.at.isoformat(),
            cite=supplement.cite,
            restart=supplement.restart,
        )
        return result

    async def _lapse(self, deadline: PlannedDeadline) -> CaseState:
        if deadline.stage == "supplement":
            return await self._close_case(Outcome.UNSUPPLEMENTED, cite=deadline.cite)
        if deadline.on_timeout is Lapse.DEEMED_CONSENT:
            self._limit_event(
                "deemed_consent", LimitCheck(deadline.due, deadline.cite, on_time=False)
            )
            await self._notify(
                "deemed_consent",
                [self.request.parties.applicant, self.request.parties.provider],
                cite=deadline.cite,
                due=deadline.due.isoformat(),
                **({"basis": deadline.provenance()} if deadline.prevails_over else {}),
            )
            return await self._grant(GrantedBy.DEEMED_CONSENT, deadline.cite)
        return await self._close_case(Outcome.LAPSED, cite=deadline.cite)

    async def _refuse(self, rejection: Decision) -> CaseState:
        plan = self.request.plan
        # Its text names the first step after a refusal: negotiation where 809 governs.
        await self._tell_applicant("rejected", rejection, dispute=plan.dispute is not None)
        if plan.refused is None or plan.coordination is None:
            return await self._close_case(Outcome.REFUSED, reason=rejection.input.reason)
        # Plans without the ladder open the stage's actions as they always did.
        withheld = {"request_coordination"} if plan.dispute else {"request_negotiation"}
        result = await self.await_decision(plan.refused, withheld=withheld)
        if isinstance(result, PlannedDeadline) or result.action == "withdraw":
            return await self._close_case(Outcome.REFUSED, reason=rejection.input.reason)
        if plan.dispute is not None:
            return await self._dispute(rejection, result, plan.dispute, plan.coordination)
        ruling = await self._coordinate(plan.coordination, result)
        if ruling.input.decision == "grant":
            return await self._grant(GrantedBy.AUTHORITY, plan.coordination.cite)
        return await self._close_case(Outcome.REFUSED, reason=ruling.input.reason)

    async def _coordinate(self, coordination: StagePlan, asked: Decision) -> Decision:
        """The applicant asked for coordination: the coordinator (and the provider) are told,
        and its decision, once taken, is told the applicant and the provider."""
        parties = self.request.parties
        coordinator = parties.department_of(coordination.actor)
        await self._notify(
            "coordination_requested",
            [coordinator, parties.authority, parties.provider],
            cite=coordination.cite,
            reason=asked.input.reason,
        )
        if coordinator is None:
            await self._await_superior_authority(coordination)
        ruling = await self.await_action(coordination)
        await self._tell_applicant("coordination_decided", ruling)
        return ruling

    async def _await_superior_authority(self, coordination: StagePlan) -> None:
        """The common superior authority has no department here: the case says so, tells the
        parties, and waits for it, its limit overdue-checked (never asking the wrong one)."""
        authority = self.request.plan.superior_authority or "共同的上级政务数据共享主管部门"
        self._event("awaiting_superior_authority", None, authority=authority)
        await self._notify(
            "superior_authority_missing",
            [
                self.request.parties.applicant,
                self.request.parties.provider,
                self.request.parties.authority,
            ],
            authority=authority,
            cite=coordination.cite,
        )

    async def _dispute(
        self, rejection: Decision, asked: Decision, ladder: DisputePlan, coordination: StagePlan
    ) -> CaseState:
        """809 第二十八条's ladder, once the applicant disputes the refusal: the parties
        negotiate; failing that, the applicant asks the authority (across regions or levels
        the common superior authority) to coordinate; failing that, the people's government
        of that authority's level decides, and the authority records its decision."""
        negotiation, failed = ladder.negotiation, ladder.negotiation_failed
        government = ladder.government_decision
        parties = self.request.parties
        refused = rejection.input.reason
        # The service centre takes part where its instrument says so (lichuan 第二十五条).
        negotiators = [parties.applicant, parties.provider, parties.service_centre]
        await self._notify(
            "negotiation_requested",
            negotiators,
            cite=negotiation.cite,
            reason=asked.input.reason,
            resource=self.request.resource_name,
        )
        talk = await self.await_decision(negotiation)
        if isinstance(talk, PlannedDeadline):
            self._limit_event(
                "negotiation_deemed_failed", LimitCheck(talk.due, talk.cite, on_time=False)
            )
            await self._notify(
                "negotiation_recorded",
                negotiators,
                decision="failed",
                lapsed=True,
                reason="",
                cite=talk.cite,
                due=talk.due.isoformat(),
            )
        elif talk.action == "withdraw":
            # The provider (and the centre) were in the talks: they are told they ended.
            await self._notify("dispute_withdrawn", negotiators, reason=talk.input.reason)
            return await self._close_case(Outcome.REFUSED, reason=refused)
        else:
            await self._notify(
                "negotiation_recorded",
                negotiators,
                decision=talk.input.decision,
                lapsed=False,
                reason=talk.input.reason,
                cite=negotiation.cite,
                due=None,
            )
            if talk.input.decision == "agreed":
                return await self._grant(GrantedBy.PROVIDER, negotiation.cite)
        result = await self.await_decision(failed)
        if isinstance(result, PlannedDeadline) or result.action == "withdraw":
            return await self._close_case(Outcome.REFUSED, reason=refused)
        ruling = await self._coordinate(coordination, result)
        match ruling.input.decision:
            case "grant":
                return await self._grant(GrantedBy.AUTHORITY, coordination.cite)
            case "uphold":
                return await self._close_case(Outcome.REFUSED, reason=ruling.input.reason)
        self._referred_at = ruling.at
        answer = await self.await_action(government)
        document = answer.input.note.strip()
        decided_on = date.fromisoformat(answer.input.decision.strip())
        self.details.government_document = document
        self.details.government_decided_on = decided_on
        granted = answer.action == "record_government_grant"
        await self._notify(
            "government_decided",
            [parties.applicant, parties.provider, parties.department_of(government.actor)],
            granted=granted,
            document=document,
            decided_on=decided_on.isoformat(),
            reason=answer.input.reason,
            cite=government.cite,
        )
        if granted:
            return await self._grant(
                GrantedBy.GOVERNMENT,
                f"{government.cite}（本级人民政府决定，{document}，{_chinese(decided_on)}）",
            )
        return await self._close_case(
            Outcome.REFUSED, reason=answer.input.reason, document=document
        )

    async def _grant(self, granted_by: GrantedBy, cite: str) -> CaseState:
        request = self.request
        resource_id = request.resource_id
        if request.track is Track.NOT_IN_CATALOG:
            resource_id = await effect(
                add_catalog_entry,
                AddCatalogEntryInput(
                    case_id=request.case_id,
                    case_number=request.case_number,
                    name=request.resource_name,
                    provider_id=request.parties.provider or "",
                    fields=list(request.fields),
                    legal_basis=cite,
                ),
            )
            self.details.resource_id = resource_id
        await self._authorize(
            GrantAuthorizationInput(
                case_id=request.case_id,
                stage=self.state.stage,
                applicant_department_id=request.parties.applicant or "",
                resource_id=resource_id or "",
                granted_by=granted_by,
                fields=list(request.fields),
                purpose=request.purpose,
                scenario=request.scenario,
                granted_at=self.now(),
                valid_until=self._valid_until(),
                cite=cite,
                reclassified_by_case=request.reclassified_by_case,
            ),
        )
        self.details.granted_by = granted_by
        delivery = request.plan.delivery
        if (
            delivery is not None
            and granted_by is GrantedBy.PROVIDER
            and request.delivery_method is not DeliveryMethod.INTERFACE
            and workflow.patched("delivery-after-consent")
        ):
            return await self._deliver(delivery, cite)
        await self._notify(
            "granted",
            [request.parties.applicant, request.parties.provider],
            granted_by=granted_by.value,
            cite=cite,
            resource=request.resource_name,
        )
        return await self._close_case(Outcome.GRANTED, granted_by=granted_by.value, cite=cite)

    async def _deliver(self, plan: StagePlan, cite: str) -> CaseState:
        """The provider consented to data the platform's grant does not deliver: it shares
        the data within the plan's limit of its consent (809 第二十二条), which the stage counts
        from the consent's recorded time. The applicant is told it is granted and when the
        data is due; then that it is delivered, how, and whether on time."""
        request = self.request
        # The consent's recorded time (an action recorded before actions were signed: now).
        consent = self._decision
        started = consent.at if consent and consent.input.assertion else self.now()
        first = None
        if plan.time_limits:
            first = await effect(
                plan_deadline, PlanDeadlineInput(plan.stage, plan.time_limits[0], started)
            )
        record = self.details.delivery = Delivery(
            due=first.due if first else None, cite=first.cite if first else plan.cite
        )
        # Told before the consent's update returns: granted now, delivered by the due instant.
        await self._notify(
            "granted",
            [request.parties.applicant, request.parties.provider],
            granted_by=GrantedBy.PROVIDER.value,
            cite=cite,
            resource=request.resource_name,
            delivery_method=DELIVERY_METHOD_LABELS[request.delivery_method],
            delivery_due=record.due.isoformat() if record.due else None,
            delivery_cite=record.cite,
        )
        # `await_action`: nothing is deemed delivered; a limit run out marks the case overdue.
        result = await self.await_action(plan, counted_from=started)
        method = DeliveryMethod(result.input.decision)
        record.method, record.reference = method, result.input.note
        if self._deadlines:  # as a calendar revision may have moved it meanwhile
            record.due = self._deadlines[0].due
        record.delivered_at = result.at
        record.on_time = record.due is None or result.at < record.due
        await self._notify(
            "data_delivered",
            [request.parties.applicant, request.parties.provider],
            resource=request.resource_name,
            method=DELIVERY_METHOD_LABELS[method],
            reference=result.input.note,
            delivered_at=result.at.isoformat(),
            on_time=record.on_time,
            due=record.due.isoformat() if record.due else None,
            cite=record.cite,
        )
        closing = {"granted_by": GrantedBy.PROVIDER.value, "cite": cite}
        confirmation = request.plan.confirmation
        if confirmation is not None:
            confirmed = await self.await_decision(confirmation)
            if isinstance(confirmed, Decision):
                record.confirmed_at = confirmed.at
            else:
                self._event("delivery_unconfirmed", None)
        return await self._close_case(Outcome.GRANTED, **closing, delivery_method=method.value)

    async def _replan_open_deadlines(self, request: ReplanInput) -> None:
        """A calendar revision moves a delivery still owed as it moves the stage's limit."""
        await super()._replan_open_deadlines(request)
        owed = self.details.delivery
        if self.state.stage != "delivery" or owed is None or not self._deadlines:
            return
        if owed.delivered_at is None and owed.due != self._deadlines[0].due:
            owed.due = self._deadlines[0].due
            await self._record()

    def _valid_until(self) -> date | None:
        """The period of use asked for, cut at a temporary share type's last day."""
        asked, until = self.request.valid_until, self.request.reclassified_until
        if until is None:
            return asked
        return until if asked is None else min(asked, until)

    async def _tell_applicant(self, kind: str, decision: Decision, **extra: bool) -> None:
        await self._notify(
            kind,
            [self.request.parties.applicant, self.request.parties.provider],
            reason=decision.input.reason,
            legal_basis=decision.input.legal_basis,
            decision=decision.input.decision,
            resource=self.request.resource_name,
            **extra,
        )

    def _validate_action(self, action: str, request: ActionInput) -> None:
        super()._validate_action(action, request)
        if (
            action == "record_negotiation"
            and request.decision == "agreed"
            and request.actor.department_id != self.state.parties.provider
        ):
            # An agreement is the provider's consent: the applicant cannot give it.
            raise ApplicationError(
                "“协商一致，同意共享”只能由本案的数据提供部门经办人登记。",
                type=FORBIDDEN,
                non_retryable=True,
            )

    def _party_for(self, action: str) -> Party:
        # While the authority considers an extension, the provider may still answer.
        if action in ("approve", "reject") and self.state.stage == "extension_review":
            return Party.PROVIDER
        return super()._party_for(action)

    def _refusal(self, action: str, actor: Actor) -> tuple[str, str] | None:
        refusal = super()._refusal(action, actor)
        if refusal is None and action == "request_supplement":
            return self._supplement_refusal()
        ladder = self.request.plan.dispute
        if refusal is not None and refusal[0] == FORBIDDEN and action == "record_negotiation":
            # Both parties negotiate: the stage waits for the provider's answer, and the
            # applicant may record the talks' failure too.
            parties = self.state.parties
            if actor.role is Role.CASEWORKER and actor.department_id in (
                parties.applicant,
                parties.provider,
            ):
                return None
            return FORBIDDEN, "“登记协商结果”只能由本案的申请部门或数据提供部门经办人办理。"
        if (
            refusal is not None
            and ladder
            and action == "request_coordination"
            and self.state.stage == "refused"
        ):
            return WRONG_STAGE, (
                f"争议应当先协商解决，协商不成的方可申请协调（{ladder.negotiation.cite}）："
                "请先申请协商。"
            )
        if (
            refusal is not None
            and not ladder
            and action == "request_negotiation"
            and self.state.stage == "refused"
        ):
            return WRONG_STAGE, "本案适用的规定未设协商程序：对不予共享有异议的，请办理“申请协调”。"
        if refusal is None and action == "request_extension" and self._deadlines:
            first = self._deadlines[0]
            if first.due <= self.now():
                return WRONG_STAGE, (
                    f"答复期限已于{_end_of_day(first.due)}届满，不能再申请延长（{first.cite}）。"
                )
        return refusal

    def _supplement_refusal(self) -> tuple[str, str] | None:
        supplement = self.request.plan.supplement
        if supplement is None:
            return WRONG_STAGE, "本案适用的规则未规定补正程序，不能要求补正。"
        asked = self.details.supplement
        if asked is not None:
            when = asked.requested_at.astimezone(BEIJING)
            return SUPPLEMENT_ALREADY_REQUESTED, (
                f"本案已于{when.year}年{when.month}月{when.day}日一次性告知补正，"
                f"不能再次要求补正（{supplement.cite}：应当一次性告知需要补充的材料）。"
            )
        return None

    def _payload_problem(self, action: str, request: ActionInput) -> str | None:
        if action == "decline" and not request.reason.strip():
            if self.request.plan.supplement is None:
                return "不予受理，必须说明理由。"
            return (
                "不予受理仅适用于不属于共享平台受理范围的申请，必须说明理由；申请材料不全的，"
                f"应一次性告知补正，不得不予受理（{self.request.plan.supplement.cite}）。"
            )
        if action == "request_supplement":
            cite = self.request.plan.supplement.cite if self.request.plan.supplement else ""
            if not request.items:
                return f"一次性告知补正须列明需要补充的每一项材料及其理由（{cite}）。"
            for number, item in enumerate(request.items, 1):
                if not item.item.strip() or not item.reason.strip():
                    return f"第{number}项补正材料须写明材料名称和需要补充的理由。"
        if (
            action == "decide"
            and request.decision == "unresolved"
            and not self.request.plan.dispute
        ):
            return (
                "本案适用的规定未设报请本级人民政府决定的程序："
                "协调决定须为 grant（同意共享）或 uphold（维持不予共享）。"
            )
        if action in ("record_government_grant", "record_government_uphold"):
            return _government_decision_problem(request.decision, self._referred_at, self.now())
        if action == "request_extension":
            extension = self.request.plan.tracks[self.request.track].extension
            if extension is None:  # withheld then (`_await_stage`)
                return "本案的答复期限不能延长。"
            if not 1 <= request.working_days <= extension.max_working_days:
                return (
                    f"延长期限须为 1 至 {extension.max_working_days} 个工作日（{extension.cite}）。"
                )
        if (
            action == "reject"
            and self.request.plan.refusal_needs_legal_basis
            and not request.legal_basis.strip()
        ):
            return f"不同意共享须说明法律依据（{self.request.plan.refusal_cite}）。"
        return None


def _listing(items: list[SupplementItem]) -> str:
    """The items asked for, one a line, as the notice and the timeline show them."""
    return "\n".join(f"{n}. {i.item}（{i.reason}）" for n, i in enumerate(items, 1))


def _flag(**flags: bool) -> dict[str, bool]:
    """Notice flags that are set: a notice of a case without them reads as it always did."""
    return {name: True for name, value in flags.items() if value}


def _government_decision_problem(
    decision: str, referred: datetime | None, now: datetime
) -> str | None:
    """A government decision's date (`decision`), as a negative listing's approval date: a
    date, not before the authority referred the dispute, not after today (Beijing)."""
    try:
        decided_on = date.fromisoformat(decision.strip())
    except ValueError:
        return "决定日期（decision）须为日期，格式如 2026-12-01。"
    if referred is not None and decided_on < referred.astimezone(BEIJING).date():
        return "决定日期不能早于主管部门报请本级人民政府决定之日。"
    if decided_on > now.astimezone(BEIJING).date():
        return "决定日期不能晚于今天。"
    return None


def _chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _end_of_day(due: datetime) -> str:
    """A due instant (00:00 Beijing of the next day) as the law says it: 24时 of the last day."""
    last = (due.astimezone(BEIJING) - timedelta(seconds=1)).date()
    return f"{last.year}年{last.month}月{last.day}日24时"
