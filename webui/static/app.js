// Progressive enhancement with GOV.UK Frontend's components (every page works without it).
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
