"""Plain immutable values the service returns: never ORM rows or SpiffWorkflow tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One form field as the diagram describes it (camunda:formData)."""

    id: str
    label: str
    type: str  # string | text | long | boolean | date | enum | file
    required: bool = False
    readonly: bool = False
    multiple: bool = False
    hint: str | None = None
    default: str | None = None
    options: tuple[Option, ...] = ()
    min: str | None = None
    max: str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    email: str | None
    agency: str | None
    roles: frozenset[str]
    active: bool = True

    @property
    def is_auditor(self) -> bool:
        return "auditor" in self.roles


@dataclass(frozen=True, slots=True)
class StartForm:
    process_id: str
    process_name: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True, slots=True)
class CaseSummary:
    reference: str
    process_id: str
    process_name: str
    status: str
    phase: str | None
    started_at: datetime
    started_by: str
    deployment_hash: str
    version: int


@dataclass(frozen=True, slots=True)
class TaskSummary:
    id: str
    case_reference: str
    name: str
    phase: str | None
    roles: tuple[str, ...]
    agency: str | None
    assignee: str | None
    due_at: datetime | None
    state: str
    created_at: datetime
    # "overdue" once the due day is over, "due_soon" from the second working day before it (when the
    # reminder goes out), else None.
    due_state: str | None = None


@dataclass(frozen=True, slots=True)
class TaskForm:
    task: TaskSummary
    documentation: str | None
    fields: tuple[FieldSpec, ...]
    values: dict[str, Any]
    case_version: int
    element_id: str


@dataclass(frozen=True, slots=True)
class StepRecord:
    """A completed user task: who, when, what."""

    task_id: str
    name: str
    element_id: str
    completed_by: str | None
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class CaseView:
    summary: CaseSummary
    open_tasks: tuple[TaskSummary, ...]
    completed_steps: tuple[StepRecord, ...]
    data: dict[str, Any]
    done_elements: tuple[str, ...]
    active_elements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    chain: str
    type: str
    actor: str | None
    at: datetime
    case_reference: str | None
    data: dict[str, Any]
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events_checked: int
    first_bad_event: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    id: int
    content_hash: str
    deployed_by: str | None
    deployed_at: datetime
    note: str
    files: tuple[str, ...]
    process_ids: tuple[str, ...]
    current: bool
    created: bool = True


@dataclass(frozen=True, slots=True)
class CaseDiagram:
    """One diagram of a case, with the elements done and active in it, for the viewer."""

    process_id: str
    process_name: str
    file_name: str
    xml: str
    done: tuple[str, ...]
    active: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    case_reference: str
    task_id: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationInfo:
    id: int
    case_reference: str | None
    template: str
    subject: str
    body: str
    recipient: str
    address: str | None
    status: str
    queued_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ContactInfo:
    key: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ReadyTask:
    """A user task the workflow offers now, as the task index stores it."""

    id: str
    element_id: str
    name: str
    phase: str | None
    roles: tuple[str, ...]
    assignee: str | None
    agency: str | None
    due_at: datetime | None
    ready_at: datetime


@dataclass(frozen=True, slots=True)
class CasePage:
    """Everything the case page shows, read at one moment."""

    case: CaseView
    diagrams: tuple[CaseDiagram, ...]
    documents: tuple[DocumentInfo, ...]
    notifications: tuple[NotificationInfo, ...]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file chosen in a form, as the web layer hands it to the engine."""

    filename: str
    content: bytes
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class TaskPage:
    """Everything a task's page shows, read at one moment: its form, its case, the case's documents."""

    form: TaskForm
    case: CaseView
    documents: tuple[DocumentInfo, ...]
