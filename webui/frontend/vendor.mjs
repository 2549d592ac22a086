// Copies what the web UI serves from npm packages into webui/static/vendor/ (git-ignored) and
// compiles the stylesheet. Run by `npm run vendor` after `npm ci`; never commit the output.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const modules = join(root, "node_modules");
const vendor = join(root, "webui", "static", "vendor");

const copies = {
  "govuk-frontend/dist/govuk/govuk-frontend.min.js": "govuk-frontend/govuk-frontend.min.js",
  "govuk-frontend/README.md": "govuk-frontend/README.md",
  "bpmn-js/dist/bpmn-navigated-viewer.production.min.js":
    "bpmn-js/bpmn-navigated-viewer.production.min.js",
  "bpmn-js/dist/assets/diagram-js.css": "bpmn-js/assets/diagram-js.css",
  "bpmn-js/dist/assets/bpmn-js.css": "bpmn-js/assets/bpmn-js.css",
  "bpmn-js/LICENSE": "bpmn-js/LICENSE",
};

rmSync(vendor, { recursive: true, force: true });
for (const [from, to] of Object.entries(copies)) {
  mkdirSync(dirname(join(vendor, to)), { recursive: true });
  copyFileSync(join(modules, from), join(vendor, to));
}

const css = sass.compile(join(root, "webui", "frontend", "app.scss"), {
  importers: [new sass.NodePackageImporter(root)],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(vendor, "app.css"), css.css);
console.log(`vendor: ${Object.keys(copies).length} files copied, app.css ${css.css.length} bytes`);
