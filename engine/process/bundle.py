"""A deployment bundle: the set of diagram and template files, validated and parsed once.

A bundle is identified by the hash of its content, so deploying identical files again is recognisable
and a parsed bundle can be cached per process without ever going stale.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from engine.errors import DiagramInvalid
from engine.errors import DiagramProblem
from engine.process import parser as specs
from engine.process import xml as xmlsafety
from engine.process.lint import Linter

MAX_BUNDLE_BYTES = 20_000_000
MAX_FILES = 300
DIAGRAM_SUFFIXES = (".bpmn", ".dmn")
TEMPLATE_SUFFIX = ".txt"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class ParsedBundle:
    content_hash: str
    files: Mapping[str, bytes]
    processes: Mapping[str, specs.ProcessEntry]
    # process id -> (file name, process name), for showing a process's diagram without re-reading files
    diagram_of: Mapping[str, tuple[str, str]]


def content_hash(files: Mapping[str, bytes]) -> str:
    """SHA-256 over the sorted file names and their contents' hashes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def normalise_name(name: str) -> str | None:
    """A safe relative POSIX path, or None if the name tries to leave the bundle."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return str(path)


def parse_bundle(
    files: Mapping[str, bytes],
    functions: Mapping[str, Callable[..., Any]],
    topics: Mapping[str, Any] | None,
    known_roles: frozenset[str] | None = None,
) -> ParsedBundle:
    """Validate and parse every file; raise DiagramInvalid listing every problem found."""
    problems: list[DiagramProblem] = []
    clean = _checked_files(files, problems)
    bpmn_roots: dict[str, etree._Element] = {}
    dmn_roots: dict[str, etree._Element] = {}
    for name, content in list(clean.items()):
        if not name.endswith(DIAGRAM_SUFFIXES):
            continue
        try:
            clean[name] = xmlsafety.to_utf8(content)  # stored and shown as UTF-8
            root = xmlsafety.parse_xml(clean[name])
        except xmlsafety.UnsafeXml as err:
            problems.append(DiagramProblem(name, str(err), line=err.line))
            continue
        problems.extend(_schema_problems(name, root))
        (bpmn_roots if name.endswith(".bpmn") else dmn_roots)[name] = root
    if not bpmn_roots and not problems:
        problems.append(DiagramProblem("(bundle)", "there is no .bpmn file to deploy"))
    process_ids = {
        p.get("id")
        for root in bpmn_roots.values()
        for p in root.iterfind(f"{{{BPMN_NS}}}process")
        if p.get("id")
    }
    decisions = {
        d.get("id")
        for root in dmn_roots.values()
        for d in root.iterfind("{*}decision")
        if d.get("id")
    }
    linter = Linter(functions, topics, known_roles, clean)
    linter.learn_variables(bpmn_roots.values())
    for name, root in bpmn_roots.items():
        linter.bpmn_file(name, root, process_ids, decisions)
    for name, root in dmn_roots.items():
        linter.dmn_file(name, root)
    problems.extend(linter.problems)
    if problems:
        raise DiagramInvalid(problems)
    processes, spiff_problems = specs.parse_processes(bpmn_roots, dmn_roots)
    if spiff_problems:
        raise DiagramInvalid(
            [
                DiagramProblem(f, m, element_id=i, element_name=n)
                for f, i, n, m in spiff_problems
            ]
        )
    diagram_of = {
        p.get("id"): (name, p.get("name") or p.get("id"))
        for name, root in bpmn_roots.items()
        for p in root.iterfind(f"{{{BPMN_NS}}}process")
    }
    return ParsedBundle(content_hash(clean), clean, processes, diagram_of)


def _checked_files(
    files: Mapping[str, bytes], problems: list[DiagramProblem]
) -> dict[str, bytes]:
    if len(files) > MAX_FILES:
        problems.append(
            DiagramProblem("(bundle)", f"{len(files)} files; the limit is {MAX_FILES}")
        )
    if sum(len(c) for c in files.values()) > MAX_BUNDLE_BYTES:
        problems.append(
            DiagramProblem(
                "(bundle)", f"the files add up to more than {MAX_BUNDLE_BYTES:,} bytes"
            )
        )
    clean: dict[str, bytes] = {}
    for raw_name, content in files.items():
        name = normalise_name(raw_name)
        if name is None:
            problems.append(
                DiagramProblem(
                    raw_name, "the file name must be a relative path inside the bundle"
                )
            )
        elif not name.endswith((*DIAGRAM_SUFFIXES, TEMPLATE_SUFFIX)):
            problems.append(
                DiagramProblem(
                    name,
                    "only .bpmn and .dmn diagrams and .txt message templates can be deployed",
                )
            )
        else:
            clean[name] = content
    return clean


_VALIDATORS: dict[str, Any] = {}


def _schema_problems(name: str, root: etree._Element) -> list[DiagramProblem]:
    """Check a file against the OMG BPMN 2.0 or DMN XSD that SpiffWorkflow ships; every error listed."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
    from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS

    namespace = etree.QName(root).namespace or ""
    key = "bpmn" if name.endswith(".bpmn") else namespace
    if key not in _VALIDATORS:
        if key == "bpmn":
            _VALIDATORS[key] = BpmnValidator()
        elif key in SCHEMAS:
            try:
                _VALIDATORS[key] = BpmnValidator(SCHEMAS[key])
            except etree.XMLSchemaParseError:
                # SpiffWorkflow's DMN 1.2 XSD does not compile (it refers to a DMNDI schema it does
                # not ship); engine.process.dmn checks those files' structure itself.
                _VALIDATORS[key] = None
        else:
            return [
                DiagramProblem(
                    name,
                    f"unknown DMN namespace {namespace!r}; save it with Camunda Modeler 5",
                )
            ]
    if _VALIDATORS[key] is None:
        return []
    schema = _VALIDATORS[key].validator
    if schema.validate(root):
        return []
    return [DiagramProblem(name, e.message, line=e.line) for e in schema.error_log]


class BundleCache:
    """Parsed bundles by content hash, least recently used dropped first. Bundles never change."""

    def __init__(self, size: int = 16) -> None:
        self._items: OrderedDict[str, ParsedBundle] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> ParsedBundle | None:
        with self._lock:
            bundle = self._items.get(key)
            if bundle is not None:
                self._items.move_to_end(key)
            return bundle

    def put(self, bundle: ParsedBundle) -> None:
        with self._lock:
            self._items[bundle.content_hash] = bundle
            self._items.move_to_end(bundle.content_hash)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
