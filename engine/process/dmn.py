"""DMN decisions as Camunda 7 evaluates them: our own reading and evaluation of DMN 1.1, 1.2 and 1.3 files.

SpiffWorkflow 3.2 reads one decision table per file and treats every hit policy but COLLECT as FIRST
(RULE ORDER returned one value; COLLECT SUM returned the list). This module reads every decision of a
file (tables and literal expressions, with their required decisions) and evaluates them with the hit
policies of the Camunda 7 user guide ("DMN Engine" > "Decision Table" > "Hit Policy"): UNIQUE, FIRST, ANY,
RULE ORDER, COLLECT and COLLECT with SUM / MIN / MAX / COUNT; PRIORITY and OUTPUT ORDER as DMN 1.3 §8.2.11
defines them (by the order of the output's allowed values). Cells are FEEL unary tests (engine.process.feel)
and expressions of our restricted language (engine.process.expressions).

`DecisionEngine` is what a SpiffWorkflow BusinessRuleTask calls; it applies camunda:resultVariable and
camunda:mapDecisionResult (user guide, "Business Rule Task" > "Map Decision Result").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.process import expressions
from engine.process import feel

HIT_POLICIES = (
    "UNIQUE",
    "FIRST",
    "PRIORITY",
    "ANY",
    "COLLECT",
    "RULE ORDER",
    "OUTPUT ORDER",
)
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")
INPUT_NAME = "dmn_input"
_QUESTION = re.compile(r"\"[^\"]*\"|'[^']*'|\?")


class DecisionError(ValueError):
    """A decision that cannot give a result the way it is written (e.g. UNIQUE with two matches)."""


@dataclass(frozen=True)
class Table:
    hit_policy: str
    aggregation: str | None
    inputs: tuple[str, ...]  # input expressions
    outputs: tuple[str, ...]  # output names
    priorities: tuple[
        tuple[str, ...], ...
    ]  # allowed values of each output, in priority order
    rules: tuple[tuple[str, tuple[str | None, ...], tuple[str | None, ...]], ...]


@dataclass(frozen=True)
class Decision:
    id: str
    name: str
    required: tuple[str, ...]
    table: Table | None
    literal: tuple[str, str] | None  # (variable name, expression)


@dataclass(frozen=True)
class Problem:
    line: int | None
    element_id: str | None
    message: str


def read_decisions(root: etree._Element) -> tuple[dict[str, Decision], list[Problem]]:
    """Every decision of a DMN file, and the problems that make any of them impossible to run."""
    decisions: dict[str, Decision] = {}
    problems: list[Problem] = []
    found = [d for d in root if isinstance(d.tag, str) and _local(d) == "decision"]
    if not found:
        problems.append(
            Problem(root.sourceline, root.get("id"), "the file has no decision")
        )
    for node in found:
        decision_id = node.get("id")
        if not decision_id:
            problems.append(
                Problem(
                    node.sourceline,
                    None,
                    "a decision has no id; give it one in Camunda Modeler",
                )
            )
            continue
        if decision_id in decisions:
            problems.append(
                Problem(node.sourceline, decision_id, "two decisions have this id")
            )
        decision = _read_decision(node, decision_id, problems)
        if decision is not None:
            decisions[decision_id] = decision
    for decision in decisions.values():
        for required in decision.required:
            if required not in decisions:
                problems.append(
                    Problem(
                        None,
                        decision.id,
                        f"requires decision {required!r}, which is not in this file",
                    )
                )
    return decisions, problems


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _child(node: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in node if isinstance(c.tag, str) and _local(c) == name), None)


def _children(node: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str) and _local(c) == name]


def _text(node: etree._Element | None) -> str | None:
    if node is None:
        return None
    text = _child(node, "text")
    return text.text if text is not None else None


def _read_decision(
    node: etree._Element, decision_id: str, problems: list[Problem]
) -> Decision | None:
    required = tuple(
        (ref.get("href") or "").lstrip("#")
        for requirement in _children(node, "informationRequirement")
        for ref in _children(requirement, "requiredDecision")
    )
    name = node.get("name") or decision_id
    table_node = _child(node, "decisionTable")
    literal_node = _child(node, "literalExpression")
    if literal_node is not None:
        variable = _child(node, "variable")
        var_name = variable.get("name") if variable is not None else None
        text = _text(literal_node)
        if not var_name or not (text or "").strip():
            problems.append(
                Problem(
                    literal_node.sourceline,
                    decision_id,
                    "a literal-expression decision needs a variable name and an expression",
                )
            )
            return None
        return Decision(decision_id, name, required, None, (var_name, text or ""))
    if table_node is None:
        problems.append(
            Problem(
                node.sourceline,
                decision_id,
                "the decision has neither a decision table nor a literal expression",
            )
        )
        return None
    table = _read_table(table_node, decision_id, problems)
    return Decision(decision_id, name, required, table, None) if table else None


def _read_table(
    node: etree._Element, decision_id: str, problems: list[Problem]
) -> Table | None:
    """One decision table; its structure checked as Camunda's DMN engine checks it when deploying."""
    before = len(problems)
    policy = (node.get("hitPolicy") or "UNIQUE").upper().replace("_", " ")
    aggregation = (node.get("aggregation") or "").upper() or None
    line = node.sourceline

    def refuse(message: str) -> None:
        problems.append(Problem(line, decision_id, message))

    if policy not in HIT_POLICIES:
        refuse(f"unknown hit policy {policy!r}; use one of {', '.join(HIT_POLICIES)}")
    if aggregation and (aggregation not in AGGREGATIONS or policy != "COLLECT"):
        refuse(
            f"aggregation {aggregation} is only possible with hit policy COLLECT (SUM, MIN, MAX, COUNT)"
        )
    inputs = tuple(
        _text(_child(i, "inputExpression")) or "" for i in _children(node, "input")
    )
    outputs = tuple(o.get("name") or "" for o in _children(node, "output"))
    if not outputs or not all(outputs) and len(outputs) > 1:
        refuse("every output of a table with several outputs needs a name")
    if aggregation and len(outputs) != 1:
        refuse(
            "a COLLECT table with an aggregation must have exactly one output (Camunda 7 refuses it too)"
        )
    priorities = tuple(
        tuple(feel.split_top_level(_text(_child(o, "outputValues")) or ""))
        for o in _children(node, "output")
    )
    if policy in ("PRIORITY", "OUTPUT ORDER") and not any(
        p and p[0] for p in priorities
    ):
        refuse(
            f"hit policy {policy} needs the allowed output values (in priority order) on an output"
        )
    rules = []
    for rule in _children(node, "rule"):
        cells_in = tuple(_text(e) for e in _children(rule, "inputEntry"))
        cells_out = tuple(_text(e) for e in _children(rule, "outputEntry"))
        if len(cells_in) != len(inputs) or len(cells_out) != len(outputs):
            problems.append(
                Problem(
                    rule.sourceline,
                    rule.get("id") or decision_id,
                    f"the rule has {len(cells_in)} input and {len(cells_out)} output cells; "
                    f"the table has {len(inputs)} inputs and {len(outputs)} outputs",
                )
            )
            continue
        rules.append((rule.get("id") or "", cells_in, cells_out))
    if len(problems) > before:
        return None
    return Table(
        policy, aggregation, inputs, outputs or ("",), priorities, tuple(rules)
    )


