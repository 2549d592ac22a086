"""The task index (human_task): a projection of the ready user tasks, so inboxes are plain SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union
from sqlalchemy.orm import Session

from engine.db.accounts import by_username
from engine.db.case_team import CASE_PREFIX
from engine.db.cases import visible_ids
from engine.db.models import AppUser
from engine.db.models import CaseMember
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
        for role in row.roles:
            role.ready = False
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


PAGE_SIZE = 50


def inbox(
    session: Session, user: UserInfo, page: int | None = None
) -> list[tuple[HumanTask, str, str | None]]:
    """Ready tasks assigned to the user, or offered to one of their roles (and their agency, if scoped).

    All of them, or one page of PAGE_SIZE rows (page 1 first).
    """
    return [tuple(r) for r in session.execute(inbox_query(user, page)).all()]  # type: ignore[misc]


def inbox_count(session: Session, user: UserInfo) -> int:
    """How many tasks the user's inbox holds in all."""
    return int(session.scalar(inbox_count_query(user)) or 0)


def inbox_count_query(user: UserInfo) -> Select[tuple[int]]:
    return select(func.count()).select_from(_inbox_ids(user))


def _inbox_ids(user: UserInfo) -> Any:
    """Ids of the ready tasks assigned to the user or offered to their roles (and agency).

    Read from the user's side, never by scanning every open task: the tasks assigned to them (by
    assignee) and the ready role rows of their roles (ix_human_task_role_ready), each checked by its
    primary key. A task offered to two of their roles appears once. A task offered to a case role
    (`case:panel_member`) is theirs where they serve the task's case in that role (case_member).
    """
    assigned = select(HumanTask.id.label("id")).where(
        HumanTask.assignee_id == user.id, HumanTask.state == "ready"
    )
    offered = (
        select(HumanTaskRole.task_id.label("id"))
        .join(HumanTask, HumanTask.id == HumanTaskRole.task_id)
        .where(
            HumanTaskRole.role_key.in_(sorted(user.roles)),
            HumanTaskRole.ready.is_(True),
            HumanTask.state == "ready",
            HumanTask.assignee_id.is_(None),
            or_(HumanTask.agency_key.is_(None), HumanTask.agency_key == user.agency),
        )
    )
    as_member = (
        select(HumanTaskRole.task_id.label("id"))
        .join(HumanTask, HumanTask.id == HumanTaskRole.task_id)
        .join(
            CaseMember,
            and_(
                CaseMember.case_id == HumanTask.case_id,
                CaseMember.user_id == user.id,
                HumanTaskRole.role_key == literal(CASE_PREFIX) + CaseMember.case_role,
            ),
        )
        .where(
            HumanTaskRole.ready.is_(True),
            HumanTask.state == "ready",
            HumanTask.assignee_id.is_(None),
            or_(
                HumanTask.agency_key.is_(None),
                HumanTask.agency_key == CaseMember.agency_key,
            ),
        )
    )
    return union(assigned, offered, as_member).subquery("mine")


def inbox_query(user: UserInfo, page: int | None = None) -> Select[Any]:
    """The user's inbox, soonest due first (tasks without a due date last): all, or one page."""
    mine = _inbox_ids(user)
    query = (
        select(HumanTask, ReviewCase.reference, AppUser.display_name)
        .select_from(mine)
        .join(HumanTask, HumanTask.id == mine.c.id)
        .join(ReviewCase, ReviewCase.id == HumanTask.case_id)
        .outerjoin(AppUser, AppUser.id == HumanTask.assignee_id)
        .order_by(
            HumanTask.due_at.is_(None),
            HumanTask.due_at,
            HumanTask.created_at,
            HumanTask.id,
        )
    )
    if page is not None:
        query = query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return query


def ready_of_case(session: Session, case_id: int) -> list[tuple[HumanTask, str | None]]:
    """The case's ready tasks in the order they became ready, with the assignee's name."""
    query = (
        select(HumanTask, AppUser.display_name)
        .outerjoin(AppUser, AppUser.id == HumanTask.assignee_id)
        .where(HumanTask.case_id == case_id, HumanTask.state == "ready")
        .order_by(HumanTask.created_at, HumanTask.id)
    )
    return [tuple(r) for r in session.execute(query).all()]  # type: ignore[misc]


def steps_done(session: Session, case_id: int, latest: int | None = None) -> list[Any]:
    """The case's completed tasks in the order they became ready: all of them, or the `latest` ones.

    Rows of (id, name, element_id, completer's name, completed_at); with `latest` the statement
    reads that many rows whatever the length of the history (ix_human_task_case_done).
    """
    query = (
        select(
            HumanTask.id,
            HumanTask.name,
            HumanTask.element_id,
            AppUser.display_name,
            HumanTask.completed_at,
        )
        .outerjoin(AppUser, AppUser.id == HumanTask.completed_by_id)
        .where(HumanTask.case_id == case_id, HumanTask.state == "completed")
    )
    order = (HumanTask.created_at, HumanTask.id)
    if latest is None:
        # Ties (one command readies several tasks at one frozen moment) keep the order they were
        # stored in, as they always have: ordering them by id would shuffle them.
        return list(session.execute(query.order_by(HumanTask.created_at)).all())
    newest_first = query.order_by(*(column.desc() for column in order)).limit(latest)
    return list(reversed(session.execute(newest_first).all()))


def completers(session: Session, case_id: int) -> tuple[int, list[str]]:
    """How many tasks of the case were completed, and by whom (in the order they first did)."""
    query = (
        select(AppUser.display_name, func.count(), func.min(HumanTask.completed_at))
        .select_from(HumanTask)
        .outerjoin(AppUser, AppUser.id == HumanTask.completed_by_id)
        .where(HumanTask.case_id == case_id, HumanTask.state == "completed")
        .group_by(HumanTask.completed_by_id, AppUser.display_name)
        .order_by(func.min(HumanTask.completed_at), AppUser.display_name)
    )
    rows = session.execute(query).all()
    return sum(r[1] for r in rows), [r[0] for r in rows if r[0]]


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
