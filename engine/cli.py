"""The `scr` command: database, demo data, deployments, the timer tick, audit verification."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.bootstrap import build_engine
from engine.errors import DiagramInvalid
from engine.errors import EngineError
from engine.services.engine import Engine
from engine.settings import EngineSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = EngineSettings.from_env()
    try:
        return _run(args, settings)
    except DiagramInvalid as err:
        print(err, file=sys.stderr)
        return 1
    except EngineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scr", description="SCR Workflow administration."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="action", required=True
    )
    db.add_parser("upgrade", help="create or migrate the schema to the newest version")
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
    commands.add_parser(
        "deployments", help="list deployments; the current one is marked *"
    )
    diff = commands.add_parser("diff", help="what changed between two deployments")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)
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
    audit_cmd = commands.add_parser("audit", help="audit trail").add_subparsers(
        dest="action", required=True
    )
    verify = audit_cmd.add_parser(
        "verify",
        help="check hash chains and replays; exit 1 naming the first bad event",
    )
    verify.add_argument("--case", dest="reference")
    return parser


def _run(args: argparse.Namespace, settings: EngineSettings) -> int:
    if args.command == "db":
        from engine.db.schema import upgrade

        upgrade(settings.database_url)
        build_engine(settings).directory.ensure_reference_data()
        print(f"database is up to date: {settings.database_url}")
        return 0
    engine = build_engine(settings)
    if args.command == "demo":
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
        return 0
    if args.command == "audit":
        return _verify(engine, args.reference)
    raise AssertionError(args.command)


def _verify(engine: Engine, reference: str | None) -> int:
    """Hash chains first, then a replay of every case; exit 1 at the first thing wrong."""
    chain = engine.audit.chain_name(reference) if reference else None
    report = engine.audit.verify_chain(chain)
    if not report.ok:
        print(
            f"AUDIT TRAIL BROKEN at {report.first_bad_event}: {report.problem}",
            file=sys.stderr,
        )
        return 1
    print(f"audit trail intact: {report.events_checked} events checked")
    replays = engine.audit.verify_replays(reference)
    broken = [r for r in replays if not r.ok]
    for bad in broken:
        print(f"REPLAY DIFFERS for {bad.reference}: {bad.problem}", file=sys.stderr)
    if broken:
        return 1
    print(f"every case replays to its stored state: {len(replays)} cases")
    return 0


def _versions(args: argparse.Namespace, engine: Engine) -> int:
    actor = engine.accounts.by_username(getattr(args, "username", None) or "owner")
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


if __name__ == "__main__":
    raise SystemExit(main())
