"""Domain errors the engine raises; the web layer maps them to pages in one place."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class NotFound(EngineError):
    """The thing asked for does not exist (or the actor may not know that it exists)."""


class NotPermitted(EngineError):
    """The actor may not do this."""


class NotSignedIn(NotPermitted):
    """The user name or password is wrong, or the account is inactive."""


class SignInThrottled(NotSignedIn):
    """Too many failed sign-ins from one client: it waits `minutes` (no account is locked)."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            "There have been too many failed attempts to sign in from this device. "
            f"Try again in {minutes} {unit}."
        )


class TaskNotReady(EngineError):
    """The task exists but cannot be worked on now (it is waiting, or was cancelled)."""


class TaskAlreadyCompleted(EngineError):
    """Somebody else completed the task first; nothing of this attempt was kept."""

    def __init__(
        self,
        task_id: str,
        completed_by: str,
        completed_at: datetime,
        task_name: str | None = None,
        fields: Sequence[Any] = (),
    ) -> None:
        super().__init__(
            f"This task was completed by {completed_by} at "
            f"{completed_at:%d %B %Y %H:%M}; your entries were not saved."
        )
        self.task_id = task_id
        self.completed_by = completed_by
        self.completed_at = completed_at
        self.task_name = task_name
        self.fields = tuple(
            fields
        )  # the task's FieldSpecs, to show the unsaved entries with their labels


class ConcurrentUpdate(EngineError):
    """The case changed while this command ran; nothing of it was kept. Reload and try again."""


class FormInvalid(EngineError):
    """Submitted form values failed validation; `errors` maps field id to a plain-English message."""

    def __init__(self, errors: Mapping[str, str], submitted: Mapping[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)
        self.submitted = dict(submitted)


@dataclass(frozen=True, slots=True)
class DiagramProblem:
    """One thing wrong in a deployment, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None
    element_id: str | None = None
    element_name: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f", line {self.line}"
        if self.element_id:
            where += f", {self.element_id}"
            if self.element_name:
                where += f" ({self.element_name!r})"
        return f"{where}: {self.message}"


class DiagramInvalid(EngineError):
    """A deployment was refused; `problems` lists everything found, not just the first."""

    def __init__(self, problems: Sequence[DiagramProblem]) -> None:
        listing = "\n".join(f"- {p}" for p in problems)
        super().__init__(
            f"The diagrams were not deployed ({len(problems)} problems):\n{listing}"
        )
        self.problems = list(problems)


class WorkflowFailed(EngineError):
    """The diagram could not be run at this point (e.g. an expression failed); nothing was saved."""


class StoredStateRefused(EngineError):
    """A case's stored workflow is not in the format this release writes: it is refused, never migrated
    (SpiffWorkflow's migrations of old formats evaluate stored text as Python)."""

    def __init__(
        self, found: object, expected: str, reference: str | None = None
    ) -> None:
        case = f"Case {reference}" if reference else "A case"
        super().__init__(
            f"{case} cannot be opened: its stored workflow is in format {found!r}, and this release "
            f"reads only format {expected!r}. Nothing was run. An administrator must restore the "
            "case's state from a backup or rebuild it from its audit events."
        )
        self.found = found
        self.expected = expected
        self.reference = reference
