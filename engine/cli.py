"""The `scr` command: database, demo data, deployments, the timer tick, audit verification."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.errors import DiagramInvalid
from engine.errors import EngineError
from engine.settings import EngineSettings
from engine.settings import build_service


def main(argv: Sequence[str] | None = None) -> int:
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
        "tick", help="fire every due timer (run from cron or a worker loop)"
    )
    audit_cmd = commands.add_parser("audit", help="audit trail").add_subparsers(
        dest="action", required=True
    )
    verify = audit_cmd.add_parser(
        "verify", help="check the hash chains; exit 1 naming the first bad event"
    )
    verify.add_argument("--case", dest="reference")
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


def _run(args: argparse.Namespace, settings: EngineSettings) -> int:
    if args.command == "db":
        from engine.migrate import upgrade

        upgrade(settings.database_url)
        build_service(settings).ensure_reference_data()
        print(f"database is up to date: {settings.database_url}")
        return 0
    service = build_service(settings)
    if args.command == "demo":
        print(f"demo users added: {service.load_demo_users()}")
        return 0
    if args.command == "deploy":
        files = read_bundle(args.folder)
        actor = service.user_for_cli(args.username)
        info = service.deploy(actor, files, args.note)
        state = (
            "deployed"
            if info.created
            else "unchanged (identical to an existing deployment)"
        )
        print(
            f"{state}: deployment {info.id} {info.content_hash[:12]} with {len(info.files)} files"
        )
        return 0
    if args.command == "tick":
        print(f"cases moved on by timers: {service.fire_due_timers()}")
        print(f"reminders and overdue notices queued: {service.queue_reminders()}")
    if args.command in ("tick", "send"):
        counts = service.deliver_notifications()
        print(
            "messages sent: {sent}, to retry: {retried}, failed: {failed}".format(
                **counts
            )
        )
        return 0
    if args.command == "audit":
        chain = service.case_chain_name(args.reference) if args.reference else None
        report = service.verify_audit(chain)
        if report.ok:
            print(f"audit trail intact: {report.events_checked} events checked")
            return 0
        print(
            f"AUDIT TRAIL BROKEN at {report.first_bad_event}: {report.problem}",
            file=sys.stderr,
        )
        return 1
    raise AssertionError(args.command)


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
