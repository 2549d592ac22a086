"""The tables (SQLAlchemy 2 typed models). Only engine.db knows them; its modules hold the queries."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import true
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from engine.db.base import Base

UtcDateTime = DateTime(timezone=True)


class Agency(Base):
    __tablename__ = "agency"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Role(Base):
    __tablename__ = "role"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class AppUser(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    agency_key: Mapped[str | None] = mapped_column(ForeignKey("agency.key"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by signing out, a new password or deactivation: every session made before ends.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class Membership(Base):
    __tablename__ = "membership"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("role.key"), primary_key=True)
    user: Mapped[AppUser] = relationship(back_populates="memberships")


class Deployment(Base):
    __tablename__ = "deployment"
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Which deployment new cases use: the highest activation number (deploying or rolling back bumps it).
    activation: Mapped[int] = mapped_column(Integer, index=True, default=0)
    files: Mapped[list[DeploymentFile]] = relationship(
        back_populates="deployment",
        cascade="all, delete-orphan",
        order_by="DeploymentFile.name",
    )
    deployer: Mapped[AppUser | None] = relationship()


class DeploymentFile(Base):
    __tablename__ = "deployment_file"
    __table_args__ = (UniqueConstraint("deployment_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"))
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(
        LargeBinary, deferred=True
    )  # read with deployment_files()
    deployment: Mapped[Deployment] = relationship(back_populates="files")


class ReviewCase(Base):
    __tablename__ = "review_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    process_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    phase: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    task_id_seq: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    """Projection of user tasks, rewritten on every save of the case: inboxes are plain SQL."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_state_due", "state", "due_at"),
        # the case page's latest steps, newest first, without reading the case's whole history
        Index("ix_human_task_case_done", "case_id", "state", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    phase: Mapped[str | None] = mapped_column(String(200))
    agency_key: Mapped[str | None] = mapped_column(String(60))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id"), index=True
    )
    state: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    roles: Mapped[list[HumanTaskRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class HumanTaskRole(Base):
    __tablename__ = "human_task_role"
    # An inbox reads the ready task ids of the user's roles from this index alone, so it reads the
    # user's open tasks and neither every open task nor the roles' closed ones.
    __table_args__ = (
        Index("ix_human_task_role_ready", "role_key", "ready", "task_id"),
    )
    task_id: Mapped[str] = mapped_column(
        ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True
    )
    role_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    ready: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """The task's state is "ready" (kept with it by engine.db.tasks.project)."""


class AuditEvent(Base):
    """Append-only; each row's hash covers the previous row's hash of the same chain."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_case.id"), index=True
    )
    type: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # 1: the hash covers `data` itself (events written before release 0004). 2: the hash covers `data`
    # (no personal data) and `payload_digest`, the digest of the personal part kept in audit_payload.
    format: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[AuditPayload | None] = relationship(lazy="joined", uselist=False)


class AuditPayload(Base):
    """The personal part of one event (form answers, child details, message text), kept apart so an
    authorised redaction can replace a field with a tombstone without touching the hashed event."""

    __tablename__ = "audit_payload"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("audit_event.id"), primary_key=True
    )
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # {section: {field: {"v": value, "s": salt} | {"r": redaction event seq}}}
    content: Mapped[str] = mapped_column(Text)
    # {section: {field: sha256(salt + [section, field, value])}}; its own digest is the event's
    digests: Mapped[str] = mapped_column(Text)


class AuditCheckpoint(Base):
    """A signed statement of every chain head at one moment (also written to files outside the database)."""

    __tablename__ = "audit_checkpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    body: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(128))
    public_key: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    __tablename__ = "audit_chain_head"
    chain: Mapped[str] = mapped_column(String(60), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class CaseSequence(Base):
    """Per-year counter for case references (SCR-2026-0001)."""

    __tablename__ = "case_sequence"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Contact(Base):
    """An external body notifications go to (Ofsted, DfE, National Panel, Coroner...); admins edit them."""

    __tablename__ = "contact"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))


class Notification(Base):
    """The outbox: one row per message per recipient, written in the workflow step's transaction."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_status_next", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_case.id"), index=True
    )
    element_id: Mapped[str | None] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(String(120))
    recipient_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The BPMN message the worker correlates into the case once this message is sent (a diagram's
    # `delivered_message` input parameter), so a wait can start from the real delivery.
    delivered_message: Mapped[str | None] = mapped_column(String(200))


class NotificationAttachment(Base):
    """A case document sent with an outbox message, fixed when the message was queued."""

    __tablename__ = "notification_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id"), index=True
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))


