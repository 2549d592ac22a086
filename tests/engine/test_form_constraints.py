"""Dates in order: the constraints after, not_before, before and not_after, as people meet them."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.dto import UserInfo
from engine.errors import DiagramInvalid
from engine.errors import FormInvalid
from tests.engine import agency_work


def _refused_start(engine: Engine, users: dict[str, UserInfo], **changes: str):
    agency_work.deploy(engine, users)
    values = {**agency_work.START, **changes}
    with pytest.raises(FormInvalid) as refused:
        engine.cases.start(users["bqam"], agency_work.PROCESS, values)
    return refused.value


def _refused_plan(engine: Engine, users: dict[str, UserInfo], **changes: str):
    case = agency_work.start(engine, users)
    [task] = agency_work.tasks_of(engine, users["bqam"], case.reference)
    with pytest.raises(FormInvalid) as refused:
        engine.tasks.complete(users["bqam"], task.id, {**agency_work.PLAN, **changes})
    return refused.value


def test_a_notification_before_the_incident_is_refused_naming_the_incident_date(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    refused = _refused_start(engine, users, incident_notified_on="2026-02-20")
    assert refused.errors == {
        "incident_notified_on": "“Date the incident was notified to the Board” must be "
        "the same as or after “Date of death or incident”, 27 February 2026"
    }
    assert refused.submitted["agencies"] == ["police", "community_health"]  # kept


def test_an_incident_in_the_future_is_refused(
    engine: Engine, users: dict[str, UserInfo]
) -> None:  # the clock says Monday 2 March 2026
    refused = _refused_start(
        engine, users, incident_date="2026-03-03", incident_notified_on="2026-03-03"
    )
    assert refused.errors == {
        "incident_date": "“Date of death or incident” must be today or in the past"
    }
    agency_work.deploy(engine, users)
    engine.cases.start(
        users["bqam"],
        agency_work.PROCESS,
        {**agency_work.START, "incident_date": "2026-03-02"},  # today is allowed
    )


def test_the_end_of_the_period_must_come_after_its_start(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    refused = _refused_plan(engine, users, review_to="2025-03-01")
    assert refused.errors == {
        "review_to": "“Period under review: to” must be after “Period under review: "
        "from”, 1 March 2025"
    }
    assert refused.submitted["lead_agency"] == "police"  # the other answers are kept


def test_a_due_date_in_the_past_is_refused(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    refused = _refused_plan(
        engine, users, reports_due_on="2026-03-01", first_meeting_on=""
    )
    assert refused.errors == {
        "reports_due_on": "“Date the agency reports are due” must be today or in the "
        "future"
    }


def test_a_date_is_compared_with_a_date_the_case_already_holds(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    refused = _refused_plan(engine, users, first_meeting_on="2026-02-28")
    assert refused.errors == {
        "first_meeting_on": "“Date of the first Panel meeting” must be the same as or "
        "after “Date the incident was notified to the Board”, 2 March 2026"
    }


def test_before_refuses_the_same_day(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    refused = _refused_plan(engine, users, first_meeting_on="2026-04-24")
    assert refused.errors == {
        "first_meeting_on": "“Date of the first Panel meeting” must be before “Date "
        "the agency reports are due”, 24 April 2026"
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '<camunda:constraint name="after" config="review_from" />',
            '<camunda:constraint name="later_than" config="review_from" />',
            "form field 'review_to' has the constraint 'later_than', which this engine "
            "does not know; use one of after, before, max, maxlength, min, minlength, "
            "not_after, not_before, pattern, readonly, required",
        ),
        (
            '<camunda:constraint name="after" config="review_from" />',
            '<camunda:constraint name="after" config="review_start" />',
            "form field 'review_to': the constraint 'after' names 'review_start', which "
            "is no field of this deployment's forms nor a value a script sets; write "
            "another field's id, or today",
        ),
        (
            '<camunda:constraint name="after" config="review_from" />',
            '<camunda:constraint name="after" />',
            "form field 'review_to': the constraint 'after' needs a config: the id of "
            "another date field, a value of the case, or today",
        ),
        (
            '<camunda:constraint name="before" config="reports_due_on" />',
            '<camunda:constraint name="before" config="lead_agency" />',
            "form field 'first_meeting_on': the constraint 'before' names "
            "'lead_agency', which is not a date field",
        ),
        (
            'id="lead_agency" label="Lead agency" type="agency"',
            'id="lead_agency" label="Lead agency" type="agencies"',
            "form field 'lead_agency' has type 'agencies'; use one of agency, boolean, "
            "date, enum, long, string (long text and file upload are string fields with "
            "the property multiline=true or upload=true; agency offers the Board's "
            "agencies)",
        ),
        (
            'id="lead_agency" label="Lead agency" type="agency">',
            'id="lead_agency" label="Lead agency" type="agency">'
            '<camunda:value id="police" name="Police" />',
            "form field 'lead_agency' offers the Board's agencies from the agency "
            "directory; remove its camunda:value entries (add agencies with scr agency "
            "add)",
        ),
    ],
    ids=[
        "unknown name",
        "names nothing",
        "no config",
        "not a date",
        "unknown type",
        "agency with a list",
    ],
)
def test_a_constraint_or_field_type_the_engine_cannot_run_is_refused_at_deploy(
    engine: Engine, users: dict[str, UserInfo], old: str, new: str, message: str
) -> None:
    source = agency_work.source()
    assert old in source
    with pytest.raises(DiagramInvalid) as refused:
        engine.deployments.deploy(
            users["owner"], agency_work.files(source.replace(old, new))
        )
    [problem] = refused.value.problems
    assert (problem.file, problem.element_id) == ("agency_work.bpmn", "Task_plan")
    assert problem.message == message
