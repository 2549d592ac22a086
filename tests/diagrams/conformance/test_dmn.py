"""DMN as Camunda 7 evaluates it. Each test cites the Camunda 7 user guide (docs.camunda.org/manual/7.24,
"DMN Engine" and "BPMN 2.0 > Tasks > Business Rule Task") or, where Camunda defers to it, the DMN 1.3 spec."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from engine.errors import WorkflowFailed
from tests.diagrams.conformance.kit import Run
from tests.diagrams.conformance.kit import bpmn
from tests.diagrams.conformance.kit import dmn
from tests.diagrams.conformance.kit import refusals

AMOUNTS = [
    ("> 0", 50),
    ("> 0", 50),
    ("> 10", 100),
    ("> 20", 40),
    ("> 30", 50),
    ("> 40", 0),
]


def table(
    policy: str,
    rows: list[tuple[str, object]],
    aggregation: str = "",
    decision_id: str = "Decision_1",
    extra: str = "",
    output_values: str = "",
) -> str:
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    allowed = (
        f"<outputValues><text>{output_values}</text></outputValues>"
        if output_values
        else ""
    )
    rules = "".join(
        f'<rule id="R{i}"><inputEntry id="I{i}"><text>{escape(cell)}</text></inputEntry>'
        f'<outputEntry id="O{i}"><text>{value!r}</text></outputEntry></rule>'.replace(
            "'", '"'
        )
        for i, (cell, value) in enumerate(rows)
    )
    return (
        f'<decision id="{decision_id}" name="D">{extra}<decisionTable id="T_{decision_id}" hitPolicy="{policy}"{agg}>'
        '<input id="In"><inputExpression id="IE" typeRef="integer"><text>amount</text></inputExpression></input>'
        f'<output id="Out" name="result" typeRef="integer">{allowed}</output>{rules}</decisionTable></decision>'
    )


def decide(
    dmn_body: str,
    version: str = "1.3",
    result_variable: str | None = "out",
    mapping: str | None = None,
    decision: str = "Decision_1",
    **data: object,
) -> object:
    attributes = f'camunda:decisionRef="{decision}"'
    if result_variable:
        attributes += f' camunda:resultVariable="{result_variable}"'
    if mapping:
        attributes += f' camunda:mapDecisionResult="{mapping}"'
    process = bpmn(
        f'<bpmn:startEvent id="S"/><bpmn:businessRuleTask id="Rule" {attributes}/><bpmn:endEvent id="E"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Rule"/><bpmn:sequenceFlow id="f2" sourceRef="Rule" targetRef="E"/>'
    )
    run = Run({"p.bpmn": process, "d.dmn": dmn(dmn_body, version)}, **data)
    return run.data.get(result_variable) if result_variable else run.data


@pytest.mark.parametrize(
    ("policy", "aggregation", "mapping", "expected"),
    [
        ("FIRST", "", "singleEntry", 50),
        ("RULE ORDER", "", "collectEntries", [50, 50, 100, 40, 50, 0]),
        ("COLLECT", "", "collectEntries", [50, 50, 100, 40, 50, 0]),
        ("COLLECT", "SUM", "singleEntry", 290),
        ("COLLECT", "MIN", "singleEntry", 0),
        ("COLLECT", "MAX", "singleEntry", 100),
        ("COLLECT", "COUNT", "singleEntry", 6),
    ],
)
def test_hit_policies_give_camundas_results(policy, aggregation, mapping, expected):
    """User guide, DMN Engine > Decision Table > Hit Policy: FIRST gives the first match; RULE ORDER and
    COLLECT every match (in rule order); COLLECT with SUM/MIN/MAX/COUNT one aggregated value."""
    body = table(policy, AMOUNTS, aggregation)
    assert decide(body, mapping=mapping, amount=50) == expected


def test_unique_with_two_matches_stops_the_case_as_an_incident():
    """Hit Policy > Unique: "if more than one rule is satisfied, the Unique hit policy is violated"."""
    with pytest.raises(WorkflowFailed, match="UNIQUE but 2 rules matched"):
        decide(table("UNIQUE", [("> 0", 1), ("> 10", 2)]), amount=50)
    assert decide(table("UNIQUE", [("> 0", 1), ("> 100", 2)]), amount=50) == 1


def test_any_needs_equal_outputs():
    """Hit Policy > Any: several rules may match if their outputs are equal; otherwise it is violated."""
    assert decide(table("ANY", [("> 0", 7), ("> 10", 7)]), amount=50) == 7
    with pytest.raises(WorkflowFailed, match="ANY"):
        decide(table("ANY", [("> 0", 7), ("> 10", 8)]), amount=50)


def test_priority_and_output_order_follow_the_allowed_values():
    """DMN 1.3 §8.2.11 (Camunda 7 defers to it): PRIORITY gives the match whose output comes first in the
    output's allowed values; OUTPUT ORDER gives every match in that order."""
    rows = [("> 0", 1), ("> 10", 3), ("> 20", 2)]
    assert decide(table("PRIORITY", rows, output_values="3,2,1"), amount=50) == 3
    assert decide(
        table("OUTPUT ORDER", rows, output_values="3,2,1"),
        mapping="collectEntries",
        amount=50,
    ) == [3, 2, 1]
    [problem] = refusals(
        {"p.bpmn": _rule_process(), "d.dmn": dmn(table("PRIORITY", rows))}
    )
    assert "needs the allowed output values" in problem


def _rule_process() -> bytes:
    return bpmn(
        '<bpmn:startEvent id="S"/><bpmn:businessRuleTask id="Rule" camunda:decisionRef="Decision_1"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Rule"/>'
    )


