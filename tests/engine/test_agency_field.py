"""The `agency` form field: its choices are the Board's agency directory (the agency table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine
from engine.cli import read_bundle
from engine.db.demo import AGENCIES
from engine.dto import FieldSpec
from engine.dto import Option
from engine.dto import UserInfo
from engine.errors import FormInvalid
from tests.engine import agency_work

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def _field(fields: tuple[FieldSpec, ...], field_id: str) -> FieldSpec:
    return next(f for f in fields if f.id == field_id)


def _start_fields(engine: Engine, user: UserInfo, process_id: str):
    forms = engine.cases.start_forms(user)
    return next(f.fields for f in forms if f.process_id == process_id)


def test_an_agency_added_to_the_directory_is_offered_and_named_at_once(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    agency_work.deploy(engine, users)
    youth = Option("youth_justice", "Youth Justice Service")
    assert (
        youth
        not in _field(
            _start_fields(engine, users["bqam"], agency_work.PROCESS), "agencies"
        ).options
    )
    engine.directory.add_agencies(users["admin"], [(youth.id, youth.label)])

    agencies = _field(
        _start_fields(engine, users["bqam"], agency_work.PROCESS), "agencies"
    )
    assert agencies.type == "enum" and agencies.multiple
    assert youth in agencies.options
    case = engine.cases.start(
        users["bqam"],
        agency_work.PROCESS,
        {**agency_work.START, "agencies": ["youth_justice"]},
    )
    [plan] = agency_work.tasks_of(engine, users["bqam"], case.reference)
    lead = _field(engine.tasks.open(users["bqam"], plan.id).fields, "lead_agency")
    assert youth in lead.options and not lead.multiple
    engine.tasks.complete(
        users["bqam"], plan.id, {**agency_work.PLAN, "lead_agency": "youth_justice"}
    )
    open_tasks = engine.cases.view(users["bqam"], case.reference).open_tasks
    assert [t.name for t in open_tasks] == [
        "Quality-assure the Youth Justice Service report"
    ]


def test_a_key_the_directory_does_not_hold_is_refused(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    agency_work.deploy(engine, users)
    with pytest.raises(FormInvalid) as refused:
        engine.cases.start(
            users["bqam"],
            agency_work.PROCESS,
            {**agency_work.START, "agencies": ["police", "nowhere"]},
        )
    assert refused.value.errors == {
        "agencies": "Select only the listed options for “Agencies involved with the "
        "child or family”"
    }


def test_the_review_offers_the_boards_agencies_by_their_names(
    engine: Engine, users: dict[str, UserInfo]
) -> None:
    engine.deployments.deploy(users["owner"], read_bundle(BPMN_DIR), note="real")
    fields = _start_fields(engine, users["bqam"], "Process_scr_review")
    for field_id in ("agencies", "notifying_agency"):
        field = _field(fields, field_id)
        assert {(o.id, o.label) for o in field.options} == set(AGENCIES.items())
