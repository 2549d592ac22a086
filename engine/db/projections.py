"""The projection tables rebuilt from a chain's events and compared row by row.

human_task, review_case's status, document (the stored bytes against the event's sha256) and
notification are kept for speed; each check rebuilds what the rows should say from the events alone
and names the first row that differs. Events hold everything needed since chain format 2 (task_offered
and task_cancelled); chains that began before are checked as far as their events allow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import iso_utc
from engine.db.models import AppUser
from engine.db.models import Deployment
from engine.db.models import Document
from engine.db.models import HumanTask
from engine.db.models import Notification
from engine.db.models import ReviewCase
from engine.db.payloads import REDACTED

Event = tuple[str, datetime, int | None, dict[str, Any]]  # type, at, actor id, data
Problem = tuple[str, str]  # where, what


def _iso(value: datetime | None) -> str | None:
    return iso_utc(value) if value is not None else None


def expected_tasks(events: Sequence[Event]) -> dict[str, dict[str, Any]]:
    """What every human_task row of the case should hold, from its events alone."""
    tasks: dict[str, dict[str, Any]] = {}
    for type_, at, actor, data in events:
        task_id = data.get("task_id")
        if type_ == "task_offered":
            tasks[task_id] = {
                "state": "ready",
                "element_id": data["element"],
                "name": data["name"],
                "due_at": data["due_at"],
                "created_at": data["ready_at"],
                "agency_key": data["agency"],
                "assignee": data["assignee"],
                "completed_by_id": None,
                "completed_at": None,
            }
        elif type_ in ("task_claimed", "task_unclaimed") and task_id in tasks:
            tasks[task_id]["assignee"] = data.get("username")
        elif type_ == "task_completed":
            task = tasks.setdefault(task_id, {"legacy": True})
            task.update(
                state="completed", completed_by_id=actor, completed_at=iso_utc(at)
            )
        elif type_ == "task_cancelled" and task_id in tasks:
            tasks[task_id].update(state="cancelled", completed_at=iso_utc(at))
    return tasks


def task_problems(
    session: Session, case_id: int, events: Sequence[Event], legacy: bool
) -> list[Problem]:
    """human_task rows of the case against the events: state, completer, times, due date, assignee."""
    expected = expected_tasks(events)
    usernames = dict(session.execute(select(AppUser.id, AppUser.username)).all())
    rows = session.scalars(
        select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id)
    )
    problems: list[Problem] = []
    for row in rows:
        where = f"human_task {row.id} “{row.name}”"
        want = expected.pop(row.id, None)
        if want is None:
            if not legacy:
                problems.append((where, "no event offered this task"))
            continue
        actual = {
            "state": row.state,
            "element_id": row.element_id,
            "name": row.name,
            "due_at": _iso(row.due_at),
            "created_at": _iso(row.created_at),
            "agency_key": row.agency_key,
            "assignee": usernames.get(row.assignee_id) if row.assignee_id else None,
            "completed_by_id": row.completed_by_id,
            "completed_at": _iso(row.completed_at),
        }
        for key, value in want.items():
            if key != "legacy" and actual[key] != value:
                problems.append(
                    (where, f"its {key} is {actual[key]!r}; the events say {value!r}")
                )
                break
    for task_id, want in expected.items():
        if not want.get("legacy"):
            problems.append(
                (f"human_task {task_id}", "the events offer it; the row is missing")
            )
    return problems


def case_problems(
    session: Session, row: ReviewCase, events: Sequence[Event]
) -> list[Problem]:
    """review_case's status, completion time, start and starter against the case's events."""
    where = f"review_case {row.reference}"
    started = next((e for e in events if e[0] == "case_started"), None)
    closed = next((e for e in events if e[0] == "case_completed"), None)
    want_status = "completed" if closed else "active"
    if row.status != want_status:
        return [
            (where, f"its status is {row.status!r}; the events say {want_status!r}")
        ]
    if _iso(row.completed_at) != (iso_utc(closed[1]) if closed else None):
        return [(where, "its completion time differs from the case_completed event")]
    if started and (
        _iso(row.started_at) != iso_utc(started[1]) or row.started_by_id != started[2]
    ):
        return [(where, "who started it, or when, differs from the case_started event")]
    return []


def document_problems(
    session: Session, case_id: int, events: Sequence[Event]
) -> list[Problem]:
    """Every document's stored bytes, name, size, uploader and time against its document_uploaded event."""
    uploads = {e[3]["document"]: e for e in events if e[0] == "document_uploaded"}
    problems: list[Problem] = []
    ids = session.scalars(
        select(Document.id).where(Document.case_id == case_id).order_by(Document.id)
    )
    for document_id in list(ids):
        document = session.get(Document, document_id)
        assert document is not None
        where = f"document {document.id} “{document.filename}”"
        event = uploads.pop(document.id, None)
        if event is None:
            problems.append((where, "no event records its upload"))
            continue
        _type, at, actor, data = event
        actual = hashlib.sha256(document.content).hexdigest()
        if actual != data["sha256"] or document.sha256 != data["sha256"]:
            problems.append(
                (
                    where,
                    "its stored bytes do not match the sha256 recorded when it was uploaded",
                )
            )
        elif (document.filename, document.size) != (data["filename"], data["size"]):
            problems.append((where, "its name or size differs from the upload event"))
        elif document.uploaded_by_id != actor or _iso(document.uploaded_at) != iso_utc(
            at
        ):
            problems.append(
                (where, "who uploaded it, or when, differs from the upload event")
            )
        session.expunge(document)  # the bytes are not kept while the next file is read
    for document_id in uploads:
        problems.append(
            (
                f"document {document_id}",
                "the events record its upload; the row is missing",
            )
        )
    return problems


