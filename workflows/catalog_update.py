"""Catalog update (目录更新): a department brings its part of the data catalog up to date after
a trigger (a law or its functions changed, a new or rebuilt system, purchased data, data agreed
under hubei 第二十二条), or in its yearly full maintenance (hubei 第十一条).

- `department_update` (and `rework`): the department edits a draft of catalog entries inside
  the case (`edit_draft`: add, change, retire, discard) and `submit`s it. The limit counts from
  the trigger date, not from filing: a trigger registered late is overdue at once (登记时已逾期).
  Where the ruleset allows it (hebei 第九条) the department may `request_extension` once.
- `extension_review`: the authority grants (`grant_extension`, the limit is extended by the
  ruleset's days counted on from the original last day) or refuses (`refuse_extension`).
- `authority_review` (hebei 第九条): the authority `publish`es, or returns the draft
  (`return_for_rework`) at most the ruleset's number of rounds; then it must publish.

Nothing changes the live catalog until publication, which applies the whole draft as one new
catalog version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.case import CaseWorkflow, Decision, effect
from workflows.catalog_entries import EntryChange, EntryOp
from workflows.common import (
    INVALID,
    ActionInput,
    Actor,
    Assertion,
    CaseDetails,
    CaseInput,
    CaseState,
    Extension,
    ExtensionStatus,
    Lapse,
    Party,
    PlannedDeadline,
    StagePlan,
    StateQuery,
    TimeLimit,
)
from workflows.process import Action, Process, Stage

with workflow.unsafe.imports_passed_through():
    from activities.catalog_versions import PublishDraftInput, publish_draft
    from activities.deadlines import (
        PlanDeadlineInput,
        PlanYearEndInput,
        plan_deadline,
        plan_year_end,
    )

# Beijing keeps no daylight saving: a fixed offset names its dates inside the sandbox.
BEIJING = timezone(timedelta(hours=8))


class Trigger(StrEnum):
    # 法律、行政法规、国务院决定调整 (and, under a local instrument, any 法律法规 change it names)
    LAW_CHANGED = "law_changed"
    # 地方性法规、规章调整: a local rule's change, outside 809 第十七条 (the local instrument alone)
    LOCAL_RULE_CHANGED = "local_rule_changed"
    FUNCTIONS_CHANGED = "functions_changed"  # 职能变更
    SYSTEM_BUILT = "system_built"  # 新建或改扩建业务系统
    DATA_PURCHASED = "data_purchased"  # 购买数据资源
    DATA_AGREED = "data_agreed"  # 同意共享目录外数据 (hubei 第二十二条)
    YEARLY_MAINTENANCE = "yearly_maintenance"  # 年度全面维护


# What each trigger is called (messages, notices).
TRIGGER_LABELS = {
    Trigger.LAW_CHANGED.value: "法律法规修订",
    Trigger.LOCAL_RULE_CHANGED.value: "地方性法规、规章调整",
    Trigger.FUNCTIONS_CHANGED.value: "职能变更",
    Trigger.SYSTEM_BUILT.value: "新建或改扩建业务系统",
    Trigger.DATA_PURCHASED.value: "购买数据资源",
    Trigger.DATA_AGREED.value: "同意共享目录外数据",
    Trigger.YEARLY_MAINTENANCE.value: "年度全面维护",
}


class Outcome(StrEnum):
    PUBLISHED = "published"
    CONFIRMED_UNCHANGED = "confirmed_unchanged"  # a maintenance that found nothing to change


@dataclass(frozen=True)
class EditDraftInput:
    actor: Actor
    change: EntryChange
    # The platform's signed word (workflows/trust.py); None in edits recorded before.
    assertion: Assertion | None = None

    def payload(self) -> dict[str, object]:
        return asdict(self.change)


@dataclass(frozen=True)
class CatalogUpdatePlan:
    """The catalog-update part of a ruleset, as data recorded in the case's history."""

    update: StagePlan
    cite: str
    triggers: dict[str, str]  # trigger -> citation
    extension: TimeLimit | None = None
    extension_review: StagePlan | None = None
    review: StagePlan | None = None
    rework: StagePlan | None = None
    rework_rounds: int = 0
    yearly: StagePlan | None = None


@dataclass(frozen=True, kw_only=True)
class CatalogUpdateInput(CaseInput):
    plan: CatalogUpdatePlan
    trigger: Trigger
    trigger_date: date
    description: str


