// Progressive enhancement with GOV.UK Frontend's components (every page works without it).
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// "Print this record" buttons (hidden without JavaScript, when the browser's own Print command does it).
document.querySelectorAll("[data-app-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
