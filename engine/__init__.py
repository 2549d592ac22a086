"""SCR Workflow engine: diagrams in, cases run, everything recorded.

The public API: `build_engine(settings)` gives an `Engine` whose attributes are its services
(`engine.tasks.complete(...)`, `engine.cases.page(...)`); `can(user, "deploy")` answers a permission
question by name; everything returned is a frozen value from engine.dto; errors are engine.errors.
"""

from __future__ import annotations

from engine.access import can
from engine.bootstrap import build_engine
from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import SystemClock
from engine.dto import AnswerToCorrect
from engine.dto import AuditEntry
from engine.dto import CaseDiagram
from engine.dto import CaseEvent
from engine.dto import CasePage
from engine.dto import CaseSummary
from engine.dto import CaseView
from engine.dto import CaseWait
from engine.dto import ChainReport
from engine.dto import ContactInfo
from engine.dto import CorrectionDone
from engine.dto import CorrectionPreview
from engine.dto import DeploymentInfo
from engine.dto import DeploymentPreview
from engine.dto import DocumentInfo
from engine.dto import DocumentOrigin
from engine.dto import FieldSpec
from engine.dto import InboxPage
from engine.dto import NotificationInfo
from engine.dto import Option
from engine.dto import PhaseStatus
from engine.dto import StartForm
from engine.dto import TaskForm
from engine.dto import TaskPage
from engine.dto import TaskSummary
from engine.dto import Upload
from engine.dto import UserInfo
from engine.errors import ConcurrentUpdate
from engine.errors import DiagramInvalid
from engine.errors import DiagramProblem
from engine.errors import EngineError
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.errors import NotSignedIn
from engine.errors import SignInThrottled
from engine.errors import TaskAlreadyCompleted
from engine.errors import TaskNotReady
from engine.errors import WorkflowFailed
from engine.process.diff import Change
from engine.services.audit import Deadline
from engine.services.audit import ReplayReport
from engine.services.audit import ReplayView
from engine.services.audit import export_csv
from engine.services.case_events import FIELDS as EVENT_FIELDS
from engine.services.case_team import CaseTeam
from engine.services.case_team import TeamMember
from engine.services.chronology import ChronologyPage
from engine.services.chronology import ChronologyRefused
from engine.services.corrections import CorrectionRefused
from engine.services.engine import Engine
from engine.services.exports import ExportFile
from engine.services.migrations import MigrationCheck
from engine.services.migrations import MigrationRefused
from engine.services.register import RegisterFilter
from engine.services.register import RegisterItem
from engine.services.register import RegisterPage
from engine.services.reports import BoardReport
from engine.services.reports import ClockView
from engine.services.timeline import TimelineEntry
from engine.settings import EngineSettings
from engine.settings import OidcSettings

__all__ = [
    "AnswerToCorrect",
    "CorrectionDone",
    "CorrectionPreview",
    "CorrectionRefused",
    "CaseTeam",
    "TeamMember",
    "BoardReport",
    "ClockView",
    "ChronologyPage",
    "ChronologyRefused",
    "ExportFile",
    "RegisterFilter",
    "RegisterItem",
    "RegisterPage",
    "AuditEntry",
    "CaseDiagram",
    "CaseEvent",
    "CasePage",
    "EVENT_FIELDS",
    "CaseSummary",
    "CaseView",
    "CaseWait",
    "ChainReport",
    "Change",
    "Clock",
    "ConcurrentUpdate",
    "ContactInfo",
    "Deadline",
    "DeploymentInfo",
    "DeploymentPreview",
    "DiagramInvalid",
    "DiagramProblem",
    "DocumentInfo",
    "DocumentOrigin",
    "Engine",
    "EngineError",
    "EngineSettings",
    "FieldSpec",
    "FixedClock",
    "FormInvalid",
    "MigrationCheck",
    "MigrationRefused",
    "NotFound",
    "NotPermitted",
    "NotSignedIn",
    "SignInThrottled",
    "NotificationInfo",
    "OidcSettings",
    "Option",
    "PhaseStatus",
    "ReplayReport",
    "ReplayView",
    "StartForm",
    "SystemClock",
    "TaskAlreadyCompleted",
    "TaskForm",
    "InboxPage",
    "TaskPage",
    "TaskNotReady",
    "TaskSummary",
    "TimelineEntry",
    "Upload",
    "UserInfo",
    "WorkflowFailed",
    "build_engine",
    "can",
    "export_csv",
]
