"""Corrections (`engine.corrections`): an answer of a completed task put right, with a reason.

The person who completed the task, or the BQAM (`access.require_correction`), corrects one answer
while the case is active. The new value is checked by the field's own rules, recorded as a
`task_answer_corrected` event (old and new value, reason) and set in the stored workflow
(engine.process.corrections), so later steps, pages and e-mails see it; the original completion stays
in the record as it was. An answer the process already used to choose a path (a gateway, a decision,
a script, a timer or due date of a step that ran since) is refused with those steps named; the BQAM may
then correct the record only, marked as such: the path taken is not changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine import access
from engine.clock import as_utc
from engine.clock import iso_utc
from engine.db import audit as audit_rows
from engine.db import tasks as task_rows
from engine.db.models import HumanTask
from engine.db.models import ReviewCase
from engine.dto import AnswerToCorrect
from engine.dto import CorrectionDone
from engine.dto import CorrectionPreview
from engine.dto import FieldSpec
from engine.dto import UserInfo
from engine.errors import EngineError
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.process import corrections as workflow_corrections
from engine.process import forms
from engine.process.run import form_of
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.case_store import OpenCase
from engine.services.timeline import answer_in_words
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

REASON_LIMIT = 1000
RECORD_ONLY_NOTE = "record corrected; the path taken was not changed"


class CorrectionRefused(EngineError):
    """The answer chose the case's path at `affected` (step names); nothing was changed."""

    def __init__(self, label: str, affected: tuple[str, ...]) -> None:
        super().__init__(_used_to_route(label, affected))
        self.label = label
        self.affected = affected


@dataclass(frozen=True)
class _Answers:
    """A completed task as the record has it: its element, when, and each answer as it stands."""

    task: HumanTask
    row: ReviewCase
    element: str
    completed_at: str
    fields: tuple[FieldSpec, ...]
    values: dict[str, Any]
    asked_again: frozenset[str]
    """Fields a later step asked for again: a correction no longer reaches the case's data."""


class Corrections:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def preview(self, actor: UserInfo, task_id: str) -> CorrectionPreview:
        """The completed task's answers, each with whether it may be corrected (and if not, why).

        :raises NotPermitted: not the person who completed it nor the BQAM, or the case is closed.
        """

        def query(tx: UnitOfWork) -> CorrectionPreview:
            store = CaseStore(tx, self.kit)
            answers = _answers(store, task_id, lock=False)
            case = store.open(answers.row)
            items = tuple(_answer(case, answers, f) for f in answers.fields)
            return CorrectionPreview(
                task_id,
                answers.row.reference,
                answers.task.name,
                task_rows.completer_name(tx.session, answers.task),
                as_utc(answers.task.completed_at)
                if answers.task.completed_at
                else None,
                items,
                access.can(tx.user, "correct_routing_answer"),
            )

        return self.transactions.read(actor, query)

    def correct(
        self,
        actor: UserInfo,
        task_id: str,
        field_id: str,
        value: Any,
        reason: str,
        record_only: bool = False,
    ) -> CorrectionDone:
        """Correct one answer of a completed task, with a reason; the case's data follows.

        :param value: the new value, or the posted form (a date as `<field>-day`, `-month`, `-year`).
        :param record_only: the BQAM's choice for an answer that chose a path: the record and the
            case's data are corrected, the path taken is not changed.
        :raises FormInvalid: the new value or the reason is refused (errors by field id, "reason").
        :raises CorrectionRefused: the answer chose the case's path at the named later steps.
        """

        def command(tx: UnitOfWork) -> CorrectionDone:
            tx.require("change")
            store = CaseStore(tx, self.kit)
            answers = _answers(store, task_id, lock=True)
            case = store.open(answers.row)
            spec = _correctable_field(answers, field_id)
            old = answers.values.get(field_id)
            new = _checked(spec, value, reason, old)
            affected = tuple(
                workflow_corrections.affected_steps(
                    case.run, case.entry, answers.element, field_id
                )
            )
            if affected and not record_only:
                raise CorrectionRefused(spec.label, affected)
            if record_only:
                access.require(tx.user, "correct_routing_answer")
            recorded = _recorded(answers, spec, old, new, reason, affected, record_only)
            event = tx.record("task_answer_corrected", answers.row, **recorded)
            case.replace_workflow(
                lambda: workflow_corrections.apply(case.run, recorded)
            )
            return CorrectionDone(
                answers.row.reference,
                task_id,
                answers.task.name,
                spec.label,
                answer_in_words(spec, old),
                answer_in_words(spec, new),
                reason.strip(),
                recorded["record_only"],
                affected,
                event.seq,
            )

        return self.transactions.write(actor, command)


