"""`scr user ...` and `scr agency ...`: accounts and agencies, enough to go live from an empty database.

The first administrator is created without `--as` (only while there is none); every other command
names the administrator acting with `--as`. Passwords come from standard input or a prompt.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from pathlib import Path

from engine.errors import EngineError
from engine.services.engine import Engine


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """`scr user ...` and `scr agency ...`: going live from an empty database."""
    user = commands.add_parser("user", help="accounts").add_subparsers(
        dest="action", required=True
    )
    create = user.add_parser(
        "create", help="add an account (password from standard input or a prompt)"
    )
    create.add_argument("name", metavar="USERNAME")
    create.add_argument("--display-name", required=True, help="the person's full name")
    create.add_argument("--email")
    create.add_argument(
        "--role", action="append", default=[], help="a role key (repeat)"
    )
    create.add_argument("--agency", help="agency key, for agency roles")
    create.add_argument("--admin", action="store_true", help="give the admin role")
    create.add_argument(
        "--as",
        dest="username",
        help="the administrator adding it (not for the first one)",
    )
    for action, text in (
        ("set-password", "give an account a new password (read as for create)"),
        ("reactivate", "let a deactivated account sign in again"),
        ("unlock", "let clients that failed to sign in as this user try again now"),
    ):
        sub = user.add_parser(action, help=text)
        sub.add_argument("name", metavar="USERNAME")
        sub.add_argument("--as", dest="username", required=True)
    agency = commands.add_parser("agency", help="agencies").add_subparsers(
        dest="action", required=True
    )
    add = agency.add_parser("add", help="add (or rename) one agency")
    add.add_argument("key", help="lower-case key, like police")
    add.add_argument("agency_name", metavar="NAME")
    add.add_argument("--as", dest="username", required=True)
    bulk = agency.add_parser("import", help="add agencies from a CSV file: key,name")
    bulk.add_argument("file", type=Path)
    bulk.add_argument("--as", dest="username", required=True)


def run(engine: Engine, args: argparse.Namespace) -> int:
    """`scr user create|set-password|reactivate|unlock` and `scr agency add|import`."""
    directory = engine.directory
    if args.command == "agency":
        rows = (
            [(args.key, args.agency_name)]
            if args.action == "add"
            else read_agencies(args.file)
        )
        added = directory.add_agencies(engine.accounts.by_username(args.username), rows)
        print(f"agencies saved: {len(rows)} ({added} new)")
        return 0
    if args.action == "create" and args.admin and not args.username:
        user = directory.create_first_admin(
            args.name, args.display_name, args.email, read_password()
        )
        print(f"administrator created: {user.username}")
        return 0
    if not args.username:
        raise EngineError("Name the administrator doing this with --as USERNAME.")
    actor = engine.accounts.by_username(args.username)
    if args.action == "create":
        roles = args.role + (["admin"] if args.admin else [])
        user = directory.create_user(
            actor, args.name, args.display_name, args.email, read_password(), roles,
            args.agency,
        )  # fmt: skip
        print(f"user created: {user.username} ({', '.join(sorted(user.roles))})")
    elif args.action == "set-password":
        directory.set_password(actor, args.name, read_password())
        print(f"password set for {args.name}")
    elif args.action == "reactivate":
        print(f"reactivated: {directory.reactivate_user(actor, args.name).username}")
    else:
        print(f"unlocked: {directory.unlock_user(actor, args.name).username}")
    return 0


def read_password() -> str:
    """A new password: the first line of standard input, or typed twice at a prompt."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("The same again: ") != first:
        raise EngineError("The two passwords differ; nothing was changed.")
    return first


def read_agencies(path: Path) -> list[tuple[str, str]]:
    """(key, name) rows of a CSV file with a `key,name` header."""
    if not path.is_file():
        raise EngineError(f"{path} is not a file.")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"key", "name"} <= set(reader.fieldnames):
            raise EngineError(
                f"{path} needs a header line naming the columns key,name."
            )
        return [
            ((row["key"] or "").strip(), (row["name"] or "").strip())
            for row in reader
            if any((v or "").strip() for v in row.values())
        ]