def input_test(cell: str | None) -> str | None:
    """A FEEL unary-test cell as an expression over `dmn_input`; None matches anything."""
    translated = feel.unary_test_to_expression(cell)
    if translated is None:
        return None
    return _QUESTION.sub(
        lambda m: INPUT_NAME if m.group() == "?" else m.group(), translated
    )


Functions = Mapping[str, Callable[..., Any]]


def evaluate(
    decision_id: str,
    decisions: Mapping[str, Decision],
    data: Mapping[str, Any],
    functions: Functions,
    seen: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The decision's result: one dict (output name → value) per matched rule, as Camunda's DmnDecisionResult."""
    if decision_id in seen:
        raise DecisionError(
            f"decision {decision_id!r} requires itself (through {' → '.join(seen)})"
        )
    decision = decisions[decision_id]
    context = dict(data)
    for required in decision.required:
        results = evaluate(required, decisions, data, functions, (*seen, decision_id))
        context.update(_as_variables(results))
    if decision.literal is not None:
        name, text = decision.literal
        return [{name: expressions.evaluate(text, context, functions)}]
    assert decision.table is not None
    return _evaluate_table(decision.table, context, functions)


def _as_variables(results: list[dict[str, Any]]) -> dict[str, Any]:
    """A required decision's outputs as variables: values of a single result, else lists of values."""
    if len(results) == 1:
        return dict(results[0])
    merged: dict[str, Any] = {}
    for result in results:
        for key, value in result.items():
            merged.setdefault(key, []).append(value)
    return merged


def _evaluate_table(
    table: Table, context: dict[str, Any], functions: Functions
) -> list[dict[str, Any]]:
    values = [
        expressions.evaluate(e, context, functions) if e.strip() else None
        for e in table.inputs
    ]
    matched = []
    for rule_id, cells_in, cells_out in table.rules:
        if all(
            _matches(cell, value, context, functions)
            for cell, value in zip(cells_in, values, strict=True)
        ):
            output = {
                name: expressions.evaluate(cell, context, functions)
                if (cell or "").strip()
                else None
                for name, cell in zip(table.outputs, cells_out, strict=True)
            }
            matched.append((rule_id, output))
            if table.hit_policy == "FIRST":
                break
    return _apply_hit_policy(table, matched)


def _matches(
    cell: str | None, value: Any, context: dict[str, Any], functions: Functions
) -> bool:
    test = input_test(cell)
    if test is None:
        return True
    return bool(expressions.evaluate(test, {**context, INPUT_NAME: value}, functions))


def _apply_hit_policy(
    table: Table, matched: list[tuple[str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    policy = table.hit_policy
    outputs = [o for _, o in matched]
    if policy == "UNIQUE" and len(matched) > 1:
        raise DecisionError(
            f"hit policy UNIQUE but {len(matched)} rules matched ({', '.join(r for r, _ in matched)})"
        )
    if policy == "ANY" and any(o != outputs[0] for o in outputs):
        raise DecisionError(
            "hit policy ANY but the matching rules give different outputs"
        )
    if policy in ("UNIQUE", "FIRST", "ANY"):
        return outputs[:1]
    if policy in ("PRIORITY", "OUTPUT ORDER"):
        ordered = sorted(outputs, key=lambda o: _priority(table, o))
        return ordered[:1] if policy == "PRIORITY" else ordered
    if policy == "COLLECT" and table.aggregation:
        return _aggregate(table, outputs)
    return outputs  # COLLECT, RULE ORDER: every match in rule order


def _priority(table: Table, output: dict[str, Any]) -> tuple[int, ...]:
    key = []
    for name, allowed in zip(table.outputs, table.priorities, strict=True):
        literals = [expressions.evaluate(a, {}, {}) if a else None for a in allowed]
        value = output.get(name)
        key.append(literals.index(value) if value in literals else len(literals))
    return tuple(key)


def _aggregate(table: Table, outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    name = table.outputs[0]
    values = [o[name] for o in outputs if o.get(name) is not None]
    if table.aggregation == "COUNT":
        return [{name: len(values)}]
    if not values:
        return []
    if (
        any(isinstance(v, bool) or not isinstance(v, int | float) for v in values)
        and table.aggregation == "SUM"
    ):
        raise DecisionError("COLLECT SUM needs numbers in the output")
    function = {"SUM": sum, "MIN": min, "MAX": max}[table.aggregation or "SUM"]
    try:
        return [{name: function(values)}]
    except TypeError:
        raise DecisionError(
            f"COLLECT {table.aggregation} cannot compare the outputs {values!r}"
        ) from None


def map_result(results: list[dict[str, Any]], mapping: str) -> Any:
    """camunda:mapDecisionResult applied to a decision result (Camunda 7 user guide, Business Rule Task)."""
    if mapping == "resultList":
        return [dict(r) for r in results]
    if mapping == "collectEntries":
        if any(len(r) > 1 for r in results):
            raise DecisionError("collectEntries needs results with one output each")
        return [next(iter(r.values())) for r in results]
    if len(results) > 1:
        raise DecisionError(
            f"{mapping} needs at most one matching rule; {len(results)} matched"
        )
    if mapping == "singleResult":
        return dict(results[0]) if results else None
    if results and len(results[0]) > 1:
        raise DecisionError(
            "singleEntry needs one output; use singleResult or resultList"
        )
    return next(iter(results[0].values())) if results else None


@dataclass(frozen=True)
class DecisionCall:
    decision_id: str
    result_variable: str | None
    mapping: str


def describe(decisions: Mapping[str, Decision], call: DecisionCall) -> str:
    """The decisions and the call as JSON, so a changed table makes a changed task spec (migration diff)."""
    return json.dumps(
        {
            "call": asdict(call),
            "decisions": {k: asdict(v) for k, v in sorted(decisions.items())},
        },
        sort_keys=True,
    )


def result_for_task(
    decisions: Mapping[str, Decision],
    call: DecisionCall,
    data: dict[str, Any],
    functions: Functions,
) -> dict[str, Any]:
    """The variables the task sets: {resultVariable: mapped result}, or (without one) the outputs merged.

    Without camunda:resultVariable Camunda 7 keeps nothing; our diagrams have always read the outputs
    by name, so a single result's outputs are set as variables (several results: a list per output).
    """
    results = evaluate(call.decision_id, decisions, data, functions)
    if call.result_variable:
        return {call.result_variable: map_result(results, call.mapping)}
    return _as_variables(results) if results else {}
