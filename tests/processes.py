"""One walk per process, from submission to its end, with the text of every field given by
the test: ordinary words, the largest text allowed (tests/api/test_largest_inputs.py), or
hostile characters at one field at a time (tests/api/test_hostile_input.py).

`Fill(size, tag)` returns the text a field gets, `size` being the field's limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from service.bounds import ATTACHMENT_COUNT
from service.text import (
    DECISION,
    DESCRIPTION,
    FIELD_COUNT,
    FIELD_NAME,
    LEGAL_BASIS,
    NAME,
    PURPOSE,
    REASON,
    RECORD_COUNT,
    RECORD_ID,
    SUPPLEMENT_ITEM,
    SUPPLEMENT_ITEM_REASON,
    SUPPLEMENT_ITEMS,
    UPDATE_CYCLE,
)
from shixian.demo import HUKOU_FIELDS
from tests.cases import at, done
from tests.conftest import TestClock, auth

Fill = Callable[[int, str], str]


def ordinary(size: int, tag: str) -> str:
    return f"说明{tag}"


def largest(size: int, tag: str) -> str:
    """`size` characters of three UTF-8 bytes each (the most a payload can grow by), starting
    with `tag` so that the items of a list differ."""
    return (tag + "长" * size)[:size]


def names(fill: Fill, size: int, count: int) -> list[str]:
    return [fill(size, f"{index:03d}") for index in range(count)]


@dataclass
class Step:
    actor: str
    action: str
    decision: str | None = None  # the code word the action needs, if any
    # What the action carries, where it is not every text an action may carry (`said`).
    carries: Callable[[Fill], dict[str, Any]] | None = None

    def body(self, fill: Fill) -> dict[str, Any]:
        return self.carries(fill) if self.carries else said(fill, self.decision)


@dataclass
class Walk:
    process: str
    submitter: str
    # The submission's body, its process aside: (fill, the submitter's attachments) -> body.
    body: Callable[[Fill, list[int]], dict[str, Any]]
    steps: list[Step]
    outcome: str
    received: str | None = None  # the platform's time at submission, if not the default
    attachments: int = 0  # how many the submission cites (uploaded by the submitter first)
    draft: Callable[[Fill], dict[str, Any]] | None = None  # a catalog update's draft edit
    # Catalog entries an administrator changes first (PATCH /catalog/{id}), by resource id.
    catalog: dict[str, dict[str, Any]] = field(default_factory=dict)

    def submission(self, fill: Fill, attachments: list[int]) -> dict[str, Any]:
        return {"process": self.process, **self.body(fill, attachments)}


def said(fill: Fill, decision: str | None = None) -> dict[str, Any]:
    """Every text an action may carry; `decision` where the action needs a code word."""
    return {
        "reason": fill(REASON, "理由"),
        "legal_basis": fill(LEGAL_BASIS, "依据"),
        "note": fill(REASON, "说明"),
        "decision": decision if decision is not None else fill(DECISION, "决定"),
    }


DONGYING_OPEN = "2026-09-30T10:00:00+08:00"  # before dongying's instrument ended
LISTING_FILED = "2026-12-01T10:00:00+08:00"
DELIVERY_FILED = "2026-12-02T10:00:00+08:00"
SUPPLEMENT_ASKED = "2026-12-01T10:00:00+08:00"

WALKS = [
    Walk(
        process="sharing_application",
        submitter="hubei-applicant",
        # Data not yet in the catalog: the track with a requested name and free field names.
        body=lambda fill, _: {
            "ruleset": "hubei-419",
            "requested_name": fill(NAME, "数据"),
            "provider_id": "hubei-police",
            "purpose": fill(PURPOSE, "用途"),
            "scenario": fill(PURPOSE, "场景"),
            "fields": names(fill, FIELD_NAME, FIELD_COUNT),
            "valid_until": "2100-12-31",
        },
        steps=[
            # Data not in the catalog: 809 defines no such track, so Hubei's single
            # coordination step (hubei 第二十条).
            Step("hubei-provider", "reject"),
            Step("hubei-applicant", "request_coordination"),
            Step("hubei-supervisor", "decide", "grant"),
        ],
        outcome="granted",
    ),
    Walk(
        process="sharing_application",
        submitter="hubei-applicant",
        body=lambda fill, _: {
            "resource_id": "hubei-hukou",
            "fields": HUKOU_FIELDS,
            "purpose": fill(PURPOSE, "用途"),
            "scenario": fill(PURPOSE, "场景"),
        },
        steps=[
            Step("hubei-provider", "reject"),
            # 809 第二十八条's ladder, every step: negotiation, coordination, the government.
            Step("hubei-applicant", "request_negotiation"),
            Step("hubei-provider", "record_negotiation", "failed"),
            Step("hubei-applicant", "request_coordination"),
            Step("hubei-supervisor", "decide", "unresolved"),
            # The government's decision's date is its decision: the day of receipt.
            Step("hubei-supervisor", "record_government_grant", "2026-11-23"),
        ],
        outcome="granted",
    ),
    Walk(
        process="quality_verification",
        submitter="hubei-applicant",
        body=lambda fill, attachments: {
            "ruleset": "hubei-419",
            "resource_id": "hubei-hukou",
            "description": fill(DESCRIPTION, "疑义"),
            "fields": HUKOU_FIELDS,  # every field the resource has
            "records": names(fill, RECORD_ID, RECORD_COUNT),
            "attachments": attachments,
        },
        steps=[
            Step("hubei-provider", "explain"),
            Step("hubei-applicant", "dispute"),
            Step("hubei-supervisor", "decide", "uphold"),
        ],
        outcome="explained",
        attachments=ATTACHMENT_COUNT,
    ),
    Walk(
        process="catalog_update",
        submitter="hubei-provider",
        body=lambda fill, _: {
            "ruleset": "hubei-419",
            "department_id": "hubei-police",
            "trigger": "law_changed",
            "trigger_date": "2026-11-20",
            "description": fill(DESCRIPTION, "变化"),
        },
        draft=lambda fill: {
            "op": "add",
            "resource_id": "x" * 64,
            "name": fill(NAME, "资源"),
            "share_type": "conditional",
            "open_type": "not_open",
            "legal_basis": fill(LEGAL_BASIS, "依据"),
            "conditions": fill(LEGAL_BASIS, "条件"),
            "fields": names(fill, FIELD_NAME, FIELD_COUNT),
            "update_cycle": fill(UPDATE_CYCLE, "周期"),
            "reason": fill(REASON, "理由"),
        },
        # 809 第十七条 (a change of law, since 2025-08-01): the authority reviews and publishes.
        steps=[
            Step("hubei-provider", "submit"),
            Step("hubei-supervisor", "publish"),
        ],
        outcome="published",
    ),
    Walk(
        process="open_data_objection",
        submitter="public",
        body=lambda fill, attachments: {
            "ruleset": "hubei-419",
            "resource_id": "hubei-org",
            "grounds": "accuracy",
            "description": fill(DESCRIPTION, "异议"),
            "contact": fill(NAME, "联系"),
            "attachments": attachments,
        },
        steps=[
            Step("hubei-provider", "suspend"),
            Step("hubei-provider", "close", "reopen_processed"),
        ],
        outcome="reopened_processed",
        attachments=ATTACHMENT_COUNT,
    ),
    Walk(
        process="green_channel",
        submitter="dongying-applicant",
        received=DONGYING_OPEN,
        body=lambda fill, _: {
            "ruleset": "dongying-2021-26",
            "track": "green",
            "provider_id": "dongying-police",
            "data_name": fill(NAME, "数据"),
            "purpose": fill(PURPOSE, "用途"),
            "scenario": fill(PURPOSE, "场景"),
            "grounds": "public_emergency",
            "justification": fill(DESCRIPTION, "理由"),
            "fields": names(fill, FIELD_NAME, FIELD_COUNT),
        },
        steps=[
            Step("dongying-supervisor", "approve"),
            Step("dongying-provider", "confirm"),
            Step("dongying-provider", "deliver", "conditional"),
        ],
        outcome="delivered",
    ),
    Walk(
        process="service_change",
        submitter="dongying-provider",
        received=DONGYING_OPEN,
        body=lambda fill, _: {
            "ruleset": "dongying-2021-26",
            "resource_id": "dongying-hukou",
            "kind": "stop",
            "effective_on": "2100-12-31",
            "description": fill(DESCRIPTION, "变更"),
            "reason": fill(DESCRIPTION, "理由"),
        },
        steps=[Step("dongying-provider", "withdraw")],
        outcome="withdrawn",
    ),
    Walk(
        process="emergency_reclassification",
        submitter="dongying-provider",
        received=DONGYING_OPEN,
        body=lambda fill, _: {
            "ruleset": "dongying-2021-26",
            "resource_id": "dongying-hukou",
            "share_type": "unconditional",
            "reason": fill(DESCRIPTION, "事件"),
            "until": "2026-12-29",  # the furthest allowed: 90 days after filing
        },
        steps=[Step("dongying-provider", "restore")],
        outcome="restored_early",
    ),
    Walk(
        process="negative_listing",
        submitter="hubei-provider",
        received=LISTING_FILED,
        body=lambda fill, _: {
            "ruleset": "hubei-419",
            "resource_id": "hubei-org",
            "basis_rank": "law",
            "legal_basis": fill(LEGAL_BASIS, "依据"),
            "reasons": fill(DESCRIPTION, "理由"),
        },
        steps=[
            Step("hubei-supervisor", "forward"),
            # The approval's date is its decision: the day it was filed.
            Step("hubei-supervisor", "record_approval", "2026-12-01"),
        ],
        outcome="listed",
    ),
    # A supplement request (809 第二十一条第二款) with every item at its limit, the supplement,
    # and the review's decline after it (an application outside the remit after all).
    Walk(
        process="sharing_application",
        submitter="hebei-applicant",
        received=SUPPLEMENT_ASKED,
        body=lambda fill, _: {
            "ruleset": "hebei-2022",
            "resource_id": "hebei-hukou",
            "purpose": fill(PURPOSE, "用途"),
            "scenario": fill(PURPOSE, "场景"),
            "fields": ["姓名"],
        },
        steps=[
            Step(
                "hebei-supervisor",
                "request_supplement",
                carries=lambda fill: {
                    "items": [
                        {
                            "item": fill(SUPPLEMENT_ITEM, f"{n:02d}"),
                            "reason": fill(SUPPLEMENT_ITEM_REASON, "理由"),
                        }
                        for n in range(SUPPLEMENT_ITEMS)
                    ]
                },
            ),
            Step("hebei-applicant", "supplement"),
            Step("hebei-supervisor", "decline"),
        ],
        outcome="declined",
    ),
    # Last: its catalog change stays for the rest of the test. Data delivered by file after
    # the consent (809 第二十二条): the reference is the delivery's text.
    Walk(
        process="sharing_application",
        submitter="hubei-applicant",
        received=DELIVERY_FILED,
        body=lambda fill, _: {
            "resource_id": "hubei-hukou",
            "purpose": fill(PURPOSE, "用途"),
            "scenario": fill(PURPOSE, "场景"),
            "fields": HUKOU_FIELDS,
        },
        steps=[
            Step("hubei-provider", "approve"),
            Step("hubei-provider", "deliver", "file"),
            Step("hubei-applicant", "confirm_receipt"),
        ],
        outcome="granted",
        catalog={"hubei-hukou": {"delivery_method": "file"}},
    ),
]


async def prepare(api: httpx.AsyncClient, clock: TestClock, walk: Walk) -> None:
    """Set the platform's time and the catalog as the walk's submission needs them."""
    if walk.received:
        await clock.set(at(walk.received))
    for resource_id, change in walk.catalog.items():
        changed = await api.patch(
            f"/api/v1/catalog/{resource_id}", json=change, headers=auth("admin")
        )
        assert changed.status_code == 200, changed.text


async def take_the_steps(
    api: httpx.AsyncClient, walk: Walk, case: dict[str, Any], fill: Fill
) -> dict[str, Any]:
    """Every step of the walk, each acting with `fill`'s texts: the case as it ends, as it
    should."""
    for step in walk.steps:
        state = await done(api, step.actor, case, step.action, **step.body(fill))
    assert (walk.process, state["status"], state["outcome"]) == (
        walk.process,
        "closed",
        walk.outcome,
    )
    return state
