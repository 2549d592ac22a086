"""Need to know, per case and per agency (issue 12): the role × route matrix of one shared case.

The world: case A on the real diagrams, shared by the police and community health, its Panel set up
(the demo Panel Chair, members and reviewer appointed); the police author has uploaded the police IMR
with their task, with the police's answers, and the police manager has not signed it off yet; the
BQAM has added a note of the case's own (no agency). Case B is another review, whose Panel has one
member of its own (`other_panel`); both cases have written to the Board members, so `board` reads
their shared parts. Case C has just started and told the Board nothing yet. Each column is a person;
every cell is asserted, before and after the Panel accepts the police report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from engine import Engine
from engine import FixedClock
from engine import UserInfo
from engine.cli import read_bundle
from engine.db.demo import DEMO_PASSWORD
from tests.process import journey
from tests.process.conftest import BPMN_DIR
from tests.process.scenario import Scenario
from tests.process.scenario import london
from tests.webui.conftest import AuthActions
from tests.webui.html import read

PEOPLE = [
    "police_author",
    "health_author",
    "panelchair",  # this case's Panel Chair
    "board",  # a Board member: not on this case's team
    "other_panel",  # a Panel member of case B only
    "auditor",  # reads, never writes
    "bqam",
    "anonymous",
]


@dataclass(frozen=True)
class World:
    a: Scenario
    reference: str
    other: str
    fresh: str
    imr: int
    note: int
    sign_off: str

    def url(self, template: str) -> str:
        return template.format(
            reference=self.reference,
            other=self.other,
            fresh=self.fresh,
            imr=self.imr,
            note=self.note,
            task=self.sign_off,
        )


def cells(anonymous: int = 302, **given: int) -> dict[str, int]:
    """Statuses by person: anonymous is sent to sign in (302), or refused a POST without a CSRF
    token of a session (400)."""
    assert set(given) | {"anonymous"} == set(PEOPLE), set(PEOPLE) ^ set(given)
    return {**given, "anonymous": anonymous}


@pytest.fixture
def world(engine: Engine, users: dict[str, UserInfo], clock: FixedClock) -> World:
    everyone = dict(users)
    everyone["other_panel"] = engine.directory.create_user(
        users["admin"],
        "other_panel",
        "Olga Panel",
        None,
        DEMO_PASSWORD,
        ["panel_member"],
        "community_health",
    )
    engine.deployments.deploy(
        users["owner"], read_bundle(BPMN_DIR), note="need to know"
    )
    b = Scenario(engine, everyone, clock)
    journey.notification(b)
    engine.case_teams.change(
        users["bqam"], b.reference, "panel_member", "other_panel", "Case B's Panel."
    )
    a = Scenario(engine, everyone, clock)
    journey.through(a, "panel_setup")
    a.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    a.move_to(london(date(2026, 4, 20)))
    a.complete(
        journey.WRITE_REPORT,
        as_="police_author",
        files={"agency_report": ("police-imr.txt", b"The police IMR.")},
        agency_learning=POLICE_LEARNING,
        **journey.AUTHOR_INDEPENDENT,
    )
    [imr] = engine.documents.of_case(users["police_author"], a.reference)
    note = engine.documents.upload(
        users["bqam"], a.reference, "terms-of-reference.txt", b"Terms of reference."
    )
    sign_off = a.task(journey.SIGN_OFF_REPORT, "police_manager")
    c = Scenario(engine, everyone, clock)
    c.start(**journey.STANDARD_START)
    return World(a, a.reference, b.reference, c.reference, imr.id, note.id, sign_off.id)


POLICE_LEARNING = (
    "The custody record of the night was never passed to the health visitor."
)


GETS: list[tuple[str, dict[str, int]]] = [
    (  # the Board member was written to about case A: they read its shared parts
        "/cases/{reference}",
        cells(
            police_author=200,
            health_author=200,
            panelchair=200,
            board=200,
            other_panel=403,
            auditor=200,
            bqam=200,
        ),
    ),
    (
        "/cases/{reference}/history",
        cells(
            police_author=200,
            health_author=200,
            panelchair=200,
            board=200,
            other_panel=403,
            auditor=200,
            bqam=200,
        ),
    ),
    (  # the police IMR before the Panel accepted it: another agency meets an unknown document
        "/documents/{imr}",
        cells(
            police_author=200,
            health_author=404,
            panelchair=200,
            board=404,
            other_panel=403,
            auditor=200,
            bqam=200,
        ),
    ),
    (  # a document of the case's own (no agency): everyone who sees the case reads it
        "/documents/{note}",
        cells(
            police_author=200,
            health_author=200,
            panelchair=200,
            board=200,
            other_panel=403,
            auditor=200,
            bqam=200,
        ),
    ),
    (  # the police manager's sign-off (the police's entries): not offered, or not their case
        "/tasks/{task}",
        cells(
            police_author=403,
            health_author=403,
            panelchair=403,
            board=403,
            other_panel=404,
            auditor=200,
            bqam=200,
        ),
    ),
    (  # case B asks both agencies for an involvement report: the authors take part in it too
        "/cases/{other}",
        cells(
            police_author=200,
            health_author=200,
            panelchair=403,
            board=200,
            other_panel=200,
            auditor=200,
            bqam=200,
        ),
    ),
    (  # case C has written to nobody yet: the Board member does not see it
        "/cases/{fresh}",
        cells(
            police_author=403,
            health_author=403,
            panelchair=403,
            board=403,
            other_panel=403,
            auditor=200,
            bqam=200,
        ),
    ),
    (  # the BQAM's page; to those not in the case, the case is unknown
        "/cases/{reference}/team",
        cells(
            police_author=403,
            health_author=403,
            panelchair=403,
            board=403,
            other_panel=404,
            auditor=403,
            bqam=200,
        ),
    ),
    *[
        (
            page,
            cells(
                police_author=403,
                health_author=403,
                panelchair=403,
                board=403,
                other_panel=403,
                auditor=200,
                bqam=200,
            ),
        )
        for page in (
            "/audit/cases/{reference}",
            "/audit/cases/{reference}/record.json",
            "/audit/cases/{reference}/record.csv",
            "/audit/cases/{reference}/print",
        )
    ],
]
AFTER_ACCEPTANCE: list[tuple[str, dict[str, int]]] = [
    (  # shared with everyone who sees the case, the Board member written to included
        "/documents/{imr}",
        cells(
            police_author=200,
            health_author=200,
            panelchair=200,
            board=200,
            other_panel=403,
            auditor=200,
            bqam=200,
        ),
    ),
]
TEAM_CHANGE = {"case_role": "legal_adviser", "usernames": "legal", "reason": "Advice."}
POSTS: list[tuple[str, dict[str, str], dict[str, int]]] = [
    (
        "/cases/{reference}/team",
        TEAM_CHANGE,
        cells(
            anonymous=400,
            police_author=403,
            health_author=403,
            panelchair=403,
            board=403,
            other_panel=403,
            auditor=403,
            bqam=302,
        ),
    ),
]


def _meet(auth: AuthActions, world: World, person: str, routes, posts=()) -> dict:
    if person != "anonymous":
        assert auth.login(person).status_code == 302
    met = {}
    for template, statuses in routes:
        got = auth.get(world.url(template)).status_code
        met[f"GET {template}"] = (got, statuses[person])
    for template, data, statuses in posts:
        got = auth.post(world.url(template), data=data).status_code
        met[f"POST {template}"] = (got, statuses[person])
    if person != "anonymous":
        auth.logout()
    return {route: got for route, got in met.items() if got[0] != got[1]}


def test_every_person_meets_the_shared_case_as_need_to_know_allows(
    auth: AuthActions, world: World
) -> None:
    wrong = {p: _meet(auth, world, p, GETS, POSTS) for p in PEOPLE}
    assert {p: w for p, w in wrong.items() if w} == {}, "(got, expected)"
    _panel_accepts_the_police_report(world)
    wrong = {p: _meet(auth, world, p, AFTER_ACCEPTANCE) for p in PEOPLE}
    assert {p: w for p, w in wrong.items() if w} == {}, "(got, expected)"


def _panel_accepts_the_police_report(world: World) -> None:
    a = world.a
    a.complete(
        journey.SIGN_OFF_REPORT,
        as_="police_manager",
        agency_report_signed_off="yes",
    )
    journey.members_give_views(
        a, journey.report_view("police"), agency_report_member_view="accept"
    )
    a.move_to(london(date(2026, 4, 22)))
    a.complete(
        journey.QA_REPORT,
        as_="panelchair",
        of_agency="police",
        **journey.REPORT_ACCEPTED,
    )


READERS = ["police_author", "health_author", "panelchair", "board", "auditor", "bqam"]
"""Those who see case A: what of the police's part each of them meets on its pages."""


