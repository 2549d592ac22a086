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
from engine.services.cases import Cases
from engine.services.deployments import Deployments
from engine.services.directory import Directory
from engine.services.documents import Documents
from engine.services.engine import Engine
from engine.services.migrations import Migrations
from engine.services.notifications import Notifications
from engine.services.tasks import Tasks
from engine.services.timeline import Timeline
from engine.services.timers import Timers
from engine.services.unit_of_work import Transactions
from engine.settings import EngineSettings


def build_engine(
    settings: EngineSettings,
    clock: Clock | None = None,
    handlers: HandlerRegistry | None = None,
    database: Database | None = None,
) -> Engine:
    """The engine over the settings' database (which must be migrated).

    The `notify` service-task handler is registered unless `handlers` already has one. Tests pass a
    `FixedClock` to move time, and may pass a `database` they made.
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
    transactions = Transactions(database, clock)
    kit = Kit(handlers=handlers, bundles=BundleCache())
    return Engine(
        clock=clock,
        database=database,
        accounts=Accounts(transactions),
        directory=Directory(transactions, kit),
        cases=Cases(transactions, kit),
        tasks=Tasks(transactions, kit),
        documents=Documents(transactions, kit),
        notifications=Notifications(transactions, kit, settings.smtp),
        timers=Timers(transactions, kit),
        deployments=Deployments(transactions, kit),
        migrations=Migrations(transactions, kit),
        audit=Audit(transactions, kit),
        timeline=Timeline(transactions, kit),
    )
