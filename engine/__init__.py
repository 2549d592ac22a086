"""SCR Workflow engine: diagrams in, cases run, everything recorded. See `build_service`."""

from __future__ import annotations

from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import SystemClock
from engine.diffing import Change
from engine.dto import AuditEntry
from engine.dto import CaseDiagram
from engine.dto import CaseSummary
from engine.dto import CaseView
from engine.dto import ChainReport
from engine.dto import ContactInfo
from engine.dto import DeploymentInfo
from engine.dto import DocumentInfo
from engine.dto import FieldSpec
from engine.dto import NotificationInfo
from engine.dto import Option
from engine.dto import StartForm
from engine.dto import TaskForm
from engine.dto import TaskSummary
from engine.dto import UserInfo
from engine.errors import ConcurrentUpdate
from engine.errors import DiagramInvalid
from engine.errors import DiagramProblem
from engine.errors import EngineError
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.errors import NotSignedIn
from engine.errors import TaskAlreadyCompleted
from engine.errors import TaskNotReady
from engine.errors import WorkflowFailed
from engine.service import WorkflowService
from engine.service_audit import Deadline
from engine.service_audit import ReplayReport
from engine.service_audit import ReplayView
from engine.service_audit import TimelineEntry
from engine.service_versions import MigrationCheck
from engine.service_versions import MigrationRefused
from engine.settings import EngineSettings
from engine.settings import build_service

__all__ = [
    "AuditEntry",
    "CaseDiagram",
    "Change",
    "Deadline",
    "MigrationCheck",
    "MigrationRefused",
    "ReplayReport",
    "ReplayView",
    "TimelineEntry",
    "ContactInfo",
    "DocumentInfo",
    "NotificationInfo",
    "Option",
    "WorkflowService",
    "CaseSummary",
    "CaseView",
    "ChainReport",
    "Clock",
    "ConcurrentUpdate",
    "DeploymentInfo",
    "DiagramInvalid",
    "DiagramProblem",
    "EngineError",
    "EngineSettings",
    "FieldSpec",
    "FixedClock",
    "FormInvalid",
    "NotFound",
    "NotPermitted",
    "NotSignedIn",
    "StartForm",
    "SystemClock",
    "TaskAlreadyCompleted",
    "TaskForm",
    "TaskNotReady",
    "TaskSummary",
    "UserInfo",
    "WorkflowFailed",
    "build_service",
]