# The limits of every stage only mark the case overdue: the department and the authority owe
# the update however late, and nothing is deemed done.
@dataclass(kw_only=True)
class CatalogUpdateDetails(CaseDetails):
    trigger: Trigger
    trigger_date: date  # 变化之日: the department's limit counts from it
    trigger_cite: str
    description: str
    draft: list[EntryChange] = field(default_factory=list)
    round: int = 0  # how often the authority returned the draft
    max_rounds: int = 0
    extension: Extension | None = None
    late_at_filing: bool = False  # registered after its deadline had passed
    version: int | None = None  # the catalog version published


CATALOG_UPDATE = Process(
    name="catalog_update",
    title="目录更新",
    slug="catalog-update",
    actions=(
        Action("edit_draft", "编辑目录草稿", own_update=True),
        Action("submit", "提交目录更新"),
        Action("request_extension", "申请延长目录更新期限", reason="申请延长期限，必须说明理由。"),
        Action("grant_extension", "同意延长目录更新期限", actor=Party.AUTHORITY),
        Action(
            "refuse_extension",
            "不同意延长目录更新期限",
            actor=Party.AUTHORITY,
            reason="不同意延长期限，必须说明理由。",
        ),
        Action("publish", "审核通过并发布目录", actor=Party.AUTHORITY),
        Action(
            "return_for_rework",
            "退回修改",
            actor=Party.AUTHORITY,
            reason="退回修改，必须说明理由。",
        ),
    ),
    stages=(
        Stage(
            "department_update",
            "部门更新目录",
            ("edit_draft", "submit", "request_extension"),
            lapses=(Lapse.OVERDUE,),
        ),
        Stage(
            "extension_review",
            "审批延长目录更新期限",
            ("grant_extension", "refuse_extension"),
            lapses=(Lapse.OVERDUE,),
        ),
        Stage(
            "authority_review",
            "主管部门审核发布",
            ("publish", "return_for_rework"),
            lapses=(Lapse.OVERDUE,),
        ),
        Stage("rework", "退回修改", ("edit_draft", "submit"), lapses=(Lapse.OVERDUE,)),
    ),
    outcomes={
        Outcome.PUBLISHED: "已发布目录新版本",
        Outcome.CONFIRMED_UNCHANGED: "经核目录无需变更",
    },
    events={"received": "登记目录更新事由", "draft_edited": "编辑目录草稿"},
    details={"version": "目录版本", "late_at_filing": "逾期情形"},
    details_type=CatalogUpdateDetails,
)