def _what_each_reads(auth: AuthActions, world: World) -> dict[str, dict[str, bool]]:
    """Per reader, whether the case page lists the police IMR and shows the police's answers, the
    history names the IMR, and the case's own note is listed."""
    met = {}
    for person in READERS:
        auth.login(person)
        case = read(auth.get(world.url("/cases/{reference}"))).text
        history = read(auth.get(world.url("/cases/{reference}/history"))).text
        auth.logout()
        met[person] = {
            "IMR listed": "police-imr.txt" in case,
            "answers": POLICE_LEARNING in case,
            "IMR in history": "police-imr.txt" in history,
            "note listed": "terms-of-reference.txt" in case,
        }
    return met


def _reads(imr: bool) -> dict[str, bool]:
    return {
        "IMR listed": imr,
        "answers": imr,
        "IMR in history": imr,
        "note listed": True,
    }


def test_another_agencys_file_and_answers_appear_once_the_panel_accepts_them(
    auth: AuthActions, world: World
) -> None:
    assert _what_each_reads(auth, world) == {
        "police_author": _reads(True),
        "health_author": _reads(False),
        "panelchair": _reads(True),
        "board": _reads(False),
        "auditor": _reads(True),
        "bqam": _reads(True),
    }
    _panel_accepts_the_police_report(world)
    assert _what_each_reads(auth, world) == {p: _reads(True) for p in READERS}


