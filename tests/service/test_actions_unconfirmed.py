"""An action Temporal does not confirm in time (an overloaded server) is a 503 that tells the
caller to look at the case before trying again, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

from service.cases import execute
from service.errors import Unavailable
from service.platform import Platform


class Unanswered:
    """A client whose every update times out."""

    def get_workflow_handle(self, _: str) -> Unanswered:
        return self

    async def execute_update(self, *_: Any) -> Any:
        raise WorkflowUpdateRPCTimeoutOrCancelledError()


async def test_an_unconfirmed_action_is_unavailable_and_says_to_look_first(settings):
    platform = Platform.using(settings, client=Unanswered())  # type: ignore[arg-type]
    with pytest.raises(Unavailable) as raised:
        await execute(platform, "sharing-application/HB419-2026-000001", "approve", None)
    assert raised.value.status == 503
    assert raised.value.code == "action_unconfirmed"
    assert "刷新案件查看" in raised.value.message
