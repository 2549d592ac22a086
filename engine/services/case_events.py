"""What people record on a case: the things that happen outside the system that a case waits to hear of.

A diagram waits for them as messages ("Parallel proceedings started", "Report delivered to the National
Panel"); the catching element's `senderGroups` property says who may record one. The case page lists
those the user may record; recording one asks the day it happened (not in the future) and an optional
note, which the diagram reads as `<message>.on` and `<message>.note`. The engine's own deliveries (the
worker, after an e-mail went) send the same `on`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import access
from engine.dto import CaseEvent
from engine.dto import FieldSpec
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.process import events
from engine.process import forms
from engine.services.case_store import OpenCase
from engine.services.unit_of_work import UnitOfWork

NOTE_LIMIT = 2000
FIELDS = (
    FieldSpec(
        "on",
        "The day it happened",
        "date",
        required=True,
        hint="For example, 27 3 2026",
        compare=(("not_after", "today"),),
    ),
    FieldSpec(
        "note",
        "Note",
        "text",
        hint="What happened, and where the details are kept.",
        maxlength=NOTE_LIMIT,
    ),
)


def awaited(tx: UnitOfWork, case: OpenCase) -> tuple[CaseEvent, ...]:
    """What the acting user may record on this case now (nothing for those who only read)."""
    if not access.can(tx.user, "change"):
        return ()
    return tuple(
        CaseEvent(m.message, m.name, m.documentation)
        for m in events.awaited_messages(case.run.workflow)
        if tx.user.roles & set(m.sender_groups)
    )


def one(tx: UnitOfWork, case: OpenCase, message: str) -> CaseEvent:
    """The event `message`, if the case waits for it and the user may record it."""
    for event in awaited(tx, case):
        if event.message == message:
            return event
    raise NotFound(
        f"Case {case.reference} is not waiting for this any more, or you may not record it: "
        "someone may have recorded it already (see the case's history)."
    )


def payload(submitted: Mapping[str, Any]) -> dict[str, Any]:
    """The checked day and note, or FormInvalid saying what is wrong."""
    clean, errors = forms.validate(FIELDS, submitted)
    if errors:
        raise FormInvalid(errors, dict(submitted))
    return {"on": clean["on"], "note": clean.get("note") or ""}