@workflow.defn
class CatalogUpdateWorkflow(CaseWorkflow[CatalogUpdateInput]):
    """One department's catalog update.

    Query: `view`. Signal: `replan_deadlines`. Updates: `edit_draft`, `submit`,
    `request_extension`, `grant_extension`, `refuse_extension`, `publish`,
    `return_for_rework`, `settle`.
    """

    process = CATALOG_UPDATE

    @workflow.init
    def __init__(self, request: CatalogUpdateInput) -> None:
        super().__init__(request)
        self._draft: dict[str, EntryChange] = {}
        # The department's limit counts from the trigger date (or, once extended, from the
        # original last day), not from its stage's start.
        self._counted_from = datetime.combine(request.trigger_date, time(12), BEIJING)
        self._year_end = False
        self.details = CatalogUpdateDetails.from_input(
            request,
            trigger_cite=request.plan.triggers.get(request.trigger.value, ""),
            max_rounds=request.plan.rework_rounds,
        )

    @workflow.run
    async def run(self, request: CatalogUpdateInput) -> CaseState:
        plan = request.plan
        self._open_case(self.details)
        await self._notify(
            "catalog_update_opened",
            [request.parties.provider, request.parties.authority],
            trigger=request.trigger.value,
            trigger_date=request.trigger_date.isoformat(),
            cite=plan.triggers.get(request.trigger.value, ""),
        )
        yearly = request.trigger is Trigger.YEARLY_MAINTENANCE
        stage = plan.yearly if yearly and plan.yearly else plan.update
        self._year_end = yearly
        while True:
            extension = self._extension_open() if stage.stage == "department_update" else None
            result = await self.await_action(
                stage, withheld=() if extension else {"request_extension"}
            )
            if result.action == "request_extension" and extension is not None:
                stage = await self._extension(result, *extension)
                continue
            if plan.review is None:
                return await self._publish(result)
            self._year_end = False
            rework = plan.rework if self._rounds() < plan.rework_rounds else None
            review = await self.await_action(
                plan.review, withheld=() if rework else {"return_for_rework"}
            )
            if review.action != "return_for_rework" or rework is None:
                return await self._publish(review)
            self.details.round += 1
            await self._notify(
                "catalog_returned",
                [request.parties.provider],
                reason=review.input.reason,
                round=str(self.details.round),
                max_rounds=str(plan.rework_rounds),
                cite=plan.review.cite,
            )
            stage = rework

    def _extension_open(self) -> tuple[TimeLimit, StagePlan] | None:
        """The extension and the stage that decides it, if the department may still ask."""
        plan = self.request.plan
        if plan.extension is None or plan.extension_review is None or self._year_end:
            return None
        if self.details.extension is not None:
            return None
        return plan.extension, plan.extension_review

    def _rounds(self) -> int:
        """How often the draft was returned; at the ruleset's bound the authority must publish
        what it has."""
        return self.details.round

    async def _extension(
        self, asked: Decision, extension: TimeLimit, review: StagePlan
    ) -> StagePlan:
        """The authority consents or refuses; returns the department's stage to go back to."""
        plan = self.request.plan
        record = self.details.extension = Extension(
            status=ExtensionStatus.REQUESTED,
            working_days=extension.working_days,
            reason=asked.input.reason,
            original_due=self._deadlines[0].due if self._deadlines else None,
        )
        await self._notify(
            "extension_requested",
            [self.request.parties.authority],
            reason=asked.input.reason,
            cite=extension.cite,
        )
        original_from = self._counted_from
        answer = await self.await_action(review)
        granted = answer.action == "grant_extension"
        record.status = ExtensionStatus.GRANTED if granted else ExtensionStatus.REFUSED
        record.decision_reason = answer.input.reason
        await self._notify(
            "extension_decided",
            [self.request.parties.provider],
            decision=record.status.value,
            reason=answer.input.reason,
            cite=extension.cite,
        )
        if not granted:
            return plan.update
        # Extended additively: the extra days count on from the original last day.
        original = await effect(
            plan_deadline,
            PlanDeadlineInput(plan.update.stage, plan.update.time_limits[0], original_from),
        )
        self._counted_from = datetime.combine(original.last_day, time(12), BEIJING)
        return replace(plan.update, time_limits=(extension,))

    async def _plan_deadlines(self, plan: StagePlan, started: datetime) -> list[PlannedDeadline]:
        if self._year_end:
            year = self.request.trigger_date.year
            return [
                await effect(plan_year_end, PlanYearEndInput(plan.stage, plan.cite, year, started))
            ]
        if plan.stage == "department_update":
            started = self._counted_from
        return await super()._plan_deadlines(plan, started)

    async def _mark_overdue(self, deadline: PlannedDeadline, **extra: str) -> None:
        if deadline.due <= self.request.received_at:
            self.details.late_at_filing = True
            extra = {**extra, "late_at_filing": "登记时已逾期"}
        await super()._mark_overdue(deadline, **extra)

    async def _publish(self, decision: Decision) -> CaseState:
        request = self.request
        changes = list(self._draft.values())
        if not changes:
            return await self._close_case(Outcome.CONFIRMED_UNCHANGED, note=decision.input.note)
        version = await effect(
            publish_draft,
            PublishDraftInput(
                case_id=request.case_id,
                case_number=request.case_number,
                department_id=request.parties.provider or "",
                changes=changes,
                published_by=decision.input.actor.user_id,
                published_at=decision.at,
            ),
        )
        self.details.version = version
        await self._notify(
            "catalog_published",
            [request.parties.provider, request.parties.authority, request.parties.applicant],
            version=str(version),
            changes=str(len(changes)),
            cite=request.plan.cite,
        )
        return await self._close_case(Outcome.PUBLISHED, version=str(version))

    def _payload_problem(self, action: str, request: ActionInput) -> str | None:
        if action == "submit" and not self._draft and not request.note.strip():
            return "草稿中没有目录变更；确认目录无需变更的，须在 note 中说明。"
        return None

    # -- the draft ---------------------------------------------------------------------------

    @workflow.update
    def edit_draft(self, request: EditDraftInput) -> CaseState:
        change = request.change
        if change.op is EntryOp.DISCARD:
            del self._draft[change.resource_id]
        else:
            self._draft[change.resource_id] = change
        self.details.draft = list(self._draft.values())
        self._event(
            "draft_edited", request.actor, op=change.op.value, resource_id=change.resource_id
        )
        return self.view_for(request.actor)

    @edit_draft.validator
    def _validate_edit_draft(self, request: EditDraftInput) -> None:
        self._check_assertion("edit_draft", request.actor, request.assertion, request.payload())
        refusal = self._refusal("edit_draft", request.actor)
        if refusal is not None:
            raise ApplicationError(refusal[1], type=refusal[0], non_retryable=True)
        change = request.change
        if change.op is EntryOp.DISCARD and change.resource_id not in self._draft:
            raise ApplicationError(
                f"草稿中没有数据资源“{change.resource_id}”的变更。",
                type=INVALID,
                non_retryable=True,
            )

    def view_for(self, actor: Actor) -> CaseState:
        return self.view(StateQuery(actor))
