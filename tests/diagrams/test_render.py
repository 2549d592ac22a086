"""Every diagram opens with its layout: bpmn-js draws it in Debian's Chromium, with a shape per flow node.

bpmn-js is the renderer Camunda Modeler is built on, so a diagram it imports without warnings and
draws completely opens in the Modeler too. A screenshot of each diagram is saved (to
$SCR_DIAGRAM_SCREENSHOTS, or a temporary folder) for a person to look at.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
BPMN_FILES = sorted((ROOT / "bpmn").glob("*.bpmn"))
BPMN_JS = ROOT / "node_modules" / "bpmn-js" / "dist"
MODEL = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NOT_FLOW_NODES = {
    "laneSet",
    "lane",
    "sequenceFlow",
    "extensionElements",
    "documentation",
    "incoming",
    "outgoing",
}
NOT_FLOW_NODES |= {"textAnnotation", "association", "dataObject", "dataObjectReference"}

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="assets/diagram-js.css">
<link rel="stylesheet" href="assets/bpmn-js.css">
<link rel="stylesheet" href="assets/bpmn-font/css/bpmn.css">
<style>html, body, #canvas { margin: 0; width: 100%; height: 100%; background: white; }</style>
</head><body><div id="canvas"></div>
<script src="bpmn-navigated-viewer.production.min.js"></script>
<script>window.viewer = new BpmnJS({ container: "#canvas" });</script>
</body></html>
"""

DRAW = """async (xml) => {
  const { warnings } = await window.viewer.importXML(xml);
  const canvas = window.viewer.get("canvas");
  canvas.zoom("fit-viewport", "auto");
  const registry = window.viewer.get("elementRegistry");
  const drawn = registry.filter(
    (e) => e.type !== "label" && e.businessObject && e.businessObject.$instanceOf("bpmn:FlowNode")
      && registry.getGraphics(e) && e.width > 0 && e.height > 0
  ).map((e) => e.id);
  const flows = registry.filter(
    (e) => e.type === "bpmn:SequenceFlow" && e.waypoints && e.waypoints.length >= 2
  ).map((e) => e.id);
  return { warnings: warnings.map((w) => w.message), drawn, flows };
}"""


def _flow_nodes(path: Path) -> tuple[set[str], set[str]]:
    """The ids of every flow node and every sequence flow of the file's processes and sub-processes."""
    root = etree.parse(str(path)).getroot()
    nodes, flows = set(), set()
    containers = [*root.iter(f"{MODEL}process")]
    while containers:
        for element in containers.pop():
            tag = etree.QName(element).localname
            if tag == "sequenceFlow":
                flows.add(element.get("id"))
            elif tag not in NOT_FLOW_NODES:
                nodes.add(element.get("id"))
                if tag == "subProcess":
                    containers.append(element)
    return nodes, flows


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def viewer_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A tiny page with the bpmn-js viewer, served from a temp folder on 127.0.0.1."""
    if not (BPMN_JS / "bpmn-navigated-viewer.production.min.js").is_file():
        pytest.skip("node_modules/bpmn-js is missing: run `npm ci --ignore-scripts`")
    folder = tmp_path_factory.mktemp("bpmn-viewer")
    shutil.copy(BPMN_JS / "bpmn-navigated-viewer.production.min.js", folder)
    shutil.copytree(BPMN_JS / "assets", folder / "assets")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/index.html"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("SCR_DIAGRAM_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("diagram-screenshots")


@pytest.mark.browser
@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_diagram_opens_with_every_flow_node_and_flow_drawn(
    path: Path, viewer_url: str, chromium: Any, screenshots: Path
):
    page = chromium.new_page(viewport={"width": 1800, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(viewer_url)
        result = page.evaluate(DRAW, path.read_text(encoding="utf-8"))
        page.screenshot(path=str(screenshots / f"{path.stem}.png"))
    finally:
        page.close()
    nodes, flows = _flow_nodes(path)
    assert (result["warnings"], errors) == ([], [])
    assert nodes and set(result["drawn"]) == nodes, sorted(nodes ^ set(result["drawn"]))
    assert set(result["flows"]) == flows, sorted(flows ^ set(result["flows"]))
