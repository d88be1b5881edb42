"""The processes a case can be submitted for, each registered once: its request, the checks
made before a number is given, its workflow input, and its actions.

Adding a process means one module here that builds a `Process`, and one line in `PROCESSES`.
"""

from __future__ import annotations

from service.submissions.catalog_update import CATALOG_UPDATE
from service.submissions.common import Draft, Process, find_department, parties_for
from service.submissions.green_channel import GREEN_CHANNEL
from service.submissions.negative_listing import NEGATIVE_LISTING
from service.submissions.open_data_objection import OPEN_DATA_OBJECTION
from service.submissions.provider_notices import EMERGENCY_RECLASSIFICATION, SERVICE_CHANGE
from service.submissions.quality_verification import QUALITY_VERIFICATION
from service.submissions.sharing_application import SHARING_APPLICATION

PROCESSES: dict[str, Process] = {
    process.name: process
    for process in (
        SHARING_APPLICATION,
        OPEN_DATA_OBJECTION,
        CATALOG_UPDATE,
        GREEN_CHANNEL,
        SERVICE_CHANGE,
        EMERGENCY_RECLASSIFICATION,
        QUALITY_VERIFICATION,
        NEGATIVE_LISTING,
    )
}

__all__ = ["PROCESSES", "Draft", "Process", "find_department", "parties_for"]