class Document(Base):
    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Loaded only when the file itself is asked for, not when documents are listed.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Need to know (issue 12): the agency of the task it came with; shared once the Panel accepts it.
    agency_key: Mapped[str | None] = mapped_column(String(60))
    shared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CaseMigration(Base):
    """A case moved to another deployment; what it was before, so the move can be undone."""

    __tablename__ = "case_migration"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"), index=True)
    from_deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"))
    to_deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"))
    previous_state: Mapped[str] = mapped_column(Text)
    previous_task_id_seq: Mapped[int] = mapped_column(Integer)
    case_version_after: Mapped[int] = mapped_column(Integer)
    migrated_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    migrated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WorkerHeartbeat(Base):
    """One row per running `scr worker`: when it last finished a cycle, and what that cycle did."""

    __tablename__ = "worker_heartbeat"
    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    cycles: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SignInFailure(Base):
    """A failed sign-in, by client: the sign-in throttle counts them (engine.db.accounts)."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_client_at", "client", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class CaseView(Base):
    """Who read which case's page, when: append-only, outside the hash chains (never replayed)."""

    __tablename__ = "case_view"
    __table_args__ = (Index("ix_case_view_case_at", "case_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseMember(Base):
    """Who serves on a case's team in which case role (issue 12); agency for agency-scoped roles."""

    __tablename__ = "case_member"
    __table_args__ = (UniqueConstraint("case_id", "case_role", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"), index=True)
    case_role: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    agency_key: Mapped[str | None] = mapped_column(String(60))
    appointed_at: Mapped[datetime] = mapped_column(UtcDateTime)


# ---------------------------------------------------------------------- across cases (issue 13)
class RegisterEntry(Base):
    """One recommendation and its SMART action in the register: a projection of what the learning
    phase's tasks recorded, written in the transaction that completed the task (services.register)."""

    __tablename__ = "register_entry"
    __table_args__ = (UniqueConstraint("case_id", "recommendation_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"))
    recommendation_number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(120))
    recommendation: Mapped[str] = mapped_column(Text, default="")
    agency_key: Mapped[str] = mapped_column(String(60), index=True)
    responsible_officer: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str] = mapped_column(Text, default="")
    outcome_measure: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(30), index=True)
    signed_off_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updates: Mapped[list[RegisterUpdate]] = relationship(
        order_by="RegisterUpdate.id", cascade="all, delete-orphan"
    )


class RegisterUpdate(Base):
    """A progress report by the agency (with its evidence) or the Sub Group's review of one."""

    __tablename__ = "register_update"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entry.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # progress | review
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    complete: Mapped[bool | None] = mapped_column(Boolean)
    signed_off: Mapped[bool | None] = mapped_column(Boolean)
    document_ids: Mapped[str] = mapped_column(Text, default="[]")


class ChronologySubmission(Base):
    """One agency's chronology for a case, as uploaded; a later one replaces it (replaced_at set)."""

    __tablename__ = "chronology_submission"
    __table_args__ = (
        Index("ix_chronology_submission_case_agency", "case_id", "agency_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"))
    agency_key: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ChronologyEntry(Base):
    """One contact, conversation or activity with the child and family (seed 002 Appendix 2)."""

    __tablename__ = "chronology_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("chronology_submission.id"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_time: Mapped[str | None] = mapped_column(String(5))
    practitioner_name: Mapped[str] = mapped_column(String(200), default="")
    practitioner_role: Mapped[str] = mapped_column(String(200))
    what_happened: Mapped[str] = mapped_column(Text)
    people_seen: Mapped[str] = mapped_column(
        Text, default="[]"
    )  # JSON [[name, role], ...]
    child_seen: Mapped[bool] = mapped_column(Boolean)
    child_views_recorded: Mapped[bool] = mapped_column(Boolean)
    source_record: Mapped[str] = mapped_column(String(300), default="")
