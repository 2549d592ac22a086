"""Agencies by name on the screen: tasks named for their agency, the directory's agencies offered,
and dates out of order refused with the other answers kept."""

from __future__ import annotations

from engine import Engine
from engine import UserInfo
from tests.engine import agency_work
from tests.webui.conftest import AuthActions
from tests.webui.conftest import text
from tests.webui.html import Option
from tests.webui.html import read

NAME = "Quality-assure the West Yorkshire Police report"
START_PAGE = f"/cases/new/{agency_work.PROCESS}"


def test_an_agency_task_is_named_for_its_agency_in_the_inbox_and_on_its_page(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    case = agency_work.start(engine, users)
    agency_work.plan(engine, users, case.reference)
    auth.login("police_manager")
    inbox = read(auth.get("/tasks/"))
    [offered] = inbox.table("Offered to my roles").records()
    assert offered["Task"].startswith(NAME)  # then "For West Yorkshire Police"
    task_id = agency_work.tasks_of(engine, users["police_manager"], case.reference)[
        0
    ].id
    response = auth.get(f"/tasks/{task_id}")
    assert read(response).heading == NAME
    assert "${" not in text(response) and "agency_name" not in text(response)


def test_the_start_form_offers_an_agency_added_to_the_directory(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    agency_work.deploy(engine, users)
    engine.directory.add_agencies(users["admin"], [("youth_justice", "Youth Justice")])
    auth.login("bqam")
    agencies = read(auth.get(START_PAGE)).field("agencies")
    assert agencies.kind == "checkbox"
    assert Option("youth_justice", "Youth Justice") in agencies.options
    assert Option("police", "West Yorkshire Police") in agencies.options


def test_a_notification_dated_before_the_incident_is_refused_keeping_the_answers(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    agency_work.deploy(engine, users)
    auth.login("bqam")
    response = auth.post(
        START_PAGE,
        data={
            "incident_date-day": "27",
            "incident_date-month": "2",
            "incident_date-year": "2026",
            "incident_notified_on-day": "20",
            "incident_notified_on-month": "2",
            "incident_notified_on-year": "2026",
            "agencies": ["police", "education"],
        },
    )
    assert response.status_code == 400
    page = read(response)
    assert page.error_summary() == [
        (
            "“Date the incident was notified to the Board” must be the same as or after "
            "“Date of death or incident”, 27 February 2026",
            "incident_notified_on-day",
        )
    ]
    assert sorted(page.form_values()["agencies"]) == ["education", "police"]
    assert page.form_values()["incident_date-day"] == "27"
