"""Auditors' pages: a case's record in plain language, replayed step by step on its diagrams, its
deadlines met or missed, and the record exported for people without access to the system.

Read-only: every route is a GET. The engine decides: only auditors and board-wide roles read these
pages and exports (rule `see_audit`). Each case page shown is recorded here as read (who, when).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from flask import Blueprint
from flask import render_template
from flask import request
from werkzeug.wrappers import Response

from engine import NotFound
from webui.extensions import actor
from webui.extensions import engine

bp = Blueprint("audit", __name__, url_prefix="/audit")
DEADLINE_STATES = ("met", "missed", "open", "overdue", "cancelled")


@bp.get("/")
def index() -> str:
    """The cases I may audit, and whether the whole audit record is intact."""
    public_key, checkpoint_at, checkpoints = engine().audit.checkpoint_status(actor())
    cases = engine().cases.index(actor())
    return render_template(
        "audit/index.html",
        cases=cases,
        chain=engine().audit.verify_chain(),
        public_key=public_key,
        checkpoint_at=checkpoint_at,
        checkpoints=checkpoints,
    )


@bp.get("/cases/<reference>")
def timeline(reference: str) -> str:
    """The case's record in plain language, with whether its hash chain and its replay hold."""
    entries = engine().timeline.of_case(actor(), reference)
    return render_template(
        "audit/timeline.html",
        reference=reference,
        entries=entries,
        readings=engine().audit.case_readings(actor(), reference),
        **integrity(reference),
    )


@bp.get("/cases/<reference>/steps/<int(min=1):seq>")
def step(reference: str, seq: int) -> str:
    """The case as it was right after event `seq`: its diagrams marked, and what was entered."""
    scr, user = engine(), actor()
    replayed = scr.audit.replay(user, reference, seq)
    entries = scr.timeline.of_case(user, reference)
    at = [e.seq for e in entries].index(seq)
    return render_template(
        "audit/step.html",
        reference=reference,
        replayed=replayed,
        entry=entries[at],
        previous=entries[at - 1] if at > 0 else None,
        following=entries[at + 1] if at + 1 < len(entries) else None,
        last_seq=entries[-1].seq,
        diagrams=scr.cases.diagrams(user, reference),
    )


@bp.get("/timeliness")
def timeliness() -> str:
    """Every statutory deadline of every case I may see; ?state=missed (etc.) filters by state."""
    return timeliness_page(None)


@bp.get("/cases/<reference>/timeliness")
def case_timeliness(reference: str) -> str:
    """Every deadline of one case: due, done, by whom, met or missed."""
    return timeliness_page(reference)


@bp.get("/cases/<reference>/record.json")
def export_json(reference: str) -> Response:
    """The whole record as JSON: the case, every event with its hash, the deadlines."""
    record = engine().audit.export(actor(), reference)
    body = json.dumps(record, ensure_ascii=False, indent=2, default=str)
    return download(body, "application/json", f"{reference}.json")


@bp.get("/cases/<reference>/record.csv")
def export_csv(reference: str) -> Response:
    """Every event of the case as CSV, one row each, hashes included."""
    body = engine().audit.export_csv(actor(), reference)
    return download(body, "text/csv", f"{reference}.csv")


@bp.get("/cases/<reference>/print")
def printable(reference: str) -> str:
    """The timeline, decisions and deadlines on one page, to print or save as PDF."""
    scr, user = engine(), actor()
    entries = scr.timeline.of_case(user, reference)
    return render_template(
        "audit/print.html",
        case=scr.cases.view(user, reference),
        entries=entries,
        deadlines=scr.audit.timeliness(user, reference),
        printed_at=scr.clock.now(),
        **integrity(reference),
    )


def integrity(reference: str) -> dict[str, Any]:
    """Whether the case's hash chain is intact and replaying its events gives its stored state.

    Call it only after a service method that checked the user may see the case.
    """
    scr = engine()
    replays = scr.audit.verify_replays(reference)
    if not replays:
        raise NotFound(f"There is no case {reference}.")
    return {
        "chain": scr.audit.verify_chain(scr.audit.chain_name(reference)),
        "replay": replays[0],
        "record": scr.audit.verify(reference),
    }


def timeliness_page(reference: str | None) -> str:
    """The deadlines table, filtered by the states ticked (none ticked: all)."""
    chosen = [s for s in request.args.getlist("state") if s in DEADLINE_STATES]
    deadlines = engine().audit.timeliness(actor(), reference)
    return render_template(
        "audit/timeliness.html",
        reference=reference,
        deadlines=[d for d in deadlines if not chosen or d.state in chosen],
        counts=Counter(d.state for d in deadlines),
        chosen=chosen,
        states=DEADLINE_STATES,
    )


def download(body: str, mimetype: str, filename: str) -> Response:
    """A file to save, never shown inline."""
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
