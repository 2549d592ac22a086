"""Correcting an answer (issue 15) through the web pages: the link on the case page, the form, the
confirmation, the refusal of an answer that chose the path, and who sees what."""

from __future__ import annotations

from engine import Engine
from engine import UserInfo
from tests.engine.helpers import only_task
from tests.engine.test_corrections import MEETING
from tests.engine.test_corrections import start_meeting
from tests.webui.conftest import AuthActions
from tests.webui.html import read


def test_the_person_who_completed_a_task_corrects_a_date_from_the_case_page(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    reference, task_id = start_meeting(engine, users)
    auth.login("secretariat")
    case_page = read(auth.get(f"/cases/{reference}"))
    answers = read(auth.get(case_page.link(f"Correct an answer in “{MEETING}”")))
    assert answers.heading == f"Correct an answer in “{MEETING}”"
    assert ("Date of the meeting", "3 March 2026") in answers.definitions()
    form_page = read(auth.get(answers.link("Correct Date of the meeting")))
    assert form_page.heading == "Correct “Date of the meeting”"
    url = f"/corrections/{task_id}/meeting_date"
    refused = auth.post(url, {"meeting_date-day": "31", "meeting_date-month": "2"})
    assert refused.status_code == 400
    messages = [e.message for e in read(refused).error_summary()]
    assert "Enter the reason for the correction" in messages
    response = auth.post(
        url,
        {
            "meeting_date-day": "5",
            "meeting_date-month": "3",
            "meeting_date-year": "2026",
            "reason": "The meeting was moved.",
        },
    )
    assert response.status_code == 302
    done = read(auth.get(response.headers["Location"]))
    assert done.heading.startswith("Answer corrected")
    assert ("Before", "3 March 2026") in done.definitions()
    assert ("After", "5 March 2026") in done.definitions()
    assert ("Reason", "The meeting was moved.") in done.definitions()
    assert engine.audit.verify().ok
    auth.logout()
    auth.login("auditor")
    timeline = read(auth.get(f"/audit/cases/{reference}"))
    assert "5 March 2026" in timeline.text and "The meeting was moved." in timeline.text
    step = timeline.link(
        f"See the case at this step (event {done_seq(engine, users, reference)})"
    )
    assert auth.get(step).status_code == 200


def test_a_routing_answer_shows_the_steps_it_decided_and_offers_no_form(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    _reference, task_id = start_meeting(engine, users)
    auth.login("secretariat")
    page = read(auth.get(f"/corrections/{task_id}/review_needed"))
    assert "used to choose the path at “Review needed?”" in page.text
    assert "Review needed?" in page.lines
    assert "Correct the answer" not in page.buttons()
    posted = auth.post(
        f"/corrections/{task_id}/review_needed",
        {"review_needed": "no", "reason": "Wrong"},
    )
    assert posted.status_code == 400
    assert "“Review needed?”" in read(posted).text


def test_the_bqam_may_correct_a_routing_answer_in_the_record_only(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    _reference, task_id = start_meeting(engine, users)
    auth.login("bqam")
    page = read(auth.get(f"/corrections/{task_id}/review_needed"))
    assert "Correct the record only" in page.text
    response = auth.post(
        f"/corrections/{task_id}/review_needed",
        {"review_needed": "no", "reason": "Wrong option.", "record_only": "yes"},
    )
    assert response.status_code == 302
    done = read(auth.get(response.headers["Location"]))
    assert "Record corrected; the path taken was not changed" in done.text
    only_task(engine, users["bqam"], "Review the meeting's outcome")


def test_others_see_no_link_and_are_refused(
    auth: AuthActions, engine: Engine, users: dict[str, UserInfo]
) -> None:
    reference, task_id = start_meeting(engine, users)
    for name in ("chair", "auditor"):
        auth.login(name)
        links = [link.text for link in read(auth.get(f"/cases/{reference}")).links()]
        assert not [t for t in links if t.startswith("Correct an answer")]
        assert auth.get(f"/corrections/{task_id}").status_code == 403
        auth.logout()


def done_seq(engine: Engine, users: dict[str, UserInfo], reference: str) -> int:
    """The number of the case's correction event."""
    entries = engine.timeline.of_case(users["auditor"], reference)
    return next(e.seq for e in entries if e.type == "task_answer_corrected")
