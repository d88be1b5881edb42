"""The largest inputs the API allows, at every field of every process, walk each case to its end
(issue 16 item 2): bounded text cannot wedge a case, on either database.

Every text is at its limit in characters of three UTF-8 bytes each, every list at its count;
every action carries every text it may. The history's largest event stays far below Temporal's
2 MB payload limit, which a case must never reach (past it, no workflow task completes); the
largest today is about 200 KB.
"""

from __future__ import annotations

import pytest

from tests.cases import at, done, uploaded
from tests.conftest import auth, both_databases
from tests.processes import WALKS, Walk, largest

TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024


def pdf(number: int) -> bytes:
    return b"%PDF-1.7\n" + f"证据{number}".encode() * 64 + b"\n%%EOF\n"


@both_databases
@pytest.mark.parametrize("walk", WALKS, ids=lambda walk: walk.process)
async def test_the_largest_inputs_at_every_field_walk_each_process_to_its_end(
    api, clock, env, walk: Walk
):
    if walk.received:
        await clock.set(at(walk.received))
    attachments = [await uploaded(api, walk.submitter, pdf(n)) for n in range(walk.attachments)]
    response = await api.post(
        "/api/v1/cases", json=walk.body(largest, attachments), headers=auth(walk.submitter)
    )
    assert response.status_code == 201, response.text
    case = response.json()
    if walk.draft is not None:
        edited = await api.post(
            f"/api/v1/cases/{case['case_id']}/draft",
            json=walk.draft(largest),
            headers=auth(walk.submitter),
        )
        assert edited.status_code == 200, edited.text
    for step in walk.steps:
        state = await done(api, step.actor, case, step.action, **step.body(largest))
    assert (state["status"], state["outcome"]) == ("closed", walk.outcome)

    history = await env.client.get_workflow_handle(case["case_id"]).fetch_history()
    biggest = max(event.ByteSize() for event in history.events)
    # Below the server's warning level too (a quarter of the limit): room for longer cases.
    assert biggest < TEMPORAL_PAYLOAD_LIMIT / 4, f"largest history event: {biggest} bytes"