def _recorded(
    answers: _Answers,
    spec: FieldSpec,
    old: Any,
    new: Any,
    reason: str,
    affected: tuple[str, ...],
    record_only: bool,
) -> dict[str, Any]:
    """The `task_answer_corrected` event's data: all a replay needs to make the same change."""
    field_id = spec.id
    return {
        "task_id": answers.task.id,
        "element": answers.element,
        "name": answers.task.name,
        "field": field_id,
        "label": spec.label,
        "reason": reason.strip(),
        "completed_at": answers.completed_at,
        "inherited": field_id not in answers.asked_again,
        "record_only": bool(record_only and affected),
        "affected": list(affected),
        "data": {field_id: {"old": old, "new": new}},
    }


def _answers(store: CaseStore, task_id: str, lock: bool) -> _Answers:
    """The completed task and its answers as they stand, if the acting user may correct them."""
    task, row = store.visible_task(task_id, lock=lock)
    if task.state != "completed":
        raise NotFound(
            f"“{task.name}” has not been completed; there is no answer to correct."
        )
    access.require_correction(store.tx.user, task.completed_by_id)
    if row.status != "active":
        raise NotPermitted(
            f"Case {row.reference} is closed; the answers of its tasks can no longer be corrected."
        )
    events = audit_rows.events_of_case(store.tx.session, row.id)
    completion, values, asked_again = None, {}, set()
    for event in events:
        data = audit_rows.data_of(event)
        if event.type == "task_completed" and data.get("task_id") == task_id:
            completion, values = event, dict(data.get("data") or {})
        elif completion is not None and event.type == "task_completed":
            asked_again |= set(data.get("data") or {})
        elif event.type == "task_answer_corrected" and data.get("task_id") == task_id:
            pair = (data.get("data") or {}).get(data.get("field"))
            values[data["field"]] = pair.get("new") if isinstance(pair, dict) else pair
    if completion is None:
        raise NotFound(f"The record holds no answers of “{task.name}”.")
    entry = store.kit.bundle(store.tx.session, row.deployment_id).processes[
        row.process_id
    ]
    return _Answers(
        task,
        row,
        task.element_id,
        iso_utc(completion.at),
        form_of(entry, task.element_id),
        values,
        frozenset(asked_again),
    )


def _answer(case: OpenCase, answers: _Answers, spec: FieldSpec) -> AnswerToCorrect:
    value = answers.values.get(spec.id)
    shown = answer_in_words(spec, value)
    why_not = _not_correctable(spec)
    if why_not is not None:
        return AnswerToCorrect(spec, value, shown, False, why_not)
    affected = tuple(
        workflow_corrections.affected_steps(
            case.run, case.entry, answers.element, spec.id
        )
    )
    if affected:
        return AnswerToCorrect(
            spec, value, shown, False, _used_to_route(spec.label, affected), affected
        )
    return AnswerToCorrect(spec, value, shown, True)


def _not_correctable(spec: FieldSpec) -> str | None:
    if spec.type == "file":
        return "A document is replaced by adding a new version on the case page."
    if spec.readonly:
        return "This answer was shown to the person, not given by them."
    return None


def _correctable_field(answers: _Answers, field_id: str) -> FieldSpec:
    spec = next((f for f in answers.fields if f.id == field_id), None)
    if spec is None:
        raise NotFound(f"“{answers.task.name}” has no question {field_id!r}.")
    why_not = _not_correctable(spec)
    if why_not is not None:
        raise FormInvalid({field_id: why_not}, {})
    return spec


def _checked(spec: FieldSpec, value: Any, reason: str, old: Any) -> Any:
    """The new value, coerced by the field's rules; FormInvalid with every problem otherwise."""
    submitted = dict(value) if isinstance(value, Mapping) else {spec.id: value}
    clean, errors = forms.validate([spec], submitted)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Enter the reason for the correction"
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = f"The reason must be {REASON_LIMIT} characters or fewer"
    new = clean.get(spec.id)
    if spec.id not in errors and new == old:
        errors[spec.id] = (
            f"Enter a value for “{spec.label}” different from the one recorded"
        )
    if errors:
        raise FormInvalid(errors, {**submitted, "reason": reason})
    return new


def _used_to_route(label: str, affected: tuple[str, ...]) -> str:
    steps = ", ".join(f"“{name}”" for name in affected)
    return (
        f"The answer to “{label}” was used to choose the path at {steps}; a correction would not "
        "change what already happened. Ask the Business and Quality Assurance Manager to decide "
        "whether to correct the record only (the path taken stays as it is)."
    )
