"""The task index (human_task): a projection of the ready user tasks, so inboxes are plain SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.accounts import by_username
from engine.db.cases import visible_ids
from engine.db.models import AppUser
from engine.db.models import HumanTask
from engine.db.models import HumanTaskRole
from engine.db.models import ReviewCase
from engine.dto import ReadyTask
from engine.dto import UserInfo
from engine.errors import NotFound


def get(session: Session, task_id: str) -> HumanTask:
    row = session.get(HumanTask, task_id)
    if row is None:
        raise NotFound(f"There is no task {task_id}.")
    return row


def find_in_case(session: Session, task_id: str, case_id: int) -> HumanTask | None:
    row = session.get(HumanTask, task_id)
    return row if row is not None and row.case_id == case_id else None


def completer_name(session: Session, row: HumanTask) -> str | None:
    user = session.get(AppUser, row.completed_by_id) if row.completed_by_id else None
    return user.display_name if user else None


def assignee_name(session: Session, row: HumanTask) -> str | None:
    user = session.get(AppUser, row.assignee_id) if row.assignee_id else None
    return user.display_name if user else None


def role_keys(row: HumanTask) -> tuple[str, ...]:
    return tuple(sorted(r.role_key for r in row.roles))


def ready_ids(session: Session, case_id: int) -> list[str]:
    query = select(HumanTask.id).where(
        HumanTask.case_id == case_id, HumanTask.state == "ready"
    )
    return list(session.scalars(query))


def project(
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
    ready_ids_now = {t.id for t in ready}
    existing = {
        row.id: row
        for row in session.scalars(
            select(HumanTask).where(
                HumanTask.case_id == case.id, HumanTask.state == "ready"
            )
        )
    }
    for task_id, row in existing.items():
        if task_id in ready_ids_now:
            continue
        finished = states.get(task_id) == "completed"
        row.state = "completed" if finished else "cancelled"
        row.completed_at = now
        row.completed_by_id = completed_by.get(task_id)
    for task in ready:
        row = existing.get(task.id)
        assignee = by_username(session, task.assignee)
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


def inbox(session: Session, user: UserInfo) -> list[tuple[HumanTask, str, str | None]]:
    """Ready tasks assigned to the user, or offered to one of their roles (and their agency, if scoped)."""
    offered = and_(
        HumanTask.assignee_id.is_(None),
        exists().where(
            HumanTaskRole.task_id == HumanTask.id,
            HumanTaskRole.role_key.in_(user.roles),
        ),
        or_(HumanTask.agency_key.is_(None), HumanTask.agency_key == user.agency),
    )
    query = (
        select(HumanTask, ReviewCase.reference, AppUser.display_name)
        .join(ReviewCase, ReviewCase.id == HumanTask.case_id)
        .outerjoin(AppUser, AppUser.id == HumanTask.assignee_id)
        .where(
            HumanTask.state == "ready", or_(HumanTask.assignee_id == user.id, offered)
        )
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
    )
    return [tuple(r) for r in session.execute(query).all()]  # type: ignore[misc]


def of_case(
    session: Session, case_id: int
) -> list[tuple[HumanTask, str | None, str | None]]:
    """Every task of a case in the order they became ready, with assignee and completer names."""
    assignee = AppUser.__table__.alias("assignee")
    completer = AppUser.__table__.alias("completer")
    query = (
        select(HumanTask, assignee.c.display_name, completer.c.display_name)
        .outerjoin(assignee, assignee.c.id == HumanTask.assignee_id)
        .outerjoin(completer, completer.c.id == HumanTask.completed_by_id)
        .where(HumanTask.case_id == case_id)
        .order_by(HumanTask.created_at)
    )
    return [tuple(r) for r in session.execute(query).all()]  # type: ignore[misc]


def with_due_dates(
    session: Session, user: UserInfo | None, case_id: int | None
) -> list[tuple[HumanTask, str, str | None]]:
    """Tasks with a due date (of one case, of the cases `user` takes part in, or all), with completer."""
    query = (
        select(HumanTask, ReviewCase.reference, AppUser.display_name)
        .join(ReviewCase, ReviewCase.id == HumanTask.case_id)
        .outerjoin(AppUser, AppUser.id == HumanTask.completed_by_id)
        .where(HumanTask.due_at.is_not(None))
        .order_by(ReviewCase.reference, HumanTask.due_at, HumanTask.created_at)
    )
    if case_id is not None:
        query = query.where(HumanTask.case_id == case_id)
    elif user is not None:
        query = query.where(HumanTask.case_id.in_(visible_ids(user)))
    return [tuple(r) for r in session.execute(query).all()]  # type: ignore[misc]


def claimed_by(session: Session, user_id: int) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask).where(
                HumanTask.assignee_id == user_id, HumanTask.state == "ready"
            )
        )
    )


def with_due_dates_ready(session: Session) -> list[HumanTask]:
    """Ready tasks with a due date, locked for this worker (others skip them)."""
    query = select(HumanTask).where(
        HumanTask.state == "ready", HumanTask.due_at.is_not(None)
    )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))
