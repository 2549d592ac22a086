"""Plain immutable values the service returns: never ORM rows or SpiffWorkflow tasks."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
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
    type: str  # string | text | long | boolean | date | enum | file (agency: enum)
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
    # "agency": the choices are the Board's agencies, filled in when the form is shown or checked
    source: str | None = None
    # date-order constraints (engine.process.date_order): (name, what the date is compared with)
    compare: tuple[tuple[str, str], ...] = ()


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
    steps_done: int
    """How many steps were completed in all; `completed_steps` may hold only the latest ones."""
    worked_by: tuple[str, ...]
    """Everybody who completed a step, in the order they first did."""
    waiting: tuple[CaseWait, ...] = ()
    """The timers the case waits on, soonest first (not those on the edge of a task)."""
    completed_at: datetime | None = None
    """When the case ended; None while it is active."""
    phases: tuple[PhaseStatus, ...] = ()
    """Every phase of the case's top-level process in diagram order, with where it stands."""

    @property
    def next_deadline(self) -> TaskSummary | None:
        """The open task due soonest, if any open task has a due date."""
        dated = [t for t in self.open_tasks if t.due_at is not None]
        return min(
            dated, key=lambda t: t.due_at or self.summary.started_at, default=None
        )


@dataclass(frozen=True, slots=True)
class PhaseStatus:
    """One phase of a case (a call activity of its top-level process) and where it stands.

    `status` is one of `completed`, `in_progress`, `waiting` (only a timer or message of its own is
    awaited: `waiting_for` names it as the diagram does, `until` is when a timer fires),
    `not_started` (the case's path leads to it) or `not_needed` (it cannot run any more).
    """

    name: str
    status: str
    waiting_for: str | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class CaseWait:
    """A timer a case waits on: what for (its name in the diagram) and until when."""

    reason: str
    until: datetime


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
class DeploymentPreview:
    """What deploying some files would make, checked as a deploy checks them; nothing is stored."""

    files: tuple[str, ...]
    """The file names of the resulting deployment."""
    content_hash: str
    """The resulting bundle's hash: a deploy stores exactly this bundle or nothing."""
    identical_to: int | None
    """The existing deployment with exactly these files, if there is one."""
    compared_with: int | None
    """The current deployment the changes are counted from (None before the first deploy)."""
    changes: tuple[Any, ...]
    """The `engine.Change`s from the current deployment, by process then element."""
    placed: tuple[tuple[str, str], ...]
    """Each file sent and the name it takes in the resulting deployment (``loop.bpmn`` may replace
    ``loops/loop.bpmn``)."""


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """Something that happened outside the system that a case waits to hear of, and this user may
    record ("Parallel proceedings started"): a message the diagram catches."""

    message: str
    name: str
    documentation: str | None


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
    # The file names of the case documents sent with it ("report.pdf").
    attachments: tuple[str, ...] = ()


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
class DocumentOrigin:
    """What a document is: the question of the form it answered, and the task it came with."""

    title: str | None
    task_name: str | None


@dataclass(frozen=True, slots=True)
class CasePage:
    """Everything the case page shows, read at one moment."""

    case: CaseView
    diagrams: tuple[CaseDiagram, ...]
    documents: tuple[DocumentInfo, ...]
    notifications: tuple[NotificationInfo, ...]
    origins: dict[int, DocumentOrigin] = field(default_factory=dict)
    """By document id, for documents that came with a task (those added on the case page have none)."""
    events: tuple[CaseEvent, ...] = ()
    """What this user may record as having happened (the messages the case waits for)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file chosen in a form, as the web layer hands it to the engine."""

    filename: str
    content: bytes
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class InboxPage:
    """One page of a user's inbox (50 rows), with how many tasks there are in all."""

    tasks: tuple[TaskSummary, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class TaskPage:
    """Everything a task's page shows, read at one moment: its form, its case, the case's documents."""

    form: TaskForm
    case: CaseView
    documents: tuple[DocumentInfo, ...]


@dataclass(frozen=True, slots=True)
class AnswerToCorrect:
    """One answer of a completed task as it stands now, and whether it may be corrected."""

    field: FieldSpec
    value: Any
    shown: str
    """The value in words (labels of options, dates as "3 March 2026")."""
    correctable: bool
    why_not: str | None = None
    affected: tuple[str, ...] = ()
    """The later steps that used this answer to choose the case's path, by name."""


@dataclass(frozen=True, slots=True)
class CorrectionPreview:
    """A completed task's form with its answers, for someone about to correct one of them."""

    task_id: str
    reference: str
    task_name: str
    completed_by: str | None
    completed_at: datetime | None
    answers: tuple[AnswerToCorrect, ...]
    may_correct_record_only: bool
    """The BQAM may correct an answer that chose a path in the record only (the path stays)."""


@dataclass(frozen=True, slots=True)
class CorrectionDone:
    """A correction as recorded: what changed, from what to what, and why."""

    reference: str
    task_id: str
    task_name: str
    label: str
    before: str
    after: str
    reason: str
    record_only: bool
    affected: tuple[str, ...]
    seq: int
