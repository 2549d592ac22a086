"""The tables (SQLAlchemy 2 typed models). Only engine.db knows them; its modules hold the queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
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
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
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
        Index("ix_human_task_case_state", "case_id", "state"),
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
    task_id: Mapped[str] = mapped_column(
        ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True
    )
    role_key: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


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
