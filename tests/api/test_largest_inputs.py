"""The largest inputs the API allows, at every field of every process, walk each case to its end
(issue 16 item 2): bounded text cannot wedge a case, on either database.

Every text is at its limit in characters of three UTF-8 bytes each, every list at its count;
every action carries every text it may. The history's largest event stays far below Temporal's
2 MB payload limit, which a case must never reach (past it, no workflow task completes); the
largest today is about 200 KB.
"""

from __future__ import annotations

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.attachments import uploaded
from tests.cases import done, projection_records
from tests.conftest import auth, both_databases
from tests.processes import WALKS, Walk, largest, prepare, take_the_steps
from workflows.common import CaseState

TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024


def pdf(number: int) -> bytes:
    return b"%PDF-1.7\n" + f"证据{number}".encode() * 64 + b"\n%%EOF\n"


@both_databases
async def test_the_largest_inputs_at_every_field_walk_each_process_to_its_end(api, clock, env):
    # One test for all the walks: each would otherwise start its own test server.
    for walk in WALKS:
        await walk_with_the_largest_inputs(api, clock, env, walk)


async def walk_with_the_largest_inputs(api, clock, env, walk: Walk) -> None:
    await prepare(api, clock, walk)
    attachments = [await uploaded(api, walk.submitter, pdf(n)) for n in range(walk.attachments)]
    response = await api.post(
        "/api/v1/cases", json=walk.submission(largest, attachments), headers=auth(walk.submitter)
    )
    assert response.status_code == 201, (walk.process, response.text)
    case = response.json()
    if walk.draft is not None:
        edited = await api.post(
            f"/api/v1/cases/{case['case_id']}/draft",
            json=walk.draft(largest),
            headers=auth(walk.submitter),
        )
        assert edited.status_code == 200, (walk.process, edited.text)
    state = await take_the_steps(api, walk, case, largest)

    history = await env.client.get_workflow_handle(case["case_id"]).fetch_history()
    biggest = max(event.ByteSize() for event in history.events)
    # Below the server's warning level too (a quarter of the limit): room for longer cases.
    assert biggest < TEMPORAL_PAYLOAD_LIMIT / 4, f"{walk.process}: an event of {biggest} bytes"
    # No step's text is copied into the history again at every later step: each event goes to
    # the projection once, and the answers carry only what the projection did not hold yet.
    recorded, answers = carried_states(history)
    kinds = [event["kind"] for event in state["events"]]
    assert [event.kind for change in recorded for event in change.events] == kinds
    assert sum(len(answer.events) for answer in answers) <= len(kinds), walk.process
    # A step's notices and grant travel with its record (`record_step`): none runs an
    # activity alone.
    scheduled = [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
    ]
    assert "record_step" in scheduled, walk.process
    assert not {"send_notice", "grant_authorization"} & set(scheduled), walk.process


def carried_states(history: WorkflowHistory) -> tuple[list[CaseState], list[CaseState]]:
    """The states the case sent its projection, and its updates' answers."""
    answers = []
    for event in history.events:
        if event.HasField("workflow_execution_update_completed_event_attributes"):
            outcome = event.workflow_execution_update_completed_event_attributes.outcome
            if outcome.HasField("success"):
                [answer] = pydantic_data_converter.payload_converter.from_payloads(
                    list(outcome.success.payloads), [CaseState]
                )
                answers.append(answer)
    return projection_records(history), answers


async def test_a_draft_stops_growing_before_its_case_could_wedge(api, env):
    """The case carries its whole draft in every payload: past 512 KB an edit is refused."""
    walk = next(walk for walk in WALKS if walk.process == "catalog_update")
    assert walk.draft is not None
    case = (
        await api.post(
            "/api/v1/cases", json=walk.submission(largest, []), headers=auth("hubei-provider")
        )
    ).json()
    path = f"/api/v1/cases/{case['case_id']}/draft"
    accepted = 0
    for number in range(10):
        edit = {**walk.draft(largest), "resource_id": f"entry-{number}"}
        response = await api.post(path, json=edit, headers=auth("hubei-provider"))
        if response.status_code != 200:
            break
        accepted += 1
    assert (response.status_code, response.json()["code"]) == (422, "draft_too_large")
    assert "512 KB" in response.json()["message"]
    assert 1 < accepted < 10
    await done(api, "hubei-provider", case, "submit")
    state = await done(api, "hubei-supervisor", case, "publish")
    assert (state["status"], state["outcome"]) == ("closed", "published")
    assert len(state["details"]["draft"]) == accepted
    history = await env.client.get_workflow_handle(case["case_id"]).fetch_history()
    assert max(event.ByteSize() for event in history.events) < TEMPORAL_PAYLOAD_LIMIT / 2
