"""Scenario: drive one case through the real diagrams as the demo users, the way people would.

A process test says who does what (`scenario.complete("Decide whether the criteria are met and what the Board commissions",
as_="chair", scr_decision="yes")`), moves the clock, fires the timers the engine's tick would fire,
and reads what the case queued to be sent. Every call goes through the engine's service API, so every
step round-trips the database.

Form filling, as a person does it: the form opens with the case's values so far, and the fields the
test names are changed to what it says. Required free-text fields still empty get a placeholder and
required dates today's date (the day the person does the task). Any other required field still empty
(a yes/no, a choice, a number) is a decision, so a test that leaves one out fails, naming it: the
decisions of a process test are written in the test.

A test that wants to compare the case with its own history asks for `keep_snapshots()`: from then on,
after each of the scenario's commands (start, complete, move_to, deliver) the case's stored workflow
state and the number of its last audit event are read straight from the database and kept whenever
they changed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select

from engine import Engine
from engine.clock import FixedClock
from engine.db.audit import case_chain
from engine.db.demo import AGENCIES
from engine.db.models import AuditEvent
from engine.db.models import ReviewCase
from engine.db.reference import DEFAULT_CONTACTS
from engine.dto import CaseSummary
from engine.dto import CaseView
from engine.dto import FieldSpec
from engine.dto import NotificationInfo
from engine.dto import TaskSummary
from engine.dto import Upload
from engine.dto import UserInfo

LONDON = ZoneInfo("Europe/London")
USER_MAIL_DOMAIN = "@scr.example.org"
CONTACT_BY_ADDRESS = {email: key for key, (_name, email) in DEFAULT_CONTACTS.items()}
ESCALATED_TO = [
    "bqam",
    "chair",
]  # deadline_missed goes to role:bqam and role:independent_chair


def named(actual: str, name: str, of_agency: str | None = None) -> bool:
    """Whether a task called `actual` is the task `name`.

    A name with `{agency}` stands for the tasks a diagram names for each agency ("Quality-assure the
    {agency} report for the Panel"): that agency's, or any agency's when none is given.
    """
    if "{agency}" not in name:
        return actual == name
    if of_agency is not None:
        return actual == name.format(agency=AGENCIES[of_agency])
    pattern = re.escape(name).replace(re.escape("{agency}"), ".+")
    return re.fullmatch(pattern, actual) is not None


def end_of(day: date) -> datetime:
    """A deadline as the engine keeps it: the last second of `day` in England, in UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON).astimezone(UTC)


