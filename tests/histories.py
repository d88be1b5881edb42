"""The histories of cases the workflow tests run, kept for the replay suite (tests/replay)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from temporalio.client import Client

HISTORIES = Path(__file__).parent / "replay" / "histories"
RECORD = os.environ.get("SHIXIAN_RECORD_HISTORIES") == "1"


async def keep_history(client: Client, case: dict[str, Any], name: str) -> None:
    """With SHIXIAN_RECORD_HISTORIES=1, save the case's history for the replay suite."""
    if not RECORD:
        return
    history = await client.get_workflow_handle(case["case_id"]).fetch_history()
    HISTORIES.mkdir(parents=True, exist_ok=True)
    path = HISTORIES / f"{name}.json"
    path.write_text(json.dumps(json.loads(history.to_json()), ensure_ascii=False, indent=1))
