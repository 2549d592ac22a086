"""A case's statutory clock (seed 002 §3–§9, seed 000): each statutory deadline, when it fell due, when
it was met, and whether it was met, missed or is still open, read from what the case recorded.

The due dates are the ones the diagrams set (`committee_due`, `chair_decision_due`, `national_panel_due`,
`review_due` after any extension); the done dates are the dates people entered (`committee_met_on`,
`chair_decided_on`, ...). Where a diagram sets no date of its own the timescale of the seed is applied
to the notification date, for the picture only: nothing here moves a case or decides anything.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from engine.process.workdays import add_months
from engine.process.workdays import add_working_days
from engine.process.workdays import parse_day

STATE_LABELS = {
    "met": "Met",
    "missed": "Missed",
    "open": "Open",
    "not_yet": "Not reached yet",
}


@dataclass(frozen=True, slots=True)
class ClockPoint:
    key: str
    label: str
    rule: str  # the timescale, in words
    due_on: date | None
    done_on: date | None
    state: str  # met | missed | open | not_yet
    note: str = ""

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True, slots=True)
class CaseClock:
    reference: str
    today: date
    points: tuple[ClockPoint, ...]
    start: date | None  # the first day drawn
    end: date | None  # the last day drawn


def day_of(data: Mapping[str, Any], key: str) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return parse_day(value)
    except (TypeError, ValueError):
        return None


def _plus(day: date | None, shift: Callable[[date], date]) -> date | None:
    return shift(day) if day is not None else None


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str
    label: str
    rule: str
    due: Callable[[Mapping[str, Any], date | None], date | None]
    done: Callable[[Mapping[str, Any]], date | None]


RULES: tuple[_Rule, ...] = (
    _Rule(
        "notifications",
        "Notifications (Ofsted, DfE, Chair, Sub Group, designated nurse)",
        "within 5 working days of the notification",
        lambda d, n: _plus(n, lambda x: add_working_days(x, 5)),
        lambda d: None,  # read from the tasks the diagram gave this deadline
    ),
    _Rule(
        "committee",
        "SCR Committee meets",
        "about 3 weeks after the notification",
        lambda d, n: (
            day_of(d, "committee_due") or _plus(n, lambda x: x + timedelta(21))
        ),
        lambda d: day_of(d, "committee_met_on"),
    ),
    _Rule(
        "chair",
        "Independent Chair's decision",
        "within 5 working days of the Committee's recommendation",
        lambda d, n: day_of(d, "chair_decision_due"),
        lambda d: day_of(d, "chair_decided_on"),
    ),
    _Rule(
        "national_panel",
        "National Panel told of the decision",
        "within one month of the notification",
        lambda d, n: (
            day_of(d, "national_panel_due") or _plus(n, lambda x: add_months(x, 1))
        ),
        lambda d: day_of(d, "national_panel_advised_on"),
    ),
    _Rule(
        "review",
        "Review completed and considered by the Board",
        "six months from the Chair's decision, or as extended",
        lambda d, n: day_of(d, "review_due"),
        lambda d: day_of(d, "board_met_on"),
    ),
    _Rule(
        "before_publication",
        "Report to the National Panel before publication",
        "at least a week before publication",
        lambda d, n: _plus(
            day_of(d, "planned_publication_on"), lambda x: x - timedelta(7)
        ),
        lambda d: day_of(d, "national_panel_report_sent_on"),
    ),
    _Rule(
        "website",
        "Report on the Board's website",
        "at least 12 months from publication",
        lambda d, n: _plus(day_of(d, "published_on"), lambda x: add_months(x, 12)),
        lambda d: None,
    ),
)


def case_clock(
    reference: str,
    data: Mapping[str, Any],
    today: date,
    notification_done: date | None = None,
) -> CaseClock:
    """The case's statutory clock from its data (and when its notification tasks were done)."""
    notified = day_of(data, "incident_notified_on")
    points = [
        ClockPoint(
            "notified",
            "Incident notified to the Board",
            "the clock starts",
            None,
            notified,
            "met" if notified else "not_yet",
        )
    ]
    for rule in RULES:
        due = rule.due(data, notified)
        done = notification_done if rule.key == "notifications" else rule.done(data)
        if rule.key == "website" and due is not None and today >= due:
            done = due
        points.append(
            ClockPoint(
                rule.key,
                rule.label,
                rule.rule,
                due,
                done,
                _state(due, done, today),
                _note(rule.key, data),
            )
        )
    days = [d for p in points for d in (p.due_on, p.done_on) if d] + [today]
    start = min(days) if notified else None
    return CaseClock(
        reference, today, tuple(points), start, max(days) if notified else None
    )


def _state(due: date | None, done: date | None, today: date) -> str:
    if due is None:
        return "not_yet" if done is None else "met"
    if done is not None:
        return "met" if done <= due else "missed"
    return "missed" if today > due else "open"


def _note(key: str, data: Mapping[str, Any]) -> str:
    if key == "review":
        extended = day_of(data, "review_extended_to")
        if extended is not None:
            return f"Extended to {extended:%d %B %Y}"
        decided = day_of(data, "chair_decided_on")
        return f"Six-month target from {decided:%d %B %Y}" if decided else ""
    if key == "website":
        published = day_of(data, "published_on")
        return f"Published {published:%d %B %Y}" if published else ""
    return ""


def quarter(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"
