"""The Board's reports (seed 002 §9, the annual report): pictures with their tables.

- a case's statutory clock (`statutory_clock`), drawn as a timeline;
- timeliness across cases: each statutory deadline by the quarter it fell due, met, missed or open;
- open cases by phase, and overdue actions of the recommendations register by agency.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from engine.clock import as_utc
from engine.db import reports as report_rows
from engine.db import tasks as task_rows
from engine.db.models import ReviewCase
from engine.dto import UserInfo
from engine.process.workdays import add_working_days
from engine.process.workdays import local_date
from engine.services import charts
from engine.services import register
from engine.services import statutory_clock as clocks
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

TIMELINESS_STATES = ("met", "missed", "open")


@dataclass(frozen=True, slots=True)
class ClockView:
    clock: clocks.CaseClock
    drawing: charts.TimelineDrawing | None


@dataclass(frozen=True, slots=True)
class TimelinessRow:
    deadline: str
    quarter: str
    met: int
    missed: int
    open: int

    @property
    def label(self) -> str:
        return f"{charts.SHORT.get(self.deadline, self.deadline)}, {self.quarter}"


@dataclass(frozen=True, slots=True)
class BoardReport:
    today: date
    cases: int
    timeliness: tuple[TimelinessRow, ...]
    timeliness_chart: charts.BarChart
    phases: tuple[tuple[str, int], ...]
    phases_chart: charts.BarChart
    overdue_actions: tuple[tuple[str, int], ...]
    overdue_chart: charts.BarChart


class Reports:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def case_clock(self, actor: UserInfo, reference: str) -> ClockView:
        """One case's statutory clock, for anybody who may see the case."""

        def query(tx: UnitOfWork) -> ClockView:
            store = CaseStore(tx, self.kit)
            clock = _clock(tx, store, store.visible(reference))
            return ClockView(clock, charts.timeline(clock))

        return self.transactions.read(actor, query)

    def board(self, actor: UserInfo) -> BoardReport:
        """Timeliness by deadline and quarter, open cases by phase, overdue actions by agency."""

        def query(tx: UnitOfWork) -> BoardReport:
            tx.require("see_board_reports")
            store = CaseStore(tx, self.kit)
            rows = report_rows.cases(tx.session)
            timeliness = _timeliness([_clock(tx, store, row) for row in rows])
            phases = Counter(
                r.phase or "Not started" for r in rows if r.status == "active"
            )
            actions = register.items(tx, None, register.RegisterFilter())
            overdue = Counter(i.agency for i in actions if i.overdue)
            return BoardReport(
                today=local_date(tx.now),
                cases=len(rows),
                timeliness=tuple(timeliness),
                timeliness_chart=charts.bars(
                    [(t.label, _counts(t)) for t in timeliness], TIMELINESS_STATES
                ),
                phases=tuple(sorted(phases.items())),
                phases_chart=charts.bars(
                    [(k, {"open": v}) for k, v in sorted(phases.items())], ("open",)
                ),
                overdue_actions=tuple(sorted(overdue.items())),
                overdue_chart=charts.bars(
                    [(k, {"missed": v}) for k, v in sorted(overdue.items())],
                    ("missed",),
                ),
            )

        return self.transactions.read(actor, query)


def _clock(tx: UnitOfWork, store: CaseStore, row: ReviewCase) -> clocks.CaseClock:
    data = store.open(row).run.data()
    today = local_date(tx.now)
    notified = clocks.day_of(data, "incident_notified_on")
    done = _notifications_done(tx, row, notified) if notified else None
    return clocks.case_clock(row.reference, data, today, done)


def _notifications_done(tx: UnitOfWork, row: ReviewCase, notified: date) -> date | None:
    """When the last task the diagram gave the 5-working-day deadline was done (None: not all done)."""
    target = add_working_days(notified, 5)
    tasks = [
        t
        for t, _ref, _by in task_rows.with_due_dates(tx.session, None, row.id)
        if t.state != "cancelled" and local_date(as_utc(t.due_at) or tx.now) == target
    ]
    if not tasks or any(t.completed_at is None for t in tasks):
        return None
    return max(local_date(as_utc(t.completed_at) or tx.now) for t in tasks)


def _timeliness(every: list[clocks.CaseClock]) -> list[TimelinessRow]:
    counted: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for clock in every:
        for point in clock.points:
            if point.due_on is not None and point.state in TIMELINESS_STATES:
                counted[(point.key, clocks.quarter(point.due_on))][point.state] += 1
    order = {rule.key: i for i, rule in enumerate(clocks.RULES)}
    return [
        TimelinessRow(key, quarter, c["met"], c["missed"], c["open"])
        for (key, quarter), c in sorted(
            counted.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
        )
    ]


def _counts(row: TimelinessRow) -> dict[str, int]:
    return {"met": row.met, "missed": row.missed, "open": row.open}
