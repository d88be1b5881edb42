"""The loader refuses a ruleset its workflows cannot run, naming the file and the field: a
stage the process does not have, or a time limit whose lapse (`on_timeout`) that stage cannot
run. Accepted, such a ruleset failed at the deadline, on a worker that retried it for ever."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from regulations import load_rulesets
from regulations.loader import PACKAGED, RulesetError, parse_ruleset_text
from workflows.registry import PROCESSES

KNOWN = load_rulesets()


def packaged(ruleset: str) -> dict[str, Any]:
    return yaml.safe_load((PACKAGED / f"{ruleset}.yaml").read_text(encoding="utf-8"))


def node(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def with_limit(ruleset: str, path: str, on_timeout: str) -> str:
    """The packaged file with the limit at `path` lapsing `on_timeout`; a stage without limits
    (`....time_limits.0`) is given one."""
    data = packaged(ruleset)
    holder, _, index = path.rpartition(".")
    if index.isdigit():
        stage = node(data, holder.removesuffix(".time_limits"))
        if not stage.get("time_limits"):
            stage["time_limits"] = [
                {"working_days": 5, "on_timeout": "overdue", "basis": "target", "article": "测试"}
            ]
    node(data, path)["on_timeout"] = on_timeout
    return yaml.safe_dump(data, allow_unicode=True)


def load(ruleset: str, text: str) -> None:
    parse_ruleset_text(text, f"{ruleset}.yaml", KNOWN)


# (ruleset, the limit, a lapse its stage cannot run): one or more for every process.
CANNOT = [
    # The catalog update only marks overdue: closing it failed the workflow at the deadline.
    ("hebei-2022", "processes.catalog_update.update.time_limits.0", "close"),
    ("hebei-2022", "processes.catalog_update.update.time_limits.0", "deemed_consent"),
    ("hebei-2022", "processes.catalog_update.extension", "close"),
    ("hebei-2022", "processes.catalog_update.extension_review.time_limits.0", "close"),
    ("hebei-2022", "processes.catalog_update.review.time_limits.0", "close"),
    ("hebei-2022", "processes.catalog_update.rework.time_limits.0", "deemed_consent"),
    ("hubei-419", "processes.catalog_update.yearly.time_limits.0", "close"),
    # Silence is consent only where the provider is silent.
    (
        "lichuan-2020",
        "processes.sharing_application.tracks.conditional.stages.0.time_limits.0",
        "deemed_consent",
    ),  # review by the service centre
    (
        "hebei-2022",
        "processes.sharing_application.tracks.unconditional.stages.0.time_limits.0",
        "deemed_consent",
    ),  # the authority provides
    # The applicant's time to ask for coordination can only run out; the decision is owed.
    ("hubei-419", "processes.sharing_application.refused.time_limits.0", "overdue"),
    ("hubei-419", "processes.sharing_application.refused.time_limits.0", "deemed_consent"),
    ("hubei-419", "processes.sharing_application.coordination.time_limits.0", "close"),
    ("hubei-419", "processes.sharing_application.coordination.time_limits.0", "deemed_consent"),
    # A verification is owed however late; only the raiser's time to dispute runs out.
    ("hebei-2022", "processes.quality_verification.forwarding.time_limits.0", "close"),
    ("hubei-419", "processes.quality_verification.verification.time_limits.0", "close"),
    ("hubei-419", "processes.quality_verification.verification.time_limits.0", "deemed_consent"),
    ("lichuan-2020", "processes.quality_verification.joint_verification.time_limits.0", "close"),
    ("hubei-419", "processes.quality_verification.dispute_period.time_limits.0", "overdue"),
    ("hubei-419", "processes.quality_verification.dispute_review.time_limits.0", "close"),
    # Nothing is deemed decided on an objection or deemed delivered on a demand.
    ("hubei-419", "processes.open_data_objection.assessment.time_limits.0", "deemed_consent"),
    ("hubei-419", "processes.open_data_objection.verification.time_limits.0", "deemed_consent"),
    ("dongying-2021-26", "processes.green_channel.review.time_limits.0", "deemed_consent"),
    ("dongying-2021-26", "processes.green_channel.green.feedback", "deemed_consent"),
    ("dongying-2021-26", "processes.green_channel.ordinary.delivery", "deemed_consent"),
    # A late notice is flagged, nothing more.
    ("dongying-2021-26", "processes.service_change.notice_period", "close"),
    # Nothing is deemed delivered after a consent (809 第二十二条); the applicant owes no
    # confirmation, so its target only closes.
    ("national-809", "processes.sharing_application.delivery.time_limits.0", "close"),
    ("national-809", "processes.sharing_application.delivery.time_limits.0", "deemed_consent"),
    ("national-809", "processes.sharing_application.confirmation.time_limits.0", "overdue"),
    # An unsupplemented application lapses; nothing is deemed supplied, nor merely late.
    ("national-809", "processes.sharing_application.supplement.wait.time_limits.0", "overdue"),
    (
        "national-809",
        "processes.sharing_application.supplement.wait.time_limits.0",
        "deemed_consent",
    ),
]


@pytest.mark.parametrize(
    ("ruleset", "path", "lapse"), CANNOT, ids=[f"{p}={lapse}" for _, p, lapse in CANNOT]
)
def test_a_limit_whose_stage_cannot_run_its_lapse_is_refused(ruleset, path, lapse):
    with pytest.raises(RulesetError) as refused:
        load(ruleset, with_limit(ruleset, path, lapse))
    assert str(refused.value).startswith(f"{ruleset}.yaml: {path}.on_timeout: ")
    assert repr(lapse) in str(refused.value)


# What each stage may do, the other way round: accepted.
CAN = [
    (
        "hubei-419",
        "processes.sharing_application.tracks.conditional.stages.0.time_limits.0",
        "deemed_consent",
    ),
    (
        "lichuan-2020",
        "processes.sharing_application.tracks.conditional.stages.0.time_limits.0",
        "close",
    ),
    ("hubei-419", "processes.sharing_application.coordination.time_limits.0", "overdue"),
    ("hubei-419", "processes.quality_verification.dispute_period.time_limits.0", "close"),
    ("hubei-419", "processes.open_data_objection.verification.time_limits.0", "close"),
    ("dongying-2021-26", "processes.green_channel.ordinary.delivery", "close"),
    ("hebei-2022", "processes.catalog_update.extension_review.time_limits.0", "overdue"),
]


@pytest.mark.parametrize(
    ("ruleset", "path", "lapse"), CAN, ids=[f"{p}={lapse}" for _, p, lapse in CAN]
)
def test_a_limit_whose_stage_can_run_its_lapse_is_accepted(ruleset, path, lapse):
    load(ruleset, with_limit(ruleset, path, lapse))


def test_the_hebei_catalog_update_that_closed_at_its_deadline_is_refused():
    text = (PACKAGED / "hebei-2022.yaml").read_text(encoding="utf-8")
    closing = text.replace(
        "        - {working_days: 10, on_timeout: overdue, article: 第九条}\n    extension:",
        "        - {working_days: 10, on_timeout: close, article: 第九条}\n    extension:",
    )
    assert closing != text
    with pytest.raises(
        RulesetError,
        match=r"^hebei-2022\.yaml: processes\.catalog_update\."
        r"update\.time_limits\.0\.on_timeout: .*'department_update'.*overdue",
    ):
        load("hebei-2022", closing)


@pytest.mark.parametrize("stage", ["coordination", "refused", "verification", "nonsense"])
def test_a_track_naming_a_stage_no_track_has_is_refused(stage):
    data = packaged("hubei-419")
    node(data, "processes.sharing_application.tracks.conditional.stages.0")["stage"] = stage
    with pytest.raises(RulesetError) as refused:
        load("hubei-419", yaml.safe_dump(data, allow_unicode=True))
    field = "processes.sharing_application.tracks.conditional.stages.0.stage"
    assert str(refused.value).startswith(f"hubei-419.yaml: {field}: ")
    assert repr(stage) in str(refused.value)


def test_a_stage_named_otherwise_than_its_field_says_is_refused():
    data = packaged("hebei-2022")
    node(data, "processes.catalog_update.update")["stage"] = "authority_review"
    with pytest.raises(
        RulesetError,
        match=r"^hebei-2022\.yaml: processes\.catalog_update\."
        r"update\.stage: .*'department_update'",
    ):
        load("hebei-2022", yaml.safe_dump(data, allow_unicode=True))


def test_every_stage_a_packaged_ruleset_plans_is_declared_by_its_process():
    for ruleset in KNOWN:
        for name in PROCESSES:
            plan = ruleset.plan_for(name)
            if plan is None:
                continue
            stages = [
                value.stage
                for value in _walk(plan)
                if hasattr(value, "stage") and hasattr(value, "time_limits")
            ]
            # 809's negative list is a rule on the basis's rank, held over a local procedure.
            rank_cite: object = getattr(plan, "rank_cite", None)
            assert stages or rank_cite, (ruleset.id, name)
            for stage in stages:
                assert PROCESSES[name].stage(stage) is not None, (ruleset.id, name, stage)


def _walk(value: Any) -> list[Any]:
    """Every dataclass value reachable from `value`."""
    found = [value]
    children = (
        list(value.values())
        if isinstance(value, dict)
        else list(value)
        if isinstance(value, tuple | list)
        else list(vars(value).values())
        if hasattr(value, "__dataclass_fields__")
        else []
    )
    for child in children:
        found += _walk(child)
    return found


def test_a_confirmation_without_a_delivery_is_refused():
    data = packaged("national-809")
    del data["processes"]["sharing_application"]["delivery"]
    with pytest.raises(RulesetError) as refused:
        load("national-809", yaml.safe_dump(data, allow_unicode=True))
    assert "processes.sharing_application.confirmation: " in str(refused.value)
