"""Form validation: what a person sees when they get a field wrong, and what is stored when right."""

from __future__ import annotations

from engine.dto import FieldSpec
from engine.dto import Option
from engine.process import forms

NAME = FieldSpec(
    id="child_ref",
    label="Child's reference",
    type="string",
    required=True,
    pattern="[A-Z]{2}[0-9]{4}",
    hint="like AB1234",
)
WHEN = FieldSpec(
    id="incident_date",
    label="Date of the incident",
    type="date",
    required=True,
    max="2026-12-31",
)
COUNT = FieldSpec(
    id="attendees",
    label="Members present",
    type="long",
    required=True,
    min="3",
    max="20",
)
DIED = FieldSpec(
    id="child_died", label="Did the child die?", type="boolean", required=True
)
CHOICE = FieldSpec(
    id="decision",
    label="Decision",
    type="enum",
    required=True,
    options=(Option("yes", "Yes"), Option("no", "No")),
)
PANEL = FieldSpec(
    id="panel_agencies",
    label="Agencies on the panel",
    type="enum",
    multiple=True,
    required=True,
    minlength=4,
    options=tuple(
        Option(k, k.title())
        for k in ("police", "health", "csc", "education", "probation")
    ),
)
NOTES = FieldSpec(id="notes", label="Notes", type="text", maxlength=10)
LOCKED = FieldSpec(
    id="reference", label="Reference", type="string", readonly=True, default="SCR-1"
)
ALL = (NAME, WHEN, COUNT, DIED, CHOICE, PANEL, NOTES, LOCKED)


def test_wrong_entries_each_get_a_plain_english_message():
    clean, errors = forms.validate(
        ALL,
        {
            "child_ref": "ab12",
            "incident_date-day": "31",
            "incident_date-month": "2",
            "incident_date-year": "2026",
            "attendees": "two",
            "child_died": "perhaps",
            "decision": "maybe",
            "panel_agencies": ["police", "health"],
            "notes": "far too long for ten",
        },
    )
    assert errors == {
        "child_ref": "“Child's reference” is not in the expected format (like AB1234)",
        "incident_date": "“Date of the incident” must be a real date, for example 27 3 2026",
        "attendees": "“Members present” must be a whole number, like 12",
        "child_died": "Select yes or no for “Did the child die?”",
        "decision": "Select one of the listed options for “Decision”",
        "panel_agencies": "Select at least 4 options for “Agencies on the panel”",
        "notes": "“Notes” must be 10 characters or fewer",
    }


def test_missing_required_entries_are_asked_for():
    _clean, errors = forms.validate(ALL, {})
    assert errors["child_ref"] == "Enter “Child's reference”"
    assert errors["incident_date"] == "Enter “Date of the incident”"
    assert errors["child_died"] == "Select yes or no for “Did the child die?”"
    assert errors["decision"] == "Select an option for “Decision”"
    assert (
        errors["panel_agencies"]
        == "Select at least one option for “Agencies on the panel”"
    )
    assert "notes" not in errors


def test_valid_entries_are_stored_typed_and_read_only_fields_keep_their_value():
    clean, errors = forms.validate(
        ALL,
        {
            "child_ref": " AB1234 ",
            "incident_date-day": "4",
            "incident_date-month": "3",
            "incident_date-year": "2026",
            "attendees": "12",
            "child_died": "no",
            "decision": "yes",
            "panel_agencies": ["police", "health", "csc", "education", "police"],
            "reference": "hacked",
        },
    )
    assert errors == {}
    assert clean == {
        "child_ref": "AB1234",
        "incident_date": "2026-03-04",
        "attendees": 12,
        "child_died": False,
        "decision": "yes",
        "panel_agencies": ["police", "health", "csc", "education"],
        "notes": None,
        "reference": "SCR-1",
    }


def test_numbers_and_dates_outside_their_range_are_refused():
    _clean, errors = forms.validate(
        (COUNT, WHEN), {"attendees": "2", "incident_date": "2027-01-01"}
    )
    assert errors == {
        "attendees": "“Members present” must be 3 or more",
        "incident_date": "“Date of the incident” must be the same as or before 31 December 2026",
    }


def test_an_incomplete_date_says_which_part_is_missing():
    _clean, errors = forms.validate(
        (WHEN,), {"incident_date-day": "4", "incident_date-year": "2026"}
    )
    assert errors == {"incident_date": "“Date of the incident” must include a month"}
