"""The unit of work: every command and query of the engine runs inside one.

A unit of work is one database transaction with one frozen `now` for everything done in it: the audit
events, the task index, and SpiffWorkflow's own timestamps (it asks the clock through
`engine.clock.using_clock`). Replaying a case from its events at their recorded times therefore gives
exactly the stored state, on the real clock as on a test's fixed one. The acting user is re-read inside
the transaction (a deactivated account or a removed role counts at once). A command that loses a race
with another commit is run again from scratch; after `RETRIES` attempts the user is told.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from typing import TypeVar

from engine import access
from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import using_clock
from engine.db import accounts
from engine.db import audit
from engine.db.base import Database
from engine.db.base import LostRace
from engine.dto import UserInfo
from engine.errors import ConcurrentUpdate
from engine.errors import NotPermitted
from engine.process.functions import using_agencies

T = TypeVar("T")
RETRIES = 4


class UnitOfWork:
    """What a command sees: the session, `now`, the acting user (re-read), and the audit recorder."""

    def __init__(self, session: Any, now: datetime, actor: UserInfo | None) -> None:
        self.session = session
        self.now = now
        self.actor = actor

    @property
    def user(self) -> UserInfo:
        """The acting user; commands that need one are never run without."""
        if self.actor is None:
            raise NotPermitted("Sign in to do that.")
        return self.actor

    def require(self, permission: str) -> UserInfo:
        """The acting user, if `engine.access` grants them `permission`; else NotPermitted."""
        access.require(self.user, permission)
        return self.user

    def record(self, type_: str, case: Any = None, /, **data: Any) -> Any:
        """Append an audit event done by the acting user (to the case's chain, or the system's)."""
        return self._append(type_, case, audit.by(self.actor), data)

    def record_system(self, type_: str, case: Any = None, /, **data: Any) -> None:
        """Append an audit event done by the engine itself (a timer, a service task, a delivery)."""
        self._append(type_, case, audit.SYSTEM, data)

    def record_anonymous(self, type_: str, /, **data: Any) -> None:
        """Append a system-chain event for someone not known (a refused sign-in of no account)."""
        self._append(type_, None, {"actor_id": None, "actor_name": None}, data)

    def _append(
        self, type_: str, case: Any, actor: dict[str, Any], data: dict[str, Any]
    ) -> Any:
        case_id = case if isinstance(case, int) or case is None else case.id
        return audit.record(
            self.session, type=type_, at=self.now, case_id=case_id, data=data, **actor
        )


class Transactions:
    """Runs commands (`write`) and queries (`read`) as units of work on one database and clock."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    def write(self, actor: UserInfo | None, command: Callable[[UnitOfWork], T]) -> T:
        """Run `command` in one write transaction; retry it from scratch if another commit won a race.

        :raises ConcurrentUpdate: the race was lost every time; nothing of the command was kept.
        """
        for attempt in range(RETRIES):
            try:
                return self._run(actor, command, write=True)
            except LostRace as lost:
                if attempt == RETRIES - 1:
                    raise ConcurrentUpdate(
                        "Somebody else changed this case at the same moment; nothing of yours was "
                        "saved. Reload the page and try again."
                    ) from lost
        raise AssertionError("unreachable")

    def read(self, actor: UserInfo | None, query: Callable[[UnitOfWork], T]) -> T:
        """Run `query` in one read-only transaction (nothing it changes is kept)."""
        return self._run(actor, query, write=False)

    def _run(
        self, actor: UserInfo | None, work: Callable[[UnitOfWork], T], write: bool
    ) -> T:
        now = self.clock.now()
        with (
            using_clock(FixedClock(now)),
            self.database.transaction(write) as session,
            using_agencies(lambda: accounts.agencies(session)),
        ):
            fresh = accounts.fresh(session, actor.id) if actor is not None else None
            if actor is not None and fresh is None:
                raise NotPermitted("This account is not active.")
            return work(UnitOfWork(session, now, fresh))