def test_a_task_page_shows_another_agencys_entries_only_once_shared(
    auth: AuthActions, world: World, engine: Engine, users: dict[str, UserInfo]
) -> None:
    a = world.a
    own = a.task(journey.WRITE_REPORT, "health_author", of_agency="community_health")

    def context(person: str, task_id: str) -> tuple[object, list[str]]:
        page = engine.tasks.page(users[person], task_id)
        files = [d.filename for d in page.documents]
        return page.case.data.get("agency_learning"), files

    note = "terms-of-reference.txt"
    assert context("health_author", own.id) == (None, [note])
    assert context("police_manager", world.sign_off) == (
        POLICE_LEARNING,
        ["police-imr.txt", note],
    )
    auth.login("health_author")
    assert auth.get(f"/tasks/{own.id}").status_code == 200
    auth.logout()
    a.complete(  # now only the Panel Chair's task (of no agency) waits in the police's part
        journey.SIGN_OFF_REPORT,
        as_="police_manager",
        agency_report_signed_off="yes",
    )
    journey.members_give_views(
        a, journey.report_view("police"), agency_report_member_view="accept"
    )
    assert context("health_author", own.id) == (None, [note])
    qa = a.task(journey.QA_REPORT, "panelchair", of_agency="police")
    assert context("panelchair", qa.id) == (POLICE_LEARNING, ["police-imr.txt", note])
    a.move_to(london(date(2026, 4, 22)))
    a.complete(
        journey.QA_REPORT,
        as_="panelchair",
        of_agency="police",
        **journey.REPORT_ACCEPTED,
    )
    assert context("health_author", own.id) == (
        POLICE_LEARNING,
        ["police-imr.txt", note],
    )


def test_the_case_page_shows_the_team(auth: AuthActions, world: World) -> None:
    auth.login("health_author")
    page = read(auth.get(f"/cases/{world.reference}"))
    [team] = [t for t in page.tables() if t.header[:1] == ["Case role"]]
    assert team.records() == [
        {"Case role": "SCR Panel chair", "Name": "Patrick Chen", "Agency": ""},
        {
            "Case role": "SCR Panel member",
            "Name": "Harriet Moss",
            "Agency": "community_health",
        },
        {"Case role": "SCR Panel member", "Name": "Priya Lewis", "Agency": "police"},
        {
            "Case role": "Independent reviewer / overview author",
            "Name": "Rowan Ives",
            "Agency": "",
        },
    ]
    assert "Change the team" not in page.text
    auth.logout()
    auth.login("bqam")
    page = read(auth.get(f"/cases/{world.reference}"))
    assert f"Change the team of case {world.reference}" in page.text


def test_the_bqam_changes_the_team_with_a_reason(
    auth: AuthActions, world: World
) -> None:
    auth.login("bqam")
    url = f"/cases/{world.reference}/team"
    refused = auth.post(url, data={"case_role": "panel_chair", "usernames": "legal"})
    assert refused.status_code == 400
    page = read(refused)
    assert "Give the reason for the change." in page.text
    assert "Laura Greaves (legal) does not have the role SCR Panel chair." in page.text
    changed = auth.post(
        url,
        data={"case_role": "legal_adviser", "usernames": "legal", "reason": "Advice."},
    )
    assert changed.status_code == 302
    page = read(auth.get(f"/cases/{world.reference}"))
    [team] = [t for t in page.tables() if t.header[:1] == ["Case role"]]
    assert {
        "Case role": "Legal adviser",
        "Name": "Laura Greaves",
        "Agency": "",
    } in team.records()
