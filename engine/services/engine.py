"""The Engine: one object whose attributes are the engine's services, one per concern.

    engine.tasks.complete(actor, task_id, values, files)
    engine.cases.page(actor, reference)

Every method takes the acting user (commands run by the system take none), runs in one unit of work
(engine.services.unit_of_work) and returns frozen values from engine.dto.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.clock import Clock
from engine.db.base import Database
from engine.services.accounts import Accounts
from engine.services.audit import Audit
from engine.services.case_team import CaseTeams
from engine.services.cases import Cases
from engine.services.chronology import Chronology
from engine.services.corrections import Corrections
from engine.services.deployments import Deployments
from engine.services.directory import Directory
from engine.services.documents import Documents
from engine.services.migrations import Migrations
from engine.services.notifications import Notifications
from engine.services.redaction import Redactions
from engine.services.register import Register
from engine.services.reports import Reports
from engine.services.single_sign_on import SingleSignOn
from engine.services.tasks import Tasks
from engine.services.timeline import Timeline
from engine.services.timers import Timers
from engine.services.worker import Worker


@dataclass(frozen=True)
class Engine:
    clock: Clock
    database: Database
    accounts: Accounts
    directory: Directory
    cases: Cases
    tasks: Tasks
    documents: Documents
    notifications: Notifications
    timers: Timers
    deployments: Deployments
    migrations: Migrations
    audit: Audit
    timeline: Timeline
    redactions: Redactions
    worker: Worker
    register: Register
    chronology: Chronology
    reports: Reports
    single_sign_on: SingleSignOn
    case_teams: CaseTeams
    corrections: Corrections

    def dispose(self) -> None:
        """Close the database connections (SQLite checkpoints its WAL into the file)."""
        self.database.dispose()
