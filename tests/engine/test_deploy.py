"""Deploying diagrams: good bundles are stored once; broken or hostile ones are refused with every problem."""

from __future__ import annotations

import re

import pytest

from engine.errors import DiagramInvalid
from engine.errors import NotPermitted
from tests.engine.helpers import mini_files

MINI = mini_files()


def broken(replacements: dict[str, str], dmn: bool = False) -> dict[str, bytes]:
    files = dict(MINI)
    key = "mini_criteria.dmn" if dmn else "mini.bpmn"
    text = files[key].decode()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    files[key] = text.encode()
    return files


def problems_of(engine, users, files) -> list[str]:
    with pytest.raises(DiagramInvalid) as caught:
        engine.deployments.deploy(users["owner"], files)
    return [str(p) for p in caught.value.problems]


def test_a_valid_bundle_deploys_once_and_identical_files_change_nothing(engine, users):
    first = engine.deployments.deploy(users["owner"], MINI, "first version")
    again = engine.deployments.deploy(users["owner"], MINI, "same again")
    assert first.created and first.current and first.process_ids == ("Process_mini",)
    assert not again.created and again.id == first.id


def test_only_process_owners_deploy(engine, users):
    with pytest.raises(NotPermitted):
        engine.deployments.deploy(users["chair"], MINI)
    with pytest.raises(NotPermitted):
        engine.deployments.deploy(users["auditor"], MINI)


def test_every_problem_is_listed_by_file_element_and_line(engine, users):
    files = broken(
        {
            '<bpmn:userTask id="Task_chair_decision" name="Decide whether to hold an SCR" camunda:candidateGroups="independent_chair"': '<bpmn:userTask id="Task_chair_decision" name="Decide whether to hold an SCR"',
            '${decision == "scr"}': '${decision == = "scr"}',
            'targetRef="End_no_scr"': 'targetRef="End_nowhere"',
            'type="long"': 'type="currency"',
            'camunda:topic="notify">\n      <bpmn:extensionElements>\n        <camunda:inputOutput>\n          <camunda:inputParameter name="template">deadline_missed': 'camunda:topic="fax">\n      <bpmn:extensionElements>\n        <camunda:inputOutput>\n          <camunda:inputParameter name="template">deadline_missed',
            '<bpmn:endEvent id="End_reviewed">': '<bpmn:callActivity id="Call_missing" calledElement="Process_nope" /><bpmn:endEvent id="End_reviewed">',
        }
    )
    found = problems_of(engine, users, files)
    expected = [
        r"mini\.bpmn, line \d+, Flow_scr: the condition is not allowed: this is not a valid expression",
        r"mini\.bpmn, line \d+, Flow_no_scr: the flow's targetRef 'End_nowhere' is not an element of this process",
        r"mini\.bpmn, line \d+, Task_chair_decision \('Decide whether to hold an SCR'\): the user task has no role",
        r"mini\.bpmn, line \d+, Task_committee \('Decide whether the criteria are met'\): form field 'attendees' has type 'currency'",
        r"mini\.bpmn, line \d+, Task_escalate \('Tell the manager the decision is late'\): no handler for topic 'fax'",
        r"mini\.bpmn, line \d+, Call_missing: calls process 'Process_nope', which is not in this deployment",
    ]
    for pattern in expected:
        assert any(re.search(pattern, p) for p in found), (pattern, found)
    assert len(found) == len(expected), found


def test_xml_syntax_errors_give_the_line(engine, users):
    files = dict(MINI)
    files["mini.bpmn"] = MINI["mini.bpmn"].replace(
        b"</bpmn:process>", b"</bpmn:proces>"
    )
    [problem] = problems_of(engine, users, files)
    assert re.match(r"mini\.bpmn, line \d+: the file is not well-formed XML", problem)


def test_a_condition_that_runs_code_is_refused_and_never_executes(
    engine, users, tmp_path
):
    marker = tmp_path / "pwned"
    files = broken(
        {'${decision == "scr"}': f'__import__("os").system("touch {marker}") == 0'}
    )
    [problem] = problems_of(engine, users, files)
    assert "Flow_scr" in problem and "is not a function diagrams may call" in problem
    assert not marker.exists()


def test_dmn_cells_are_checked_too(engine, users):
    files = broken({'<text>"must"</text>': "<text>open('x')</text>"}, dmn=True)
    [problem] = problems_of(engine, users, files)
    assert (
        problem.startswith("mini_criteria.dmn")
        and "Rule_died" in problem
        and "output cell" in problem
    )


def test_external_entities_are_refused(engine, users):
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + MINI["mini.bpmn"]
        .split(b"?>", 1)[1]
        .replace(b'name="Mini review"', b'name="&xxe;"')
    )
    [problem] = problems_of(engine, users, {**MINI, "mini.bpmn": xxe})
    assert problem.startswith(
        "mini.bpmn, line 2: DOCTYPE and ENTITY declarations are not allowed"
    )


def test_entity_expansion_bombs_are_refused(engine, users):
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><a>&lol2;</a>'
    [problem] = problems_of(engine, users, {**MINI, "bomb.bpmn": bomb})
    assert "DOCTYPE and ENTITY declarations are not allowed" in problem


def test_oversized_files_and_odd_names_are_refused(engine, users):
    found = problems_of(
        engine,
        users,
        {
            **MINI,
            "huge.bpmn": b"<a>" + b" " * 2_100_000 + b"</a>",
            "../escape.bpmn": b"<a/>",
            "run.sh": b"x",
        },
    )
    assert any("huge.bpmn" in p and "the limit is 2,000,000 bytes" in p for p in found)
    assert any("../escape.bpmn" in p and "relative path" in p for p in found)
    assert any("run.sh" in p and "only .bpmn and .dmn" in p for p in found)


def test_schema_errors_are_reported_with_their_line(engine, users):
    files = broken(
        {
            '<bpmn:endEvent id="End_no_scr">': '<bpmn:endEvnt id="End_no_scr">',
            "<bpmn:incoming>Flow_no_scr</bpmn:incoming></bpmn:endEvent>": "<bpmn:incoming>Flow_no_scr</bpmn:incoming></bpmn:endEvnt>",
        }
    )
    found = problems_of(engine, users, files)
    assert any(
        re.match(r"mini\.bpmn, line \d+: .*endEvnt.*not expected", p) for p in found
    ), found


def test_one_changed_file_replaces_its_namesake_and_the_rest_stay(engine, users):
    engine.deployments.deploy(users["owner"], MINI, "first")
    changed = {"mini.bpmn": MINI["mini.bpmn"].replace(b"P10D", b"P14D")}
    second = engine.deployments.deploy(
        users["owner"], changed, "timer", replace_only=True
    )
    assert second.created and sorted(second.files) == sorted(MINI)
    assert (
        engine.deployments.current_files(users["owner"])["mini.bpmn"]
        == changed["mini.bpmn"]
    )
    with pytest.raises(
        DiagramInvalid
    ):  # validated as a whole: alone it is not a deployment
        engine.deployments.deploy(
            users["owner"], {"x.dmn": b"<definitions/>"}, replace_only=True
        )
