"""The one composition root: settings (and, in tests, a clock and handlers) in, an Engine out."""

from __future__ import annotations

from pathlib import Path

from engine.clock import Clock
from engine.clock import SystemClock
from engine.db.base import Database
from engine.notify.handler import NotifyHandler
from engine.process.bundle import BundleCache
from engine.process.handlers import HandlerRegistry
from engine.services.accounts import Accounts
from engine.services.audit import Audit
from engine.services.case_store import Kit
from engine.services.case_team import CaseTeams
from engine.services.cases import Cases
from engine.services.checkpoints import AuditKeys
from engine.services.chronology import Chronology
from engine.services.corrections import Corrections
from engine.services.deployments import Deployments
from engine.services.directory import Directory
from engine.services.documents import Documents
from engine.services.engine import Engine
from engine.services.migrations import Migrations
from engine.services.name_check import NameCheckHandler
from engine.services.notifications import Notifications
from engine.services.redaction import Redactions
from engine.services.register import Register
from engine.services.reports import Reports
from engine.services.single_sign_on import SingleSignOn
from engine.services.tasks import Tasks
from engine.services.team_handlers import CaseTeamHandler
from engine.services.team_handlers import CollectViewsHandler
from engine.services.timeline import Timeline
from engine.services.timers import Timers
from engine.services.unit_of_work import Transactions
from engine.services.worker import Worker
from engine.settings import EngineSettings


def build_engine(
    settings: EngineSettings,
    clock: Clock | None = None,
    handlers: HandlerRegistry | None = None,
    database: Database | None = None,
    audit_keys: AuditKeys | None = None,
) -> Engine:
    """The engine over the settings' database (which must be migrated).

    The `notify` service-task handler is registered unless `handlers` already has one. Tests pass a
    `FixedClock` to move time, and may pass a `database` they made. The audit signing key and the
    checkpoint folder come from the environment (`AuditKeys.from_env`) unless `audit_keys` is given.
    """
    if database is None:
        if settings.database_url.startswith("sqlite:///"):
            path = Path(settings.database_url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
        database = Database.at(settings.database_url)
    clock = clock or SystemClock()
    handlers = handlers or HandlerRegistry()
    if handlers.get("notify") is None:
        handlers.register("notify", NotifyHandler(database))
    handlers.register("name_check", NameCheckHandler())
    handlers.register("case_team", CaseTeamHandler())
    handlers.register("collect_views", CollectViewsHandler())
    transactions = Transactions(database, clock)
    kit = Kit(handlers=handlers, bundles=BundleCache())
    timers = Timers(transactions, kit)
    notifications = Notifications(transactions, kit, settings.smtp)
    audit = Audit(transactions, kit, audit_keys or AuditKeys.from_env())
    return Engine(
        clock=clock,
        database=database,
        accounts=Accounts(transactions),
        directory=Directory(transactions, kit),
        cases=Cases(transactions, kit),
        tasks=Tasks(transactions, kit),
        documents=Documents(transactions, kit),
        notifications=notifications,
        timers=timers,
        deployments=Deployments(transactions, kit),
        migrations=Migrations(transactions, kit),
        audit=audit,
        timeline=Timeline(transactions, kit),
        redactions=Redactions(transactions),
        worker=Worker(transactions, timers, notifications, audit, settings.worker),
        register=Register(transactions),
        chronology=Chronology(transactions, kit),
        reports=Reports(transactions, kit),
        single_sign_on=SingleSignOn(transactions, settings.oidc),
        case_teams=CaseTeams(transactions, kit),
        corrections=Corrections(transactions, kit),
    )
