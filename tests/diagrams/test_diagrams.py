"""Guards for bpmn/: every diagram is valid BPMN/DMN, parses in SpiffWorkflow, opens with its layout in
Camunda Modeler, and follows the engine contract (roles, lanes, notify service tasks, templates)."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.camunda.parser import CamundaParser

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = ROOT / "bpmn"
BPMN_FILES = sorted(BPMN_DIR.glob("*.bpmn"))
DMN_FILES = sorted(BPMN_DIR.glob("*.dmn"))
TOP_LEVEL = "Process_scr_review"
STARTABLE = {"Process_scr_review", "Process_information_request"}

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "modeler": "http://camunda.org/schema/modeler/1.0",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
CAMUNDA = "{" + NS["camunda"] + "}"
MODELER = "{" + NS["modeler"] + "}"
ROLE_KEYS = {
    "bqam",
    "secretariat",
    "independent_chair",
    "sqa_manager",
    "scr_committee",
    "designated_nurse",
    "panel_chair",
    "panel_member",
    "reviewer",
    "agency_author",
    "agency_manager",
    "legal_adviser",
    "board_member",
    "process_owner",
    "auditor",
    "admin",
}
CONTACT_KEYS = {
    "ofsted",
    "dfe",
    "national_panel",
    "coroner",
    "ccg",
    "nhs_england",
    "family",
}
FLOW_NODE_TAGS = (
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "userTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "callActivity",
    "task",
    "manualTask",
    "sendTask",
    "receiveTask",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
)
FORM_TYPES = {"string", "long", "boolean", "date", "enum"}


def _tree(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def _flow_nodes(tree: etree._ElementTree) -> list[etree._Element]:
    return [
        node
        for tag in FLOW_NODE_TAGS
        for node in tree.iterfind(f".//bpmn:process//bpmn:{tag}", NS)
    ]


def _all_processes() -> dict[str, Path]:
    return {
        process.get("id"): path
        for path in BPMN_FILES
        for process in _tree(path).iterfind("bpmn:process", NS)
    }


def test_there_are_diagrams_to_check():
    assert len(BPMN_FILES) >= 11 and DMN_FILES


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_bpmn_file_passes_the_omg_schema(path):
    BpmnValidator().validate(_tree(path), str(path))


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.name)
def test_dmn_file_passes_the_omg_schema(path):
    schema = CamundaParser().dmn_schemas[NS["dmn"]]
    BpmnValidator(schema).validate(_tree(path), str(path))


def test_every_process_parses_in_spiffworkflow_with_its_called_processes():
    parser = CamundaParser(validator=BpmnValidator())
    parser.add_bpmn_files([str(p) for p in BPMN_FILES])
    parser.add_dmn_files([str(p) for p in DMN_FILES])
    assert set(_all_processes()) <= set(parser.get_process_ids())
    for process_id in STARTABLE:
        parser.get_spec(process_id)
        parser.get_subprocess_specs(process_id)
    called = parser.get_subprocess_specs(TOP_LEVEL)
    assert set(called) == set(_all_processes()) - STARTABLE


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_header_is_what_camunda_modeler_writes_for_platform_7(path):
    text = path.read_text(encoding="utf-8")
    root = _tree(path).getroot()
    assert "zeebe" not in text
    assert root.get("exporter") == "Camunda Modeler"
    assert root.get(f"{MODELER}executionPlatform") == "Camunda Platform"
    assert root.get(f"{MODELER}executionPlatformVersion") == "7.24.0"
    for process in root.iterfind("bpmn:process", NS):
        assert process.get(f"{CAMUNDA}historyTimeToLive") == "180"
        assert process.get("isExecutable") == "true"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_element_is_laid_out(path):
    tree = _tree(path)
    shapes = {s.get("bpmnElement"): s for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    plane = tree.find(".//bpmndi:BPMNPlane", NS)
    collaboration = tree.find("bpmn:collaboration", NS)
    assert plane.get("bpmnElement") == collaboration.get("id")
    laid_out = [n.get("id") for n in _flow_nodes(tree)]
    laid_out += [e.get("id") for e in tree.iterfind(".//bpmn:lane", NS)]
    laid_out += [e.get("id") for e in tree.iterfind(".//bpmn:participant", NS)]
    for element_id in laid_out:
        assert element_id in shapes, f"{element_id} has no BPMNShape"
        assert shapes[element_id].find("dc:Bounds", NS) is not None
    for flow in tree.iterfind(".//bpmn:sequenceFlow", NS):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"{flow.get('id')} has no BPMNEdge"
        assert len(edge.findall("di:waypoint", NS)) >= 2


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_shapes_of_flow_nodes_do_not_overlap(path):
    tree = _tree(path)
    boxes = {}
    for node in _flow_nodes(tree):
        if node.tag.endswith("boundaryEvent"):
            continue
        bounds = tree.find(
            f".//bpmndi:BPMNShape[@bpmnElement='{node.get('id')}']/dc:Bounds", NS
        )
        boxes[node.get("id")] = [
            float(bounds.get(k)) for k in ("x", "y", "width", "height")
        ]
    for (a, (ax, ay, aw, ah)), (b, (bx, by, bw, bh)) in itertools.combinations(
        boxes.items(), 2
    ):
        overlap = ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
        assert not overlap, f"{a} and {b} overlap"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_flow_node_is_in_exactly_one_lane(path):
    tree = _tree(path)
    refs = [r.text for r in tree.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(n.get("id") for n in _flow_nodes(tree))
    for lane in tree.iterfind(".//bpmn:lane", NS):
        assert lane.get("id").removeprefix("Lane_") in ROLE_KEYS, lane.get("id")
        assert lane.get("name")


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_user_tasks_name_known_roles_and_sit_in_one_of_their_lanes(path):
    tree = _tree(path)
    lane_of = {
        r.text: r.getparent().get("id")
        for r in tree.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)
    }
    for task in tree.iterfind(".//bpmn:userTask", NS):
        groups = (task.get(f"{CAMUNDA}candidateGroups") or "").split(",")
        assert groups != [""], f"{task.get('id')} has no camunda:candidateGroups"
        assert set(groups) <= ROLE_KEYS, f"{task.get('id')}: unknown role in {groups}"
        assert lane_of[task.get("id")].removeprefix("Lane_") in groups, task.get("id")
        assert task.get("name")
        assert task.find("bpmn:extensionElements/camunda:formData", NS) is not None, (
            task.get("id")
        )


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_form_fields_use_the_contract_types(path):
    tree = _tree(path)
    for field in tree.iterfind(".//camunda:formField", NS):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field.get("id")), field.get("id")
        assert field.get("type") in FORM_TYPES, field.get("id")
        assert field.get("label")
        if field.get("type") == "enum":
            assert field.findall("camunda:value", NS), field.get("id")


def test_a_form_field_id_means_one_kind_of_value_everywhere():
    kinds: dict[str, set[str]] = {}
    for path in BPMN_FILES:
        for field in _tree(path).iterfind(".//camunda:formField", NS):
            properties = {
                p.get("id")
                for p in field.iterfind("camunda:properties/camunda:property", NS)
            }
            kind = field.get("type") + ("+upload" if "upload" in properties else "")
            kinds.setdefault(field.get("id"), set()).add(kind)
    assert {k: v for k, v in kinds.items() if len(v) > 1} == {}


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_service_tasks_are_notifications_with_a_template_and_recipients(path):
    tree = _tree(path)
    for task in tree.iterfind(".//bpmn:serviceTask", NS):
        assert task.get(f"{CAMUNDA}type") == "external", task.get("id")
        assert task.get(f"{CAMUNDA}topic") == "notify", task.get("id")
        params = {
            p.get("name"): (p.text or "").strip()
            for p in task.iterfind(
                "bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter", NS
            )
        }
        template = BPMN_DIR / "templates" / f"{params.get('template')}.txt"
        assert template.is_file(), f"{task.get('id')}: no {template}"
        assert template.read_text(encoding="utf-8").startswith("Subject: ")
        for recipient in params["recipients"].split(","):
            kind, _, key = recipient.partition(":")
            if kind == "role":
                assert key in ROLE_KEYS, recipient
            elif kind == "contact":
                assert key in CONTACT_KEYS, recipient
            elif kind == "completer":
                assert tree.find(f".//bpmn:userTask[@id='{key}']", NS) is not None, (
                    recipient
                )
            else:
                assert recipient == "starter", recipient


def test_every_template_is_used_and_keeps_the_child_out_of_the_subject():
    used = {
        (p.text or "").strip()
        for path in BPMN_FILES
        for p in _tree(path).iterfind(".//camunda:inputParameter[@name='template']", NS)
    }
    templates = {t.stem: t for t in (BPMN_DIR / "templates").glob("*.txt")}
    # the engine's tick sends these two itself (README, "Deadlines and escalation")
    reminders = {"task_due_soon", "task_overdue"}
    assert set(templates) == used | reminders
    for template in templates.values():
        subject, blank, *body = template.read_text(encoding="utf-8").splitlines()
        assert subject.startswith("Subject: ") and blank == "" and body, template.name
        assert "child_" not in subject, template.name


def test_every_called_element_exists():
    processes = _all_processes()
    for path in BPMN_FILES:
        for call in _tree(path).iterfind(".//bpmn:callActivity", NS):
            assert call.get("calledElement") in processes, call.get("id")


def test_startable_processes_carry_starter_groups_and_a_start_form():
    for path in BPMN_FILES:
        for process in _tree(path).iterfind("bpmn:process", NS):
            groups = process.get(f"{CAMUNDA}candidateStarterGroups")
            if process.get("id") in STARTABLE:
                assert groups and set(groups.split(",")) <= ROLE_KEYS
                assert (
                    process.find(
                        "bpmn:startEvent/bpmn:extensionElements/camunda:formData", NS
                    )
                    is not None
                )
            else:
                assert groups is None, process.get("id")


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_message_catchers_say_who_may_send(path):
    tree = _tree(path)
    for definition in tree.iterfind(".//bpmn:messageEventDefinition", NS):
        event = definition.getparent()
        senders = event.find(
            "bpmn:extensionElements/camunda:properties/camunda:property[@name='senderGroups']",
            NS,
        )
        assert senders is not None, event.get("id")
        assert set(senders.get("value").split(",")) <= ROLE_KEYS


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_escalation_timers_do_not_stop_the_work(path):
    tree = _tree(path)
    for event in tree.iterfind(".//bpmn:boundaryEvent", NS):
        assert event.get("cancelActivity") == "false", event.get("id")


# ---------------------------------------------------------------- the SCR criteria table (DMN)
# Input cells are FEEL unary tests (the contract); this small matcher covers what the contract allows.
_RANGE = re.compile(r"^([\[\(\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\]\)\[])$")


def _literal(text: str) -> object:
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    return float(text) if "." in text else int(text)


def _split(text: str) -> list[str]:
    parts, depth, quoted, current = [], 0, False, ""
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _one_test(test: str, value: object) -> bool:
    test = test.strip()
    for operator in ("<=", ">=", "<", ">"):
        if test.startswith(operator):
            bound = _literal(test[len(operator) :])
            return {
                "<=": value <= bound,
                ">=": value >= bound,
                "<": value < bound,
                ">": value > bound,
            }[operator]
    match = _RANGE.match(test)
    if match:
        low, high = _literal(match.group(2)), _literal(match.group(3))
        above = value >= low if match.group(1) == "[" else value > low
        below = value <= high if match.group(4) == "]" else value < high
        return above and below
    return value == _literal(test)


def feel_unary_test(cell: str, value: object) -> bool:
    cell = cell.strip()
    if cell in ("", "-"):
        return True
    if cell.startswith("not(") and cell.endswith(")"):
        return not feel_unary_test(cell[4:-1], value)
    return any(_one_test(part, value) for part in _split(cell))


def _criteria_table():
    tree = _tree(BPMN_DIR / "scr_criteria.dmn")
    table = tree.find(
        ".//dmn:decision[@id='Decision_scr_criteria']/dmn:decisionTable", NS
    )
    inputs = [
        i.find("dmn:inputExpression/dmn:text", NS).text
        for i in table.iterfind("dmn:input", NS)
    ]
    outputs = [o.get("name") for o in table.iterfind("dmn:output", NS)]
    rules = [
        (
            [e.find("dmn:text", NS).text for e in rule.iterfind("dmn:inputEntry", NS)],
            [
                _literal(e.find("dmn:text", NS).text)
                for e in rule.iterfind("dmn:outputEntry", NS)
            ],
        )
        for rule in table.iterfind("dmn:rule", NS)
    ]
    return table.get("hitPolicy"), inputs, outputs, rules


def advise(**facts: object) -> str | None:
    """The advice of the criteria table for these facts (FIRST hit policy)."""
    _, inputs, outputs, rules = _criteria_table()
    for cells, values in rules:
        if all(
            feel_unary_test(cell, facts[name])
            for cell, name in zip(cells, inputs, strict=True)
        ):
            return dict(zip(outputs, values, strict=True))["scr_criteria_advice"]
    return None


def test_criteria_table_shape():
    tree = _tree(BPMN_DIR / "scr_criteria.dmn")
    assert len(tree.findall(".//dmn:decision", NS)) == 1
    hit_policy, inputs, outputs, rules = _criteria_table()
    assert hit_policy == "FIRST"
    assert inputs == [
        "abuse_or_neglect",
        "incident_type",
        "concern_about_joint_working",
        "died_in_custody",
    ]
    assert outputs == ["scr_criteria_advice", "scr_criteria_basis"]
    assert {values[0] for _, values in rules} == {
        "must",
        "should",
        "may",
        "not_required",
    }


@pytest.mark.parametrize(
    ("abuse", "incident", "concern", "custody", "advice"),
    [
        ("known", "death", False, False, "must"),  # 5.2 (a) + (b)(i)
        ("suspected", "death", False, False, "must"),
        ("suspected", "serious_harm", True, False, "must"),  # 5.2 (a) + (b)(ii)
        ("not_suspected", "death", False, True, "should"),  # died in custody
        (
            "known",
            "serious_harm",
            False,
            False,
            "may",
        ),  # 5.2 not met, Board may still commission
        ("not_suspected", "death", False, False, "not_required"),
        ("not_suspected", "serious_harm", True, False, "not_required"),
    ],
)
def test_criteria_table_row(abuse, incident, concern, custody, advice):
    assert (
        advise(
            abuse_or_neglect=abuse,
            incident_type=incident,
            concern_about_joint_working=concern,
            died_in_custody=custody,
        )
        == advice
    )


def test_criteria_table_advises_on_every_combination():
    for facts in itertools.product(
        ("known", "suspected", "not_suspected"),
        ("death", "serious_harm"),
        (True, False),
        (True, False),
    ):
        assert (
            advise(
                **dict(
                    zip(
                        (
                            "abuse_or_neglect",
                            "incident_type",
                            "concern_about_joint_working",
                            "died_in_custody",
                        ),
                        facts,
                        strict=True,
                    )
                )
            )
            is not None
        ), facts


def test_the_committee_decides_not_the_table():
    tree = _tree(BPMN_DIR / "phase_03_committee_recommendation.bpmn")
    conditions = " ".join(
        c.text for c in tree.iterfind(".//bpmn:conditionExpression", NS)
    )
    assert "committee_outcome" in conditions and "scr_criteria_advice" not in conditions


# ---------------------------------------------------------------- bpmnlint (npm)
def test_bpmnlint_passes():
    binary = ROOT / "node_modules" / ".bin" / "bpmnlint"
    if not binary.exists() or shutil.which("node") is None:
        pytest.skip(
            "bpmnlint is not installed: run `npm ci --ignore-scripts` to lint the diagrams here"
        )
    result = subprocess.run(
        [str(binary), *[str(p.relative_to(ROOT)) for p in BPMN_FILES]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
