// Draws diagrams with the bpmn-js navigated viewer and marks elements on them: done and active steps
// on a case's diagrams, elements added, changed and removed on a comparison of two deployments.
// The page lists the diagrams as <div class="app-diagram" id="diagram-N" data-xml-url="..."> and their
// element states as JSON in <script id="diagram-state">: per diagram, {done: [ids], active: [ids]}
// and/or {marks: {cssClass: [ids]}}. Only same-origin scripts run (CSP 'self').
// Diagrams inside a closed <details> are drawn when it is first opened (the viewer needs a size).
(function () {
  "use strict";

  var stateNode = document.getElementById("diagram-state");
  if (!stateNode || typeof window.BpmnJS !== "function") {
    return;
  }
  var states = JSON.parse(stateNode.textContent);
  var MIN_HEIGHT = 200;
  var MAX_HEIGHT = 640;

  // The root (a whole process) is never marked: its marker would colour every element in it.
  function mark(canvas, registry, ids, marker) {
    var root = canvas.getRootElement();
    (ids || []).forEach(function (id) {
      var element = registry.get(id);
      if (element && element !== root) {
        canvas.addMarker(id, marker);
      }
    });
  }

  // Make the canvas as tall as the diagram needs at the page's width, then fit the diagram in it.
  function fit(container, canvas) {
    var inner = canvas.viewbox().inner;
    if (inner.width > 0) {
      var wanted = Math.ceil((container.clientWidth * inner.height) / inner.width) + 48;
      container.style.height = Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, wanted)) + "px";
      canvas.resized();
    }
    canvas.zoom("fit-viewport", "auto");
  }

  function fail(container, message) {
    var fallback = container.querySelector(".app-diagram__fallback");
    if (fallback) {
      fallback.textContent = "The diagram could not be drawn: " + message;
    }
    container.style.height = "auto";
    container.dataset.rendered = "failed";
  }

  function show(container, state) {
    var viewer = new window.BpmnJS({ container: container });
    return fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the server answered " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        var fallback = container.querySelector(".app-diagram__fallback");
        if (fallback) {
          fallback.remove();
        }
        var canvas = viewer.get("canvas");
        fit(container, canvas);
        var registry = viewer.get("elementRegistry");
        mark(canvas, registry, state.done, "app-done");
        mark(canvas, registry, state.active, "app-active");
        Object.keys(state.marks || {}).forEach(function (marker) {
          mark(canvas, registry, state.marks[marker], marker);
        });
        container.dataset.rendered = "true";
      })
      .catch(function (error) {
        fail(container, error.message);
      });
  }

  document.querySelectorAll(".app-diagram").forEach(function (container) {
    var index = Number(container.id.replace("diagram-", ""));
    var state = states[index] || { done: [], active: [] };
    var details = container.closest("details");
    if (!details || details.open) {
      show(container, state);
      return;
    }
    details.addEventListener("toggle", function draw() {
      if (details.open) {
        details.removeEventListener("toggle", draw);
        show(container, state);
      }
    });
  });
})();
