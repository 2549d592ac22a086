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

// The session-timeout warning (signed-in pages carry data-session-timeout on <body>). A few minutes
// before the session cookie would expire, a dialog offers to stay signed in; with JavaScript off,
// nothing changes: the session simply ends after the same time without a request.
function sessionTimeout(body) {
  const lifetime = Number(body.dataset.sessionTimeout) * 1000;
  if (!(lifetime > 0) || typeof HTMLDialogElement !== "function") return;
  const warnBefore = Math.min(Number(body.dataset.sessionWarning) * 1000 || 300000, lifetime);
  const seenKey = "scr-session-seen";
  let lastSeen = Date.now();
  let warnTimer = 0;
  let endTimer = 0;
  let tickTimer = 0;
  remember(lastSeen);

  const dialog = document.createElement("dialog");
  dialog.className = "app-timeout-dialog";
  dialog.setAttribute("aria-labelledby", "session-timeout-heading");
  dialog.setAttribute("aria-describedby", "session-timeout-message");
  dialog.innerHTML =
    '<h2 class="govuk-heading-m" id="session-timeout-heading">You will be signed out soon</h2>' +
    '<p class="govuk-body" id="session-timeout-message">To protect the information in this service, ' +
    'we will sign you out in <strong data-countdown></strong> if you do nothing. ' +
    "Anything you have not saved will be lost.</p>" +
    '<div class="govuk-button-group">' +
    '<button type="button" class="govuk-button" data-module="govuk-button" data-stay>Stay signed in</button>' +
    '<button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-leave>Sign out</button>' +
    "</div>";
  body.appendChild(dialog);
  const countdown = dialog.querySelector("[data-countdown]");

  function remember(moment) {
    try {
      window.localStorage.setItem(seenKey, String(moment));
    } catch (error) {
      // Private browsing without storage: each tab keeps its own time.
    }
  }

  function latestSeen() {
    let shared = 0;
    try {
      shared = Number(window.localStorage.getItem(seenKey)) || 0;
    } catch (error) {
      shared = 0;
    }
    return Math.max(lastSeen, shared);
  }

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    const left = latestSeen() + lifetime - Date.now();
    warnTimer = window.setTimeout(warn, Math.max(left - warnBefore, 0));
    endTimer = window.setTimeout(end, Math.max(left, 0));
  }

  function warn() {
    // Another tab may have used the session since: then wait again.
    if (latestSeen() + lifetime - Date.now() > warnBefore + 1000) {
      schedule();
      return;
    }
    show();
    if (!dialog.open) dialog.showModal();
    window.clearInterval(tickTimer);
    tickTimer = window.setInterval(show, 1000);
  }

  function show() {
    const seconds = Math.max(Math.ceil((latestSeen() + lifetime - Date.now()) / 1000), 0);
    const minutes = Math.ceil(seconds / 60);
    countdown.textContent =
      seconds < 60
        ? `${seconds} ${seconds === 1 ? "second" : "seconds"}`
        : `${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
  }

  function end() {
    if (latestSeen() + lifetime - Date.now() > 1000) {
      schedule();
      return;
    }
    const here = window.location.pathname + window.location.search;
    window.location.assign(`${body.dataset.sessionEnded}?next=${encodeURIComponent(here)}`);
  }

  function stay() {
    window
      .fetch(body.dataset.sessionExtend, { credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.status !== 204) {
          end();
          return;
        }
        lastSeen = Date.now();
        remember(lastSeen);
        window.clearInterval(tickTimer);
        dialog.close();
        schedule();
      });
  }

  dialog.querySelector("[data-stay]").addEventListener("click", stay);
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault(); // Escape means "stay signed in", as the pattern asks
    stay();
  });
  dialog.querySelector("[data-leave]").addEventListener("click", function () {
    const signOut = document.querySelector("form[action$='/sign-out']");
    if (signOut) signOut.requestSubmit();
  });
  schedule();
}

sessionTimeout(document.body);
