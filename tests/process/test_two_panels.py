"""Two reviews at once with different Panels (issue 12, "Case team"): each case's Panel Chair, members
and reviewer get only their own case's tasks and messages; a Panel Chair of one case cannot open the
other's Chair tasks (they answer as unknown ids do)."""

from __future__ import annotations

from datetime import date

import pytest

from engine import Engine
from engine import FormInvalid
from engine import NotFound
from engine import NotPermitted
from engine.cli import read_bundle
from engine.clock import FixedClock
from engine.dto import UserInfo
from tests.process import journey
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario
from tests.process.scenario import london

PROPOSE = "Propose an extension of the review timescale"
AGREE_AS_PANEL_CHAIR = "Agree the extension of the review timescale as Panel Chair"
AGREE_AS_CHAIR = "Agree the extension of the review timescale as Independent Chair"
SECOND_PANEL = [  # user name, name, Board roles, agency: able to serve on any review's Panel
    ("panelchair2", "Quentin Hale", ["panel_chair"], None),
    ("police_panel2", "Rhys Okafor", ["panel_member"], "police"),
    ("health_panel2", "Sofia Brandt", ["panel_member"], "community_health"),
    ("reviewer2", "Tessa Lowe", ["reviewer"], None),
]
SECOND_TEAM = {
    "panel_chair_user": "panelchair2",
    "panel_member_users": "police_panel2,health_panel2",
}


@pytest.fixture
def two(engine: Engine, users: dict[str, UserInfo], clock: FixedClock):
    """Case A with the demo Panel, case B with a second Panel; both after the Panel's set-up."""
    everyone = dict(users)
    for name, display, roles, agency in SECOND_PANEL:
        everyone[name] = engine.directory.create_user(
            users["admin"],
            name,
            display,
            f"{name}@scr.example.org",
            "a long pass phrase 1",
            roles,
            agency,
        )
    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="two Panels")
    a, b = Scenario(engine, everyone, clock), Scenario(engine, everyone, clock)
    journey.through(a, "chair_decides")
    journey.through(b, "chair_decides")
    journey.panel_setup(a)
    journey.panel_setup(
        b,
        chair="panelchair2",
        team=SECOND_TEAM,
        reviewer_team={"reviewer_user": "reviewer2"},
    )
    return a, b


def _extension_asked(s: Scenario) -> None:
    s.deliver("review_extension_requested", as_="bqam")
    s.complete(
        PROPOSE,
        as_="bqam",
        review_extended_to="2026-12-18",
        review_extension_reason="The criminal trial delays the staff interviews.",
        extension_agreed_by_bqam="yes",
    )


def test_each_panel_gets_only_its_own_cases_tasks_and_messages(two):
    a, b = two
    for s in (a, b):
        _extension_asked(s)
    a.assert_offered(AGREE_AS_PANEL_CHAIR, to=["panelchair"], not_to=["panelchair2"])
    b.assert_offered(AGREE_AS_PANEL_CHAIR, to=["panelchair2"], not_to=["panelchair"])
    # the second Panel's chair cannot open, claim or complete the first case's Chair task
    task = a.task(AGREE_AS_PANEL_CHAIR, "panelchair")
    second_chair = a.users["panelchair2"]
    with pytest.raises(NotFound):
        a.engine.tasks.open(second_chair, task.id)
    with pytest.raises(NotFound):
        a.engine.tasks.claim(second_chair, task.id)
    with pytest.raises(NotFound):
        a.engine.tasks.complete(
            second_chair, task.id, {"extension_agreed_by_panel_chair": "yes"}
        )
    for s, chair in ((a, "panelchair"), (b, "panelchair2")):
        s.new_notifications()
        s.complete(
            AGREE_AS_PANEL_CHAIR, as_=chair, extension_agreed_by_panel_chair="yes"
        )
        s.complete(
            AGREE_AS_CHAIR, as_="chair", extension_agreed_by_independent_chair="yes"
        )
    assert a.new_notifications() == {
        "review_extension_agreed": [
            "bqam",
            "health_panel",
            "panelchair",
            "police_panel",
            "reviewer",
        ]
    }
    assert b.new_notifications() == {
        "review_extension_agreed": [
            "bqam",
            "health_panel2",
            "panelchair2",
            "police_panel2",
            "reviewer2",
        ]
    }


