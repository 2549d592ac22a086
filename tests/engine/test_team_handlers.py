"""The `case_team` and `collect_views` service tasks: checked at deploy, readable when they run."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime

import pytest

from engine.cli import read_bundle
from engine.errors import DiagramInvalid
from engine.process.handlers import ServiceCall
from engine.services.team_handlers import NOBODY
from engine.services.team_handlers import CaseTeamHandler
from engine.services.team_handlers import CollectViewsHandler
from tests.process.conftest import BPMN_DIR

PANEL_SETUP = "phase_05_panel_setup.bpmn"


def _refused(engine, users, replacements: dict[str, str]) -> list[str]:
    files = read_bundle(BPMN_DIR)
    text = files[PANEL_SETUP].decode()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    files[PANEL_SETUP] = text.encode()
    with pytest.raises(DiagramInvalid) as caught:
        engine.deployments.deploy(users["owner"], files)
    return [str(p) for p in caught.value.problems]


def test_an_unknown_case_role_or_a_bad_variable_name_is_refused_at_deploy(
    engine, users
):
    found = _refused(
        engine,
        users,
        {
            '<camunda:inputParameter name="case_role">panel_member<': (
                '<camunda:inputParameter name="case_role">panel_members<'
            ),
            '<camunda:inputParameter name="result">reviewer_member_views<': (
                '<camunda:inputParameter name="result">${views}<'
            ),
        },
    )
    expected = [
        r"phase_05_panel_setup\.bpmn, line \d+, Task_ask_panel_reviewer .*"
        r"unknown case role 'panel_members'; use one of panel_chair, panel_member",
        r"phase_05_panel_setup\.bpmn, line \d+, Task_collect_reviewer_views .*"
        r"'result' parameter must be a plain name .*not '\$\{views\}'",
    ]
    for pattern in expected:
        assert any(re.search(pattern, p) for p in found), (pattern, found)
    assert len(found) == len(expected), found


def test_the_checks_name_what_is_missing():
    assert CaseTeamHandler().check({"case_role": "reviewer", "result": "x"}, {}) == []
    assert CaseTeamHandler().check({"case_role": "reviewer"}, {}) == [
        "the case_team task needs a 'result' input parameter"
    ]
    problems = CollectViewsHandler().check({"task": "Task_x", "result": "class"}, {})
    assert problems == [
        "the collect_views task's 'result' parameter must be a plain name "
        "(letters, digits and underscores), not 'class'",
        "the collect_views task needs a 'fields' input parameter: "
        "the multi-instance task's field ids, separated by commas",
    ]


def _call(engine, session, params, answers=(), case_id=0) -> ServiceCall:
    return ServiceCall(
        topic="collect_views",
        params=params,
        case_id=case_id,
        case_reference="SCR-2026-0001",
        element_id="Task_collect",
        element_name="Collect",
        data={},
        at=datetime(2026, 3, 30, tzinfo=UTC),
        session=session,
        files={},
        answers_in_scope=lambda element_id: list(answers),
    )


def test_each_view_is_one_line_with_the_persons_name_and_agency_never_a_code(
    engine, users
):
    answers = [
        {
            "variable": "panel_member",
            "item": "police_panel",
            "values": {"view": "does_not_agree", "comments": "Too close to\nthe case."},
            "shown": {"view": "Does not agree", "comments": "Too close to\nthe case."},
        },
        {
            "variable": "panel_member",
            "item": "health_panel",
            "values": {"view": "agrees", "comments": None},
            "shown": {"view": "Agrees", "comments": ""},
        },
    ]
    params = {"task": "Task_view", "fields": "view, comments", "result": "views"}
    with engine.database.transaction(write=False) as session:
        result = CollectViewsHandler().run(_call(engine, session, params, answers))
        nobody = CollectViewsHandler().run(_call(engine, session, params))
    assert result == {
        "views": "Priya Lewis (West Yorkshire Police): Does not agree — Too close to the case.\n"
        "Harriet Moss (Community health services): Agrees"
    }  # in the order they were asked; one line each
    assert nobody == {"views": NOBODY}


def test_a_case_with_nobody_in_the_role_gives_an_empty_list(engine, users):
    handler = CaseTeamHandler()
    params = {"case_role": "panel_member", "result": "panel_members"}
    with engine.database.transaction(write=False) as session:
        call = _call(engine, session, params, case_id=12345)  # no such case, no team
        assert handler.run(call) == {"panel_members": []}  # nobody is asked