@pytest.mark.parametrize("version", ["1.1", "1.2", "1.3"])
def test_dmn_1_1_1_2_and_1_3_files_run(version):
    """User guide, DMN Engine > "The Camunda DMN engine supports DMN 1.3" and reads 1.1/1.2 files."""
    assert (
        decide(table("FIRST", [("< 10", 1), (">= 10", 2)]), version=version, amount=50)
        == 2
    )


def test_several_decisions_in_one_file_with_a_required_decision():
    """DMN Engine > Decision Requirements Graph: required decisions are evaluated first and their outputs
    are available to the dependent decision by output name."""
    risk = table("FIRST", [("> 40", 3), ("-", 1)], decision_id="Decision_risk")
    final = (
        '<decision id="Decision_1" name="Final"><informationRequirement id="IR">'
        '<requiredDecision href="#Decision_risk"/></informationRequirement>'
        '<decisionTable id="T_final"><input id="In2"><inputExpression id="IE2" typeRef="integer">'
        "<text>result</text></inputExpression></input>"
        '<output id="Out2" name="level" typeRef="string"/>'
        '<rule id="F1"><inputEntry id="FI1"><text>&gt;= 3</text></inputEntry><outputEntry id="FO1"><text>"high"</text></outputEntry></rule>'
        '<rule id="F2"><inputEntry id="FI2"><text>&lt; 3</text></inputEntry><outputEntry id="FO2"><text>"low"</text></outputEntry></rule>'
        "</decisionTable></decision>"
    )
    assert decide(risk + final, amount=50) == "high"
    assert decide(risk + final, amount=5) == "low"


def test_literal_expression_decision():
    """DMN Engine > Decision Literal Expression: the result is one entry named by the variable."""
    body = (
        '<decision id="Decision_1" name="Fee"><variable id="V" name="fee" typeRef="integer"/>'
        '<literalExpression id="L"><text>amount * 2</text></literalExpression></decision>'
    )
    assert decide(body, amount=21) == 42


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ("singleEntry", "a"),
        ("singleResult", {"first": "a", "second": 1}),
        ("collectEntries", None),
        ("resultList", [{"first": "a", "second": 1}]),
    ],
)
def test_result_variable_and_map_decision_result(mapping, expected):
    """Business Rule Task > Map Decision Result: singleEntry (the value), singleResult (the map),
    collectEntries (values of one output), resultList (list of maps)."""
    outputs = '<output id="O1" name="first" typeRef="string"/>'
    cells = '<outputEntry id="E1"><text>"a"</text></outputEntry>'
    if mapping != "singleEntry":
        outputs += '<output id="O2" name="second" typeRef="integer"/>'
        cells += '<outputEntry id="E2"><text>1</text></outputEntry>'
    body = (
        '<decision id="Decision_1" name="D"><decisionTable id="T"><input id="In"><inputExpression id="IE">'
        f"<text>amount</text></inputExpression></input>{outputs}"
        f'<rule id="R"><inputEntry id="I"><text>-</text></inputEntry>{cells}</rule></decisionTable></decision>'
    )
    if mapping == "collectEntries":
        with pytest.raises(
            WorkflowFailed, match="collectEntries needs results with one output"
        ):
            decide(body, mapping=mapping, amount=1)
        return
    assert decide(body, mapping=mapping, amount=1) == expected


@pytest.mark.parametrize(
    ("cell", "value", "matches"),
    [
        ("[1..10]", 10, True),
        ("]1..10[", 10, False),
        ("(1..10]", 1, False),
        ("not(5)", 4, True),
        ("not(5)", 5, False),
        ("1,2,3", 2, True),
        ('"a","b"', "c", False),
        ('not("a","b")', "c", True),
        ('< date("2026-04-01")', "2026-03-27", True),
        ('[date("2026-01-01")..date("2026-12-31")]', "2027-01-01", False),
        ('> duration("P1D")', 'duration("PT36H")', True),
    ],
)
def test_feel_unary_tests(cell, value, matches):
    """DMN Engine > FEEL > Unary tests (Camunda 7 "FEEL Language Elements"): comparison, ranges with open
    and closed ends, lists, not(...), dates and durations."""
    expression = "value" if not str(value).startswith("duration(") else str(value)
    body = (
        '<decision id="Decision_1" name="D"><decisionTable id="T" hitPolicy="FIRST"><input id="In"><inputExpression id="IE">'
        f"<text>{expression}</text></inputExpression></input>"
        '<output id="O" name="hit" typeRef="boolean"/>'
        f'<rule id="R1"><inputEntry id="I1"><text>{escape(cell)}</text></inputEntry><outputEntry id="E1"><text>true</text></outputEntry></rule>'
        '<rule id="R2"><inputEntry id="I2"><text>-</text></inputEntry><outputEntry id="E2"><text>false</text></outputEntry></rule>'
        "</decisionTable></decision>"
    )
    assert decide(body, value=value) is matches


def test_a_decision_without_an_id_is_refused():
    """DMN 1.3 §6.3.2: a decision is identified by its id; Camunda refuses the file at deployment."""
    body = table("FIRST", [("-", 1)]).replace('id="Decision_1" ', "")
    found = refusals({"p.bpmn": _rule_process(), "d.dmn": dmn(body)})
    assert any("a decision has no id" in p for p in found), found


def test_outputs_are_set_by_name_without_a_result_variable():
    """Our convention (not Camunda's, which keeps nothing without camunda:resultVariable): a single
    result's outputs become variables by output name, as our diagrams have always read them."""
    data = decide(table("FIRST", [("-", 9)]), result_variable=None, amount=1)
    assert data["result"] == 9
