"""Fixtures for operations tests: a throwaway PostgreSQL database, the `scr` command, a live system.

A live system is set up the way an operator goes live: `scr db upgrade`, the first administrator,
agencies from a CSV file, users and the diagrams, all with the CLI and no demo data.
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from engine.cli import main as scr_main
from tests.conftest import PG_SERVER
from tests.engine.helpers import DIAGRAMS

PASSWORD = "a-long-test-password"
_numbers = itertools.count(1)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test (skipped, saying why, if there is no server)."""
    name = f"scr_ops_{os.getpid()}_{next(_numbers)}"
    try:
        admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as err:  # noqa: BLE001 - any failure means "no server here"
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}: {type(err).__name__}")
    yield f"{PG_SERVER}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@dataclass
class Scr:
    """Runs `scr` in this process (the same `main` as the installed command), with a password on stdin."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = scr_main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str, stdin: str = "") -> str:
        code, out, err = self(*args, stdin=stdin)
        assert code == 0, (args, out, err)
        return out


@pytest.fixture
def scr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Scr:
    return Scr(monkeypatch, capsys)


def mini_bundle(folder: Path) -> Path:
    """The engine tests' mini review and its templates, copied to `folder`."""
    folder.mkdir()
    for name in ("mini.bpmn", "mini_criteria.dmn"):
        shutil.copy(DIAGRAMS / name, folder / name)
    shutil.copytree(DIAGRAMS / "templates", folder / "templates")
    return folder


def go_live(scr: Scr, tmp_path: Path) -> None:
    """From an empty database to a live system, with the CLI only and no demo data."""
    scr.ok("db", "upgrade")
    scr.ok(
        "user", "create", "ada", "--display-name", "Ada Admin",
        "--email", "ada@board.example.org", "--admin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    agencies = tmp_path / "agencies.csv"
    agencies.write_text("key,name\npolice,Police\ncommunity_health,Community health\n")
    scr.ok("agency", "import", str(agencies), "--as", "ada")
    for username, role, email in (
        ("owner", "process_owner", "owner@board.example.org"),
        ("bqam", "bqam", "bqam@board.example.org"),
        ("chair", "independent_chair", "chair@board.example.org"),
        ("committee", "scr_committee", "committee@board.example.org"),
    ):
        scr.ok(
            "user", "create", username, "--display-name", username.title(),
            "--email", email, "--role", role, "--as", "ada", stdin=PASSWORD + "\n",
        )  # fmt: skip
    scr.ok("deploy", str(mini_bundle(tmp_path / "bpmn")), "--as", "owner")
