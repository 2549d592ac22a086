"""The `scr` command: configuration, database, the worker, accounts and agencies, deployments, audit.

Arguments in, engine calls out. Every command that acts takes `--as USER` (the first administrator of
an empty installation is the one exception). Passwords are read from standard input or a prompt, never
from the command line (where `ps` would show them).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from engine import cli_accounts
from engine import cli_audit
from engine.bootstrap import build_engine
from engine.errors import DiagramInvalid
from engine.errors import EngineError
from engine.services.engine import Engine
from engine.settings import ConfigInvalid
from engine.settings import EngineSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = EngineSettings.from_env()
    except ConfigInvalid as err:
        print(err, file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        return _run(args, settings)
    except DiagramInvalid as err:
        print(err, file=sys.stderr)
        return 1
    except EngineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - an operator gets a sentence, not a traceback
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(
            f"error: {type(err).__name__}: {first}\n"
            f"(database {settings.safe_database_url}; is it reachable and migrated? "
            "Try `scr db check`.)",
            file=sys.stderr,
        )
        return 1
    finally:
        while _OPEN:
            _OPEN.pop().dispose()


_OPEN: list[Engine] = []


def open_engine(settings: EngineSettings) -> Engine:
    """The engine for one command; `main` closes its database connections at the end."""
    engine = build_engine(settings)
    _OPEN.append(engine)
    return engine


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scr", description="SCR Workflow administration."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _operations_parsers(commands)
    demo = commands.add_parser("demo", help="demo data").add_subparsers(
        dest="action", required=True
    )
    demo.add_parser(
        "load", help="add demo users for every role (never on a live system)"
    )
    deploy = commands.add_parser("deploy", help="deploy the diagrams in a folder")
    deploy.add_argument("folder", type=Path)
    deploy.add_argument(
        "--as", dest="username", required=True, help="the process owner deploying"
    )
    deploy.add_argument("--note", default="", help="what changed, for the record")
    listing = commands.add_parser(
        "deployments", help="list deployments; the current one is marked *"
    )
    listing.add_argument("--as", dest="username", required=True)
    diff = commands.add_parser("diff", help="what changed between two deployments")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)
    diff.add_argument("--as", dest="username", required=True)
    migrate = commands.add_parser(
        "migrate", help="move cases to another deployment (dry run unless --apply)"
    )
    migrate.add_argument("--to", dest="target", type=int, required=True)
    which = migrate.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", dest="reference")
    which.add_argument("--from", dest="source", type=int)
    migrate.add_argument(
        "--apply",
        action="store_true",
        help="really move them (one transaction per case)",
    )
    migrate.add_argument("--as", dest="username", required=True)
    rollback = commands.add_parser(
        "rollback", help="make an earlier deployment the one new cases start on"
    )
    rollback.add_argument("deployment", type=int)
    rollback.add_argument("--as", dest="username", required=True)
    rollback.add_argument("--note", default="")
    commands.add_parser(
        "tick",
        help="fire due timers, queue reminders, deliver due messages (cron, each minute)",
    )
    commands.add_parser("send", help="deliver the due messages of the outbox over SMTP")
    cli_audit.add_parsers(commands)
    return parser


def _operations_parsers(commands: argparse._SubParsersAction) -> None:
    """`scr db ...`, `scr config check`, `scr worker`, and the account commands."""
    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="action", required=True
    )
    db.add_parser("upgrade", help="create or migrate the schema to the newest version")
    db.add_parser("current", help="the schema revision the database is at")
    db.add_parser("history", help="every schema revision the code knows")
    db.add_parser("check", help="exit 1 unless the database is at the newest revision")
    config = commands.add_parser("config", help="configuration").add_subparsers(
        dest="action", required=True
    )
    config.add_parser(
        "check", help="validate every SCR_* setting and show them (secrets hidden)"
    )
    worker = commands.add_parser(
        "worker",
        help="run timers, reminders, outbox delivery and audit checkpoints in a loop",
    )
    worker.add_argument(
        "--interval", type=float, help="seconds between cycles (SCR_WORKER_INTERVAL)"
    )
    worker.add_argument(
        "--once",
        action="store_true",
        help="one cycle, then exit (1 if it had problems)",
    )
    cli_accounts.add_parsers(commands)


def _run(args: argparse.Namespace, settings: EngineSettings) -> int:
    if args.command == "config":
        for name, value in settings.described():
            print(f"{name:<24} {value}")
        print("configuration is valid")
        return 0
    if args.command == "db":
        return _database(args.action, settings)
    engine = open_engine(settings)
    if args.command == "worker":
        return _worker(engine, settings, args)
    if args.command in ("user", "agency"):
        return cli_accounts.run(engine, args)
    if args.command == "demo":
        if not settings.is_development:
            raise EngineError("Demo users are refused unless SCR_ENV=development.")
        print(f"demo users added: {engine.directory.load_demo_users()}")
        return 0
    if args.command == "deploy":
        files = read_bundle(args.folder)
        actor = engine.accounts.by_username(args.username)
        info = engine.deployments.deploy(actor, files, args.note)
        state = (
            "deployed"
            if info.created
            else "unchanged (identical to an existing deployment)"
        )
        print(
            f"{state}: deployment {info.id} {info.content_hash[:12]} with {len(info.files)} files"
        )
        return 0
    if args.command in ("deployments", "diff", "migrate", "rollback"):
        return _versions(args, engine)
    if args.command == "tick":
        print(f"cases moved on by timers: {engine.timers.fire_due()}")
        print(
            f"reminders and overdue notices queued: {engine.notifications.queue_reminders()}"
        )
    if args.command in ("tick", "send"):
        counts = engine.notifications.deliver()
        print(
            "messages sent: {sent}, to retry: {retried}, failed: {failed}".format(
                **counts
            )
        )
        return 1 if counts["failed"] or counts["retried"] else 0
    if args.command in ("audit", "case"):
        return cli_audit.run(engine, args)
    raise AssertionError(args.command)


def _database(action: str, settings: EngineSettings) -> int:
    """`scr db upgrade|current|history|check`; the URL is printed with its password masked."""
    from engine.db import schema

    if action == "history":
        for revision, before, text in schema.history():
            print(f"{before or '<base>'} -> {revision}  {text}")
        return 0
    if action == "upgrade":
        schema.upgrade(settings.database_url)
        open_engine(settings).directory.ensure_reference_data()
        print(f"database is up to date: {settings.safe_database_url}")
        return 0
    current, head = open_engine(settings).worker.revisions()
    print(f"{settings.safe_database_url}: at {current or '(empty)'}, newest {head}")
    if action == "check" and current != head:
        print("the database is not at the newest revision: run `scr db upgrade`")
        return 1
    return 0


def _worker(engine: Engine, settings: EngineSettings, args: argparse.Namespace) -> int:
    from engine.services.worker import stop_on_signals

    if args.interval is not None:
        engine.worker.settings = settings.worker.model_copy(
            update={"interval": max(args.interval, 0.1)}
        )
    print(
        f"worker {engine.worker.name} on {settings.safe_database_url}, "
        f"every {engine.worker.settings.interval:g} s"
        + (
            ""
            if engine.audit.signs_checkpoints
            else "; audit checkpoints are off (no SCR_AUDIT_SIGNING_KEY_FILE)"
        ),
        flush=True,
    )
    return engine.worker.run(
        stop_on_signals(),
        once=args.once,
        on_cycle=lambda report: print(report.summary(), flush=True),
    )


def _versions(args: argparse.Namespace, engine: Engine) -> int:
    actor = engine.accounts.by_username(args.username)
    if args.command == "deployments":
        for info in engine.deployments.index(actor):
            mark = "*" if info.current else " "
            print(
                f"{mark} {info.id:>4} {info.content_hash[:12]} {info.deployed_at:%Y-%m-%d %H:%M} {info.note}"
            )
        return 0
    if args.command == "diff":
        for change in engine.deployments.diff(actor, args.old, args.new):
            print(
                f"{change.process_id} {change.element_id} [{change.kind}] {change.description}"
            )
        return 0
    if args.command == "rollback":
        info = engine.deployments.activate(actor, args.deployment, args.note)
        print(f"new cases now start on deployment {info.id} {info.content_hash[:12]}")
        return 0
    if not args.apply:
        checks = engine.migrations.plan(actor, args.target, args.source, args.reference)
    elif args.reference:
        checks = [engine.migrations.migrate_case(actor, args.reference, args.target)]
    else:
        checks = engine.migrations.migrate_cases(actor, args.source, args.target)
    for check in checks:
        verdict = (
            "moved"
            if check.migrated
            else ("can move" if check.possible else "cannot move")
        )
        print(
            f"{check.reference}: {verdict}"
            + "".join(f"\n  - {r}" for r in check.reasons + check.changes)
        )
    return 0 if all(c.possible for c in checks) else 1


def read_bundle(folder: Path) -> dict[str, bytes]:
    """Every .bpmn, .dmn and templates/*.txt file below `folder`, by relative path."""
    if not folder.is_dir():
        raise EngineError(f"{folder} is not a folder of diagrams.")
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".bpmn", ".dmn") or (
            path.suffix == ".txt" and "templates" in path.parts
        ):
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def configure_logging(settings: EngineSettings) -> None:
    from engine.logs import configure

    configure(settings.log_format)


if __name__ == "__main__":
    raise SystemExit(main())
