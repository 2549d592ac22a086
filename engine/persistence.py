"""Reads and writes of the tables for the service. Functions take a Session and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.dto import UserInfo
from engine.errors import NotFound
from engine.models import AppUser
from engine.models import CaseSequence
from engine.models import Deployment
from engine.models import DeploymentFile
from engine.models import HumanTask
from engine.models import HumanTaskRole
from engine.models import ReviewCase
from engine.runtime import ReadyTask


def current_deployment(session: Session) -> Deployment | None:
    query = select(Deployment).order_by(Deployment.activation.desc()).limit(1)
    return session.scalars(query).first()


def next_activation(session: Session) -> int:
    return (session.scalar(select(func.max(Deployment.activation))) or 0) + 1


def deployment_files(session: Session, deployment_id: int) -> dict[str, bytes]:
    """The files of a deployment by name, in one query."""
    query = select(DeploymentFile.name, DeploymentFile.content).where(
        DeploymentFile.deployment_id == deployment_id
    )
    return {name: content for name, content in session.execute(query)}


def deployment_by_hash(session: Session, content_hash: str) -> Deployment | None:
    return session.scalars(
        select(Deployment).where(Deployment.content_hash == content_hash)
    ).first()


def get_case(session: Session, reference: str) -> ReviewCase:
    case = session.scalars(
        select(ReviewCase).where(ReviewCase.reference == reference)
    ).first()
    if case is None:
        raise NotFound(f"There is no case {reference}.")
    return case


def lock_case(session: Session, case_id: int) -> ReviewCase:
    """The case row, locked until the transaction ends (PostgreSQL; SQLite's writers are serialised)."""
    case = session.get(
        ReviewCase, case_id, with_for_update=True, populate_existing=True
    )
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def get_task_row(session: Session, task_id: str) -> HumanTask:
    row = session.get(HumanTask, task_id)
    if row is None:
        raise NotFound(f"There is no task {task_id}.")
    return row


def next_reference(session: Session, year: int) -> str:
    counter = session.get(CaseSequence, year, with_for_update=True)
    if counter is None:
        counter = CaseSequence(year=year, last=0)
        session.add(counter)
    counter.last += 1
    return f"SCR-{year}-{counter.last:04d}"


def user_by_name(session: Session, username: str | None) -> AppUser | None:
    if not username:
        return None
    return session.scalars(select(AppUser).where(AppUser.username == username)).first()


def project_tasks(
    session: Session,
    case: ReviewCase,
    ready: Iterable[ReadyTask],
    states: dict[str, str],
    completed_by: dict[str, int | None],
    now: datetime,
) -> None:
    """Make the task index match the workflow: new ready tasks in, finished ones marked done or cancelled.

    :param states: SpiffWorkflow state name of every task id previously ready for this case.
    :param completed_by: user id by task id, for tasks this command completed.
    """
    ready = list(ready)
    ready_ids = {t.id for t in ready}
    existing = {
        row.id: row
        for row in session.scalars(
            select(HumanTask).where(
                HumanTask.case_id == case.id, HumanTask.state == "ready"
            )
        )
    }
    for task_id, row in existing.items():
        if task_id in ready_ids:
            continue
        finished = states.get(task_id) == "completed"
        row.state = "completed" if finished else "cancelled"
        row.completed_at = now
        row.completed_by_id = completed_by.get(task_id)
    for task in ready:
        row = existing.get(task.id)
        assignee = user_by_name(session, task.assignee)
        if row is None:
            row = HumanTask(
                id=task.id, case_id=case.id, created_at=task.ready_at, state="ready"
            )
            row.roles = [HumanTaskRole(role_key=r) for r in task.roles]
            session.add(row)
        row.element_id = task.element_id
        row.name = task.name
        row.phase = task.phase
        row.agency_key = task.agency
        row.assignee_id = assignee.id if assignee else None
        row.due_at = task.due_at


def ready_task_ids(session: Session, case_id: int) -> list[str]:
    query = select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.state == "ready"
    )
    return list(session.scalars(query))


def inbox_query(user: UserInfo) -> Select[tuple[HumanTask, str, str | None]]:
    """Ready tasks assigned to the user, or offered to one of their roles (and their agency, if scoped)."""
    offered = and_(
        HumanTask.assignee_id.is_(None),
        exists().where(
            HumanTaskRole.task_id == HumanTask.id,
            HumanTaskRole.role_key.in_(user.roles),
        ),
        or_(HumanTask.agency_key.is_(None), HumanTask.agency_key == user.agency),
    )
    return (
        select(HumanTask, ReviewCase.reference, AppUser.display_name)
        .join(ReviewCase, ReviewCase.id == HumanTask.case_id)
        .outerjoin(AppUser, AppUser.id == HumanTask.assignee_id)
        .where(
            HumanTask.state == "ready", or_(HumanTask.assignee_id == user.id, offered)
        )
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
    )


def case_ids_visible_to(user: UserInfo) -> Select[tuple[int]]:
    """Cases the user takes part in: started, worked on, or offered a task through one of their roles."""
    via_role = (
        select(HumanTask.case_id)
        .join(HumanTaskRole, HumanTaskRole.task_id == HumanTask.id)
        .where(
            HumanTaskRole.role_key.in_(user.roles),
            or_(HumanTask.agency_key.is_(None), HumanTask.agency_key == user.agency),
        )
    )
    via_person = select(HumanTask.case_id).where(
        or_(HumanTask.assignee_id == user.id, HumanTask.completed_by_id == user.id)
    )
    started = select(ReviewCase.id).where(ReviewCase.started_by_id == user.id)
    return via_role.union(via_person, started)


def delete_case_tasks(session: Session, case_id: int) -> None:
    session.execute(delete(HumanTask).where(HumanTask.case_id == case_id))
