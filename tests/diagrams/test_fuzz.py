"""2,000 mutated diagrams fed to deploy: each is accepted or refused with DiagramProblems, never a traceback."""

from __future__ import annotations

import random

from lxml import etree

from engine.errors import DiagramInvalid
from engine.process.bundle import parse_bundle
from engine.process.functions import FUNCTIONS
from tests.diagrams.conformance.kit import bpmn
from tests.diagrams.conformance.kit import dmn
from tests.engine.helpers import mini_files

MUTATIONS = 2_000
NASTY = [
    "",
    " ",
    "${",
    "}",
    "${x &&}",
    "((((((((",
    "1e999999",
    "%s%s%s",
    "é",
    "-" * 50,
    "?",
    "[1..",
    "not(",
    "date(",
    '"',
    "${!}",
    "P",
    "R/P1D",
    "a" * 5000,
    "Process_1",
    "Decision_1",
    "empty",
    "x.equals(",
    "__import__('os')",
    "1 if 1 else",
    "[" * 60,
    "${" + "+1" * 3000 + "}",
]


def seeds() -> list[dict[str, bytes]]:
    table = (
        '<decision id="Decision_1" name="D"><decisionTable id="T" hitPolicy="COLLECT" aggregation="SUM">'
        '<input id="In"><inputExpression id="IE" typeRef="integer"><text>amount</text></inputExpression></input>'
        '<output id="O" name="total" typeRef="integer"/>'
        '<rule id="R1"><inputEntry id="I1"><text>[1..10]</text></inputEntry><outputEntry id="E1"><text>5</text></outputEntry></rule>'
        '<rule id="R2"><inputEntry id="I2"><text>not(3)</text></inputEntry><outputEntry id="E2"><text>7</text></outputEntry></rule>'
        "</decisionTable></decision>"
    )
    process = bpmn(
        '<bpmn:startEvent id="S"/><bpmn:businessRuleTask id="Rule" camunda:decisionRef="Decision_1" '
        'camunda:resultVariable="out" camunda:mapDecisionResult="singleEntry"/>'
        '<bpmn:exclusiveGateway id="G" default="f4"/><bpmn:manualTask id="M"/><bpmn:endEvent id="E"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Rule"/><bpmn:sequenceFlow id="f2" sourceRef="Rule" targetRef="G"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="G" targetRef="M"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${out gt 3 &amp;&amp; !done}</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="f4" sourceRef="G" targetRef="E"/><bpmn:sequenceFlow id="f5" sourceRef="M" targetRef="E"/>'
    )
    return [mini_files(), {"p.bpmn": process, "d.dmn": dmn(table, "1.2")}]


def mutate(files: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    files = dict(files)
    name = rng.choice(sorted(n for n in files if n.endswith((".bpmn", ".dmn"))))
    content = files[name]
    kind = rng.randrange(6)
    try:
        etree.fromstring(content)
    except (etree.XMLSyntaxError, ValueError):
        kind = 0  # already broken: keep breaking the bytes
    if kind == 0:  # raw bytes: cut, flip, or re-encode
        choice = rng.randrange(3)
        if choice == 0:
            content = content[: rng.randrange(len(content))]
        elif choice == 1:
            index = rng.randrange(len(content))
            content = (
                content[:index] + bytes([rng.randrange(256)]) + content[index + 1 :]
            )
        else:
            encoding = rng.choice(["utf-16", "utf-16-le", "latin-1", "utf-8-sig"])
            content = content.decode("utf-8", "replace").encode(encoding, "replace")
    else:
        root = etree.fromstring(content)
        nodes = [n for n in root.iter() if isinstance(n.tag, str)]
        node = rng.choice(nodes)
        if kind == 1 and node.getparent() is not None:
            node.getparent().remove(node)
        elif kind == 2 and node.attrib:
            node.set(rng.choice(list(node.attrib)), rng.choice(NASTY))
        elif kind == 3:
            node.text = rng.choice(NASTY)
        elif kind == 4 and node.getparent() is not None:
            node.getparent().append(etree.fromstring(etree.tostring(rng.choice(nodes))))
        else:
            victim = rng.choice(nodes)
            for attribute in list(victim.attrib):
                if rng.random() < 0.5:
                    del victim.attrib[attribute]
        content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    files[name] = content
    return files


def test_mutated_diagrams_are_accepted_or_refused_never_a_traceback():
    rng = random.Random(14)
    bases = seeds()
    outcomes = {"accepted": 0, "refused": 0}
    tracebacks: list[str] = []
    for number in range(MUTATIONS):
        files = bases[number % len(bases)]
        for _ in range(rng.randint(1, 3)):
            files = mutate(files, rng)
        try:
            parse_bundle(files, FUNCTIONS, None, None)
            outcomes["accepted"] += 1
        except DiagramInvalid as err:
            assert err.problems and all(p.message for p in err.problems)
            outcomes["refused"] += 1
        except Exception as err:  # noqa: BLE001 - collected, so the report shows every kind at once
            tracebacks.append(f"mutation {number}: {type(err).__name__}: {err}"[:300])
    assert tracebacks == [], "\n".join(tracebacks[:20])
    assert outcomes["accepted"] > 50 and outcomes["refused"] > 500, outcomes