def london(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """A moment on `day` by the clock on the wall in England."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=LONDON)


class Scenario:
    """One case, driven step by step through the service as named demo users."""

    def __init__(
        self,
        engine: Engine,
        users: dict[str, UserInfo],
        clock: FixedClock,
    ) -> None:
        self.engine = engine
        self.users = users
        self.clock = clock
        self.reference: str | None = None
        self._notifications_seen = 0
        self._snapshots: list[tuple[int, str]] | None = None

    # ------------------------------------------------------------------ snapshots
    def keep_snapshots(self) -> list[tuple[int, str]]:
        """From now on keep (last event number, stored state) after every command that changed the case.

        Returns the list they are kept in, oldest first; it grows as the scenario goes on.
        """
        if self._snapshots is None:
            self._snapshots = []
        return self._snapshots

    def _snapshot(self) -> None:
        """Read the case's stored state and last event number, as they are in the database now."""
        if self._snapshots is None or self.reference is None:
            return
        with self.engine.database.bind.connect() as connection:
            case_id, state = connection.execute(
                select(ReviewCase.id, ReviewCase.state).where(
                    ReviewCase.reference == self.reference
                )
            ).one()
            seq = connection.execute(
                select(func.max(AuditEvent.seq)).where(
                    AuditEvent.chain == case_chain(case_id)
                )
            ).scalar_one()
        if not self._snapshots or self._snapshots[-1] != (seq, state):
            self._snapshots.append((seq, state))

    # ------------------------------------------------------------------ starting
    def start(
        self, process_id: str = "Process_scr_review", as_: str = "bqam", **fields: Any
    ) -> CaseSummary:
        """Start a case with the start form's values, as someone who may start it."""
        [form] = [
            f
            for f in self.engine.cases.start_forms(self.users[as_])
            if f.process_id == process_id
        ]
        values = self._filled(form.fields, fields, f"the start form of {process_id}")
        summary = self.engine.cases.start(self.users[as_], process_id, values)
        self.reference = summary.reference
        self._snapshot()
        return summary

    # ------------------------------------------------------------------ tasks
    def tasks(self, as_: str) -> list[TaskSummary]:
        """This case's ready tasks in the user's inbox."""
        return [
            t
            for t in self.engine.tasks.inbox(self.users[as_])
            if t.case_reference == self.reference
        ]

    def task(
        self,
        name: str,
        as_: str,
        of_agency: str | None = None,
        any_one: bool = False,
    ) -> TaskSummary:
        """The one ready task called `name` the user has; fail listing what they do have.

        Among several of that name (one per agency, one per recommendation), `of_agency` picks the
        one of that agency (its own, or the one its form shows) and `any_one` the oldest, for
        instances nothing tells apart yet.
        """
        mine = self.tasks(as_)
        found = [t for t in mine if named(t.name, name, of_agency)]
        if of_agency is not None:
            found = [t for t in found if self._agency_of(t, as_) == of_agency]
        if any_one and found:
            found = sorted(found, key=lambda t: (t.created_at, t.id))[:1]
        if len(found) != 1:
            listed = "\n  ".join(f"{t.name} [{t.agency or '-'}]" for t in mine)
            raise AssertionError(
                f"{as_} has {len(found)} ready tasks “{name}”"
                f"{f' for {of_agency}' if of_agency else ''} in {self.reference}; "
                f"their tasks are:\n  {listed or '(none)'}\n"
                f"open in the case: {self.open_tasks()}"
            )
        return found[0]

    def _agency_of(self, task: TaskSummary, as_: str) -> str | None:
        if task.agency is not None:
            return task.agency
        return self.engine.tasks.open(self.users[as_], task.id).values.get("agency")

    def complete(
        self,
        name: str,
        as_: str,
        of_agency: str | None = None,
        any_one: bool = False,
        files: dict[str, tuple[str, bytes]] | None = None,
        **fields: Any,
    ) -> CaseSummary:
        """Do the task `name` as user `as_` with these form values (see the module doc).

        `files` uploads a file into a file field: field id → (file name, content).
        """
        task = self.task(name, as_, of_agency, any_one)
        form = self.engine.tasks.open(self.users[as_], task.id)
        chosen = {
            field: Upload(filename, content)
            for field, (filename, content) in (files or {}).items()
        }
        fields = {**{field: "" for field in chosen}, **fields}
        values = self._filled(form.fields, fields, f"“{name}”", shown=form.values)
        summary = self.engine.tasks.complete(self.users[as_], task.id, values, chosen)
        self._snapshot()
        return summary

    def offered_to(self, name: str, of_agency: str | None = None) -> list[str]:
        """The demo users who see a ready task `name` of this case (of that agency) in their inbox."""
        return sorted(
            username
            for username in self.users
            if "auditor" not in self.users[username].roles
            and any(
                named(t.name, name, of_agency) and of_agency in (None, t.agency)
                for t in self.tasks(username)
            )
        )

    def assert_offered(
        self,
        name: str,
        to: list[str],
        not_to: list[str] | tuple[str, ...] = (),
        of_agency: str | None = None,
    ) -> TaskSummary:
        """Exactly the users `to` have the ready task `name` (of that agency) in their inbox.

        `not_to` names people who must not have it, for the reader (the check is exact anyway).
        Returns the task as the first of them sees it (due date, roles, agency).
        """
        holders = self.offered_to(name, of_agency)
        wrongly = [u for u in not_to if u in holders]
        assert holders == sorted(to) and not wrongly, (
            f"“{name}” is offered to {holders}, expected {sorted(to)}"
        )
        return self.task(name, to[0], of_agency, any_one=True)

    def assert_escalates_after(self, due: datetime, still_open: str) -> str:
        """Nothing at the last second of `due`; one second later the BQAM and the Chair are told.

        The task `still_open` is still there afterwards (the work goes on). Returns the deadline named.
        """
        before = len(self.escalations())
        self.move_to(due)
        assert "deadline_missed" not in self.new_notifications(), f"escalated at {due}"
        self.move_to(due + timedelta(seconds=1))
        assert self.new_notifications() == {"deadline_missed": ESCALATED_TO}
        assert any(named(task, still_open) for task in self.open_tasks())
        return self.escalations()[before]

    def open_tasks(self) -> list[str]:
        """The names of the case's ready tasks, in the order they became ready."""
        return [t.name for t in self.view().open_tasks]

    def due(self, name: str) -> datetime | None:
        [task] = [t for t in self.view().open_tasks if named(t.name, name)]
        return task.due_at

    # ------------------------------------------------------------------ time and messages
    def move_to(self, moment: datetime) -> int:
        """Set the clock and run the engine's tick (fire due timers); return how many cases moved."""
        self.clock.set(moment)
        moved = self.engine.timers.fire_due()
        self._snapshot()
        return moved

    def deliver(self, message: str, as_: str, **payload: Any) -> CaseSummary:
        assert self.reference is not None
        summary = self.engine.cases.deliver_message(
            self.users[as_], self.reference, message, payload
        )
        self._snapshot()
        return summary

    def record(self, message: str, as_: str, **values: Any) -> CaseSummary:
        """Record on the case page that something happened (the day `on`, a `note`), as people do."""
        assert self.reference is not None
        listed = self.engine.cases.page(self.users[as_], self.reference).events
        assert message in [e.message for e in listed], f"{as_} may not record {message}"
        summary = self.engine.cases.record_event(
            self.users[as_], self.reference, message, values
        )
        self._snapshot()
        return summary

    # ------------------------------------------------------------------ reading
    def today(self) -> date:
        """Today's date in England by the test's clock."""
        return self.clock.now().astimezone(LONDON).date()

    def view(self) -> CaseView:
        assert self.reference is not None
        return self.engine.cases.view(self.users["bqam"], self.reference)

    @property
    def data(self) -> dict[str, Any]:
        return self.view().data

    def notifications(self) -> list[NotificationInfo]:
        assert self.reference is not None
        return self.engine.notifications.of_case(self.users["bqam"], self.reference)

    def sent(self) -> dict[str, list[str]]:
        """Every message the case queued so far: template → recipients (usernames or contact:key)."""
        return _by_template(self.notifications())

    def new_notifications(self) -> dict[str, list[str]]:
        """Messages queued since the last call: template → recipients (usernames or contact:key)."""
        rows = self.notifications()
        fresh, self._notifications_seen = (
            rows[self._notifications_seen :],
            len(rows),
        )
        return _by_template(fresh)

    def escalations(self) -> list[str]:
        """The deadline named by each escalation so far (the BQAM's copy of deadline_missed)."""
        return [
            line.removeprefix("Deadline: ")
            for n in self.notifications()
            if n.template == "deadline_missed"
            and n.address == f"bqam{USER_MAIL_DOMAIN}"
            for line in n.body.splitlines()
            if line.startswith("Deadline: ")
        ]

    def assert_records_intact(self) -> None:
        """Replaying the audit events gives the stored state, and every hash chain holds."""
        assert self.reference is not None
        [report] = self.engine.audit.verify_replays(self.reference)
        assert report.ok, report.problem
        audit = self.engine.audit.verify_chain()
        assert audit.ok, (audit.first_bad_event, audit.problem)

    # ------------------------------------------------------------------ form filling
    def _filled(
        self,
        specs: tuple[FieldSpec, ...],
        given: dict[str, Any],
        where: str,
        shown: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """What a person submits: the form as shown (values so far), changed where the test says."""
        unknown = set(given) - {f.id for f in specs}
        assert not unknown, f"{where} has no fields {sorted(unknown)}"
        values = {
            f.id: (shown or {})[f.id]
            for f in specs
            if not f.readonly and (shown or {}).get(f.id) is not None
        }
        values.update(given)
        undecided = []
        for spec in specs:
            if spec.id in values or spec.readonly or not spec.required:
                continue
            if spec.type in ("string", "text", "file"):
                values[spec.id] = f"{spec.label} (test)"
            elif spec.type == "date":
                values[spec.id] = self.today().isoformat()
            else:
                choices = "|".join(o.id for o in spec.options) or spec.type
                undecided.append(f"{spec.id} ({choices})")
        assert not undecided, f"{where} needs a decision for: {', '.join(undecided)}"
        return values


def _recipient_key(row: NotificationInfo) -> str:
    address = row.address or ""
    if address.endswith(USER_MAIL_DOMAIN):
        return address.removesuffix(USER_MAIL_DOMAIN)
    if address in CONTACT_BY_ADDRESS:
        return f"contact:{CONTACT_BY_ADDRESS[address]}"
    return row.recipient


def _by_template(rows: list[NotificationInfo]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        grouped[row.template].append(_recipient_key(row))
    return {template: sorted(found) for template, found in grouped.items()}
