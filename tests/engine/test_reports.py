"""The Board's reports (issue 13): a case's statutory clock read from what the case recorded, and
timeliness across cases by deadline and quarter."""

from __future__ import annotations

from datetime import date

import pytest

from engine import Engine
from engine import NotPermitted
from engine.clock import FixedClock
from engine.dto import UserInfo
from engine.process.handlers import HandlerRegistry
from tests.process import journey
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario
from tests.process.scenario import london


@pytest.fixture
def handlers() -> HandlerRegistry:
    return HandlerRegistry()


def test_the_clock_of_a_published_case_and_timeliness_across_two_cases(
    engine: Engine, users: dict[str, UserInfo], clock: FixedClock
):
    from engine.cli import read_bundle

    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="reports")
    published, young = Scenario(engine, users, clock), Scenario(engine, users, clock)
    journey.notification(young)
    journey.through(published, "publication")
    published.move_to(london(date(2026, 7, 20)))

    view = engine.reports.case_clock(users["bqam"], published.reference)
    states = {p.key: (p.due_on, p.done_on, p.state) for p in view.clock.points}
    assert states["notified"] == (None, date(2026, 3, 2), "met")
    assert states["notifications"] == (date(2026, 3, 9), date(2026, 3, 4), "met")
    assert states["committee"] == (date(2026, 3, 23), date(2026, 3, 23), "met")
    assert states["national_panel"][0] == date(2026, 4, 2)
    assert states["website"] == (date(2027, 7, 14), None, "open")
    assert view.drawing is not None
    assert len(view.drawing.marks) == 8

    young_clock = engine.reports.case_clock(users["bqam"], young.reference).clock
    young_states = {p.key: p.state for p in young_clock.points}
    assert young_states["committee"] == "missed"  # never met, three weeks long gone
    assert young_states["review"] == "not_yet"

    report = engine.reports.board(users["bqam"])
    assert report.cases == 2
    by_row = {
        (t.deadline, t.quarter): (t.met, t.missed, t.open) for t in report.timeliness
    }
    assert by_row[("committee", "2026 Q1")] == (1, 1, 0)
    assert by_row[("website", "2027 Q3")] == (0, 0, 1)
    chart = {
        bar.label: {s.state: s.count for s in bar.segments}
        for bar in report.timeliness_chart.bars
    }
    for row in report.timeliness:
        counts = {"met": row.met, "missed": row.missed, "open": row.open}
        assert chart[row.label] == {k: v for k, v in counts.items() if v}
    with pytest.raises(NotPermitted):
        engine.reports.board(users["police_author"])
