"""`scr audit verify|checkpoint` and `scr case redact`: the record auditors trust, from the command line.

`scr audit verify` checks everything an auditor reads against the hash chains and the signed
checkpoints in one streaming pass (progress on a terminal, `--json` for machines) and exits 1 naming
what differs. `scr audit checkpoint` signs every chain head with the key in SCR_AUDIT_SIGNING_KEY_FILE.
`scr case redact` removes personal data lawfully: asked for by one person, approved by another.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from engine.services.engine import Engine
from engine.services.verification import VerifyReport


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """`scr audit ...` and `scr case redact`."""
    audit = commands.add_parser("audit", help="audit trail").add_subparsers(
        dest="action", required=True
    )
    verify = audit.add_parser(
        "verify",
        help="check chains, checkpoints, replays and every table derived from them; exit 1 naming "
        "what differs",
    )
    verify.add_argument("--case", dest="reference")
    verify.add_argument("--json", action="store_true", help="the report as JSON")
    verify.add_argument(
        "--no-progress", action="store_true", help="no progress line on a terminal"
    )
    audit.add_parser(
        "checkpoint",
        help="sign every chain head (SCR_AUDIT_SIGNING_KEY_FILE) and store the checkpoint",
    )
    case = commands.add_parser("case", help="cases").add_subparsers(
        dest="action", required=True
    )
    redact = case.add_parser(
        "redact",
        help="replace personal data in a case's record with a tombstone (two people: "
        "the BQAM asks, the Independent Chair approves)",
    )
    redact.add_argument("reference", metavar="REF")
    redact.add_argument(
        "--fields",
        required=True,
        help="comma-separated field ids, e.g. child_given_name",
    )
    redact.add_argument(
        "--as", dest="username", required=True, help="who asks (the BQAM)"
    )
    redact.add_argument(
        "--approved-by", required=True, help="who approves (the Independent Chair)"
    )
    redact.add_argument(
        "--reason", required=True, help="the legal ground, for the record"
    )


def run(engine: Engine, args: argparse.Namespace) -> int:
    if args.command == "case":
        return _redact(engine, args)
    if args.action == "checkpoint":
        checkpoint = engine.audit.write_checkpoint()
        print(f"checkpoint signed by public key {checkpoint.public_key}")
        print(f"written to {checkpoint.source}")
        print(checkpoint.as_file())
        return 0
    show = not args.json and not args.no_progress and sys.stderr.isatty()
    report = engine.audit.verify(args.reference, _progress if show else None)
    if show:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        print_report(report, sys.stdout, sys.stderr)
    return 0 if report.ok else 1


def _progress(done: int, total: int, events: int) -> None:
    print(
        f"\rverifying: {done}/{total} chains, {events:,} events",
        end="",
        file=sys.stderr,
        flush=True,
    )


def print_report(report: VerifyReport, out: TextIO, err: TextIO) -> None:
    """The report in words: problems to `err`, the rest to `out`."""
    for finding in report.findings:
        print(
            f"AUDIT PROBLEM ({finding.kind}) at {finding.where}: {finding.problem}",
            file=err,
        )
    for warning in report.warnings:
        print(f"warning: {warning}", file=err)
    for r in report.redactions:
        print(
            f"redacted in {r.chain} #{r.seq} at {r.at}: {', '.join(r.fields)} "
            f"({r.payloads} payload fields), asked by {r.requested_by}, approved by "
            f"{r.approved_by}: {r.reason}",
            file=out,
        )
    verdict = "audit trail intact" if report.ok else "AUDIT TRAIL BROKEN"
    print(
        f"{verdict}: {report.events} events in {report.chains} chains, {report.cases} "
        f"cases replayed and their tables checked, {report.checkpoints} checkpoints "
        f"(public key {report.public_key or 'not configured'})",
        file=out if report.ok else err,
    )


def _redact(engine: Engine, args: argparse.Namespace) -> int:
    requester = engine.accounts.by_username(args.username)
    approver = engine.accounts.by_username(args.approved_by)
    result = engine.redactions.redact(
        requester, approver, args.reference, args.fields.split(","), args.reason
    )
    print(
        f"{result.reference}: redacted {', '.join(result.fields)} in "
        f"{result.payload_fields} payload fields and {result.messages} messages "
        f"(event #{result.seq})"
    )
    return 0