def notification_problems(
    session: Session, case_id: int | None, events: Sequence[Event]
) -> list[Problem]:
    """Every outbox row's recipient, subject, body and delivery status against its events."""
    expected: dict[int, dict[str, Any]] = {}
    for type_, at, _actor, data in events:
        if not type_.startswith("notification_") or "notification" not in data:
            continue
        want = expected.setdefault(data["notification"], {})
        if "to" in data:
            want.update(recipient=data["to"], address=data.get("address"))
        for key in ("template", "subject", "body"):
            if key in data:
                want[key] = data[key]
        want["status"] = {
            "notification_queued": "queued",
            "notification_sent": "sent",
        }.get(type_, "failed")
        if type_ == "notification_sent":
            want["sent_at"] = iso_utc(at)
    query = select(Notification).order_by(Notification.id)
    query = query.where(
        Notification.case_id == case_id
        if case_id is not None
        else Notification.case_id.is_(None)
    )
    problems: list[Problem] = []
    for row in session.scalars(query):
        where = f"notification {row.id} “{row.subject}” to {row.recipient}"
        want = expected.pop(row.id, None)
        if want is None:
            problems.append((where, "no event records that it was queued"))
            continue
        status = "queued" if row.status == "sending" else row.status
        if status != want["status"]:
            problems.append(
                (
                    where,
                    f"its status is {row.status!r}; the events say {want['status']!r}",
                )
            )
            continue
        if want["status"] == "sent" and _iso(row.sent_at) != want["sent_at"]:
            problems.append(
                (where, "its sending time differs from the notification_sent event")
            )
            continue
        for key in ("recipient", "address", "template", "subject", "body"):
            value = want.get(key, REDACTED)
            if value != REDACTED and getattr(row, key) != value:
                problems.append(
                    (where, f"its {key} differs from the one recorded in its events")
                )
                break
    for row_id in expected:
        problems.append(
            (f"notification {row_id}", "the events record it; the row is missing")
        )
    return problems


def deployment_problems(
    session: Session,
    events: Sequence[Event],
    bundle_hash: Callable[[Mapping[str, bytes]], str],
) -> list[Problem]:
    """Every deployment's files against their own hashes, the bundle hash and its diagrams_deployed event."""
    recorded = {e[3]["deployment"]: e[3] for e in events if e[0] == "diagrams_deployed"}
    problems: list[Problem] = []
    for deployment_id in list(
        session.scalars(select(Deployment.id).order_by(Deployment.id))
    ):
        deployment = session.get(Deployment, deployment_id)
        assert deployment is not None
        where = f"deployment {deployment.id} ({deployment.content_hash[:12]})"
        data = recorded.pop(deployment.id, None)
        files = {f.name: f for f in deployment.files}
        contents = {name: f.content for name, f in files.items()}
        if data is None:
            problems.append((where, "no event records that it was deployed"))
        elif deployment.content_hash != data["hash"]:
            problems.append(
                (where, "its bundle hash differs from the diagrams_deployed event")
            )
        elif sorted(files) != sorted(data["files"]):
            problems.append((where, "its files are not the ones that were deployed"))
        elif bundle_hash(contents) != data["hash"]:
            changed = [
                name
                for name, f in files.items()
                if hashlib.sha256(f.content).hexdigest()
                != (data.get("file_hashes") or {}).get(name, f.sha256)
            ]
            problems.append(
                (
                    f"{where} file {changed[0] if changed else '?'}",
                    "its stored bytes do not give the hash recorded when it was deployed",
                )
            )
        else:
            for name, f in files.items():
                if f.sha256 != hashlib.sha256(f.content).hexdigest():
                    problems.append(
                        (f"{where} file {name}", "its sha256 column was changed")
                    )
                    break
        session.expunge(deployment)
    for deployment_id in recorded:
        problems.append(
            (f"deployment {deployment_id}", "the events record it; the row is missing")
        )
    return problems


def case_references(session: Session) -> Iterator[tuple[int, str]]:
    """(id, reference) of every case, streamed (not the stored workflows)."""
    query = select(ReviewCase.id, ReviewCase.reference).order_by(ReviewCase.id)
    yield from session.execute(query.execution_options(yield_per=1000)).tuples()
