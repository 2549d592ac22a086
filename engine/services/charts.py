"""Where things go in the Board's pictures: plain numbers the templates draw as SVG.

The pages draw a timeline of one case's statutory clock and bar charts across cases. The geometry is
worked out here (so it is tested like any other value); the templates only place what they are given,
and every picture has a table of the same numbers beside it for people who cannot see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from engine.services.statutory_clock import CaseClock

WIDTH = 960
LEFT = 400  # room for the row labels and their state
RIGHT = 40
ROW = 34
TOP = 40
SHORT = {
    "notified": "Notified",
    "notifications": "Notifications: 5 working days",
    "committee": "Committee: 3 weeks",
    "chair": "Chair's decision",
    "national_panel": "National Panel: 1 month",
    "review": "Review: 6 months (+ extensions)",
    "before_publication": "National Panel: week before publication",
    "website": "12 months on the website",
}


@dataclass(frozen=True, slots=True)
class TimelineMark:
    y: int
    label: str
    state: str
    state_label: str
    due_x: float | None
    done_x: float | None


@dataclass(frozen=True, slots=True)
class TimelineDrawing:
    width: int
    height: int
    left: int
    right: int
    marks: tuple[TimelineMark, ...]
    today_x: float
    ticks: tuple[tuple[float, str], ...]


@dataclass(frozen=True, slots=True)
class Segment:
    state: str
    count: int
    x: float
    width: float


@dataclass(frozen=True, slots=True)
class Bar:
    y: int
    label: str
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    left: int
    bars: tuple[Bar, ...]
    states: tuple[str, ...]


def timeline(clock: CaseClock) -> TimelineDrawing | None:
    """The clock drawn along the calendar: a row per deadline, due and done marked, and today."""
    if clock.start is None or clock.end is None:
        return None
    start, end = clock.start, clock.end
    span = max((end - start).days, 1)
    plot = WIDTH - LEFT - RIGHT

    def x(day: date | None) -> float | None:
        return (
            None if day is None else round(LEFT + (day - start).days / span * plot, 1)
        )

    marks = tuple(
        TimelineMark(
            TOP + i * ROW,
            SHORT.get(p.key, p.label),
            p.state,
            p.state_label,
            x(p.due_on),
            x(p.done_on),
        )
        for i, p in enumerate(clock.points)
    )
    height = TOP + len(marks) * ROW + 30  # and the months along the bottom
    return TimelineDrawing(
        WIDTH,
        height,
        LEFT,
        WIDTH - RIGHT,
        marks,
        x(clock.today) or LEFT,
        _ticks(start, end, x),
    )


def _ticks(start: date, end: date, x: object) -> tuple[tuple[float, str], ...]:
    """The first of each month (of each quarter, over long spans) between start and end."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 12 else 3
    ticks = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = date(year, month, 1)
        if first >= start and (month - 1) % step == 0:
            ticks.append((x(first), first.strftime("%b %Y")))  # type: ignore[operator]
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return tuple(ticks)


def bars(
    rows: Sequence[tuple[str, dict[str, int]]], states: Sequence[str], left: int = 340
) -> BarChart:
    """Stacked horizontal bars, one per labelled row, a segment per state, widths by count."""
    biggest = max((sum(counts.values()) for _l, counts in rows), default=0) or 1
    plot = WIDTH - left - RIGHT
    drawn = []
    for i, (label, counts) in enumerate(rows):
        x, segments = float(left), []
        for state in states:
            count = counts.get(state, 0)
            width = round(count / biggest * plot, 1)
            if count:
                segments.append(Segment(state, count, x, width))
            x += width
        drawn.append(Bar(TOP + i * ROW, label, sum(counts.values()), tuple(segments)))
    return BarChart(
        WIDTH, TOP + len(drawn) * ROW + 10, left, tuple(drawn), tuple(states)
    )
