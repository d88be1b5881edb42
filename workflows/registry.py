"""Every case process, by name: the workflow classes the worker runs, and the declarations the
labels, the timeline and the notices read (workflows/process.py)."""

from __future__ import annotations

from typing import Any

from workflows.case import CaseWorkflow
from workflows.catalog_update import CatalogUpdateWorkflow
from workflows.emergency_reclassification import EmergencyReclassificationWorkflow
from workflows.green_channel import GreenChannelWorkflow
from workflows.negative_listing import NegativeListingWorkflow
from workflows.open_data_objection import OpenDataObjectionWorkflow
from workflows.process import Process
from workflows.quality_verification import QualityVerificationWorkflow
from workflows.service_change import ServiceChangeWorkflow
from workflows.sharing_application import SharingApplicationWorkflow

CASE_WORKFLOWS: tuple[type[CaseWorkflow[Any]], ...] = (
    SharingApplicationWorkflow,
    OpenDataObjectionWorkflow,
    CatalogUpdateWorkflow,
    GreenChannelWorkflow,
    ServiceChangeWorkflow,
    EmergencyReclassificationWorkflow,
    QualityVerificationWorkflow,
    NegativeListingWorkflow,
)
PROCESSES: dict[str, Process] = {w.process.name: w.process for w in CASE_WORKFLOWS}
PROCESS_TITLES = {name: process.title for name, process in PROCESSES.items()}