def test_each_reviewer_and_panel_gets_only_their_drafts(two):
    a, b = two
    for s, chair in ((a, "panelchair"), (b, "panelchair2")):
        journey.agency_reports(s, chair=chair)
        s.move_to(london(date(2026, 4, 28)))
        s.complete("Hold the first SCR Panel meeting", as_=chair, **journey.NO_REQUESTS)
    learning = "Run the practitioner learning events or structured conversations"
    a.assert_offered(learning, to=["reviewer"], not_to=["reviewer2"])
    b.assert_offered(learning, to=["reviewer2"], not_to=["reviewer"])
    for s, chair, reviewer in (
        (a, "panelchair", "reviewer"),
        (b, "panelchair2", "reviewer2"),
    ):
        s.move_to(london(date(2026, 5, 5)))
        s.complete(
            "Involve the family in the review", as_=chair, family_contributes="yes"
        )
        s.complete(learning, as_=reviewer, learning_event_record_checked="yes")
        s.new_notifications()
        s.move_to(london(date(2026, 6, 1)))
        s.complete("Write and circulate the draft overview report", as_=reviewer)
    assert a.new_notifications()["draft_overview_report"] == [
        "health_panel",
        "panelchair",
        "police_panel",
    ]
    assert b.new_notifications()["draft_overview_report"] == [
        "health_panel2",
        "panelchair2",
        "police_panel2",
    ]


def test_the_team_is_shown_and_changed_by_the_bqam_with_a_reason(two):
    a, b = two
    engine = a.engine
    team = engine.case_teams.team(a.users["bqam"], a.reference)
    assert [(m.case_role, m.username) for m in team.members] == [
        ("panel_chair", "panelchair"),
        ("panel_member", "health_panel"),
        ("panel_member", "police_panel"),
        ("reviewer", "reviewer"),
    ]
    with pytest.raises(
        NotFound
    ):  # not on this case's team: the case is unknown to them
        engine.case_teams.team(a.users["panelchair2"], a.reference)
    with pytest.raises(FormInvalid) as refused:
        engine.case_teams.change(
            a.users["bqam"], a.reference, "panel_chair", "reviewer", ""
        )
    assert set(refused.value.errors) == {"reason", "usernames"}
    engine.case_teams.change(
        a.users["bqam"],
        a.reference,
        "panel_chair",
        "panelchair2",
        "Patrick Chen is ill.",
    )
    history = engine.cases.history(a.users["bqam"], a.reference)
    assert "case_member_appointed" in [e.type for e in history]
    journey.agency_reports(
        a, chair="panelchair2"
    )  # the new chair quality-assures the reports
    assert a.tasks("panelchair") == []


def test_an_appointment_names_someone_able_to_serve(scenario: Scenario):
    s = scenario
    journey.through(s, "chair_decides")
    s.move_to(london(date(2026, 3, 27)))
    establish = "Establish the SCR Panel and nominate its chair"
    with pytest.raises(FormInvalid) as refused:
        s.complete(
            establish,
            as_="bqam",
            panel_agencies=journey.PANEL_AGENCIES,
            panel_chair_user="reviewer",
            panel_member_users="police_panel, nobody_here",
        )
    assert refused.value.errors == {
        "panel_chair_user": "Rowan Ives (reviewer) does not have the role SCR Panel chair.",
        "panel_member_users": "There is no active user 'nobody_here'.",
    }
    assert s.engine.case_teams.team(s.users["bqam"], s.reference).members == ()
    s.complete(
        establish,
        as_="bqam",
        panel_agencies=journey.PANEL_AGENCIES,
        **journey.PANEL_TEAM,
    )
    appointed = [
        e.data
        for e in s.engine.cases.history(s.users["bqam"], s.reference)
        if e.type == "case_member_appointed"
    ]
    assert [(d["case_role"], d["usernames"], d["field"]) for d in appointed] == [
        ("panel_chair", ["panelchair"], "panel_chair_user"),
        ("panel_member", ["police_panel", "health_panel"], "panel_member_users"),
    ]


def test_an_agency_report_is_read_by_its_own_reviews_panel_only(two):
    """Each member of this review's Panel gives a view on every agency's report, so they read it
    before it is accepted; another review's Panel member of another agency, and another agency's
    author, do not."""
    a, _ = two
    a.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    a.move_to(london(date(2026, 4, 20)))
    a.complete(
        journey.WRITE_REPORT,
        as_="police_author",
        files={"agency_report": ("police-imr.txt", b"The police IMR.")},
        **journey.AUTHOR_INDEPENDENT,
    )
    [imr] = a.engine.documents.of_case(a.users["police_author"], a.reference)
    _, content = a.engine.documents.get(a.users["health_panel"], imr.id)
    assert content == b"The police IMR."
    for outsider in ("health_panel2", "health_author"):
        with pytest.raises((NotFound, NotPermitted)):
            a.engine.documents.get(a.users[outsider], imr.id)
