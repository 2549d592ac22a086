"""Tampering behind the application's back, one kind at a time: `scr audit verify` names what differs.

Each test works a case of the test diagrams (with its messages and a document), checkpoints the chains
with a signing key held outside the database, changes one thing the way someone with database access
could, and shows that verification fails naming it. On PostgreSQL the append-only trigger on
audit_event refuses the application's UPDATE and DELETE; the tests that rewrite the chain bypass it as
only a superuser can (session_replication_role), which the signed checkpoints then catch.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engine import EngineSettings
from engine import build_engine
from engine.db.audit import event_hash
from engine.db.base import Database
from engine.db.models import AuditEvent
from engine.process.handlers import HandlerRegistry
from engine.services.checkpoints import AuditKeys
from tests.engine.helpers import DIAGRAMS
from tests.engine.helpers import GOOD_START
from tests.engine.helpers import only_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bundle() -> dict[str, bytes]:
    return {
        p.relative_to(DIAGRAMS).as_posix(): p.read_bytes()
        for p in DIAGRAMS.rglob("*")
        if p.is_file() and p.parent.name != "loops" and "loops" not in p.parts
    }


@pytest.fixture
def handlers() -> HandlerRegistry:
    """The real notify handler (the engine adds it to an empty registry): messages reach the outbox."""
    return HandlerRegistry()


@pytest.fixture
def keys(tmp_path) -> AuditKeys:
    return AuditKeys(Ed25519PrivateKey.generate(), None, tmp_path / "checkpoints")


@pytest.fixture
def engine(db_engine, clock, handlers, keys):
    built = build_engine(
        EngineSettings(),
        clock=clock,
        handlers=handlers,
        database=Database(db_engine),
        audit_keys=keys,
    )
    built.directory.load_demo_users()
    return built


@pytest.fixture
def case(engine, users, clock):
    engine.deployments.deploy(users["owner"], bundle())
    started = engine.cases.start(
        users["bqam"], "Process_mini", {**GOOD_START, "agencies": ["police"]}
    )
    clock.advance(hours=2)
    engine.documents.upload(users["bqam"], started.reference, "chronology.pdf", PDF)
    clock.advance(hours=1)
    engine.tasks.complete(
        users["committee"],
        only_task(engine, users["committee"]).id,
        {"decision": "scr", "attendees": "3"},
    )
    clock.advance(days=1)
    engine.tasks.complete(
        users["police_author"],
        only_task(engine, users["police_author"]).id,
        {"summary": "Two call-outs."},
    )
    engine.audit.write_checkpoint()
    report = engine.audit.verify()
    assert report.ok, report.findings
    return started


def _sql(engine, statement, **params):
    """SQL as a database superuser could run it (bypassing the append-only trigger on PostgreSQL)."""
    with engine.database.bind.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        return connection.execute(text(statement), params)


def _case_id(engine, reference):
    return _sql(
        engine, "SELECT id FROM review_case WHERE reference = :r", r=reference
    ).scalar_one()


def _fails(engine, kind, *words):
    report = engine.audit.verify()
    assert not report.ok
    found = [f for f in report.findings if f.kind == kind]
    assert found, report.findings
    text_ = f"{found[0].where}: {found[0].problem}"
    for word in words:
        assert word in text_, text_
    return report


def test_a_changed_completer_is_named(engine, users, case):
    _sql(
        engine,
        "UPDATE human_task SET completed_by_id = :u WHERE case_id = :c AND completed_by_id IS NOT NULL",
        u=users["chair"].id,
        c=_case_id(engine, case.reference),
    )
    _fails(engine, "task", "human_task", "completed_by_id")


def test_a_changed_completion_time_is_named(engine, users, case):
    _sql(
        engine,
        "UPDATE human_task SET completed_at = started.at FROM (SELECT started_at AS at "
        "FROM review_case WHERE id = :c) AS started WHERE case_id = :c AND state = 'completed'"
        if engine.database.bind.dialect.name == "postgresql"
        else "UPDATE human_task SET completed_at = (SELECT started_at FROM review_case "
        "WHERE id = :c) WHERE case_id = :c AND state = 'completed'",
        c=_case_id(engine, case.reference),
    )
    _fails(engine, "task", "human_task", "completed_at")


def test_a_changed_due_date_is_named(engine, users, case):
    _sql(
        engine,
        "UPDATE human_task SET due_at = completed_at WHERE case_id = :c AND due_at IS NOT NULL",
        c=_case_id(engine, case.reference),
    )
    _fails(engine, "task", "human_task", "due_at")


def test_changed_document_bytes_are_named(engine, users, case):
    _sql(
        engine,
        "UPDATE document SET content = :b WHERE case_id = :c",
        b=PDF.replace(b"1.4", b"1.7"),
        c=_case_id(engine, case.reference),
    )
    _fails(engine, "document", "chronology.pdf", "sha256")


def test_a_changed_diagram_file_is_named(engine, users, case):
    _sql(
        engine,
        "UPDATE deployment_file SET content = :b WHERE name = 'mini.bpmn'",
        b=(DIAGRAMS / "mini.bpmn").read_bytes().replace(b"Mini review", b"Mini revue"),
    )
    _fails(engine, "deployment", "mini.bpmn", "hash")


def test_a_changed_notification_is_named(engine, users, case):
    changed = _sql(
        engine,
        "UPDATE notification SET status = 'sent' WHERE case_id = :c AND status <> 'sent'",
        c=_case_id(engine, case.reference),
    ).rowcount
    assert changed
    _fails(engine, "notification", "notification", "status")


def test_a_changed_case_status_is_named(engine, users, case):
    _sql(
        engine,
        "UPDATE review_case SET status = 'completed' WHERE id = :c",
        c=_case_id(engine, case.reference),
    )
    _fails(engine, "status", case.reference, "status")


def test_a_truncated_chain_with_its_head_moved_is_caught_by_the_checkpoint(
    engine, users, case
):
    case_id = _case_id(engine, case.reference)
    chain = f"case:{case_id}"
    last = _sql(
        engine, "SELECT max(seq) FROM audit_event WHERE chain = :n", n=chain
    ).scalar_one()
    for seq in (last, last - 1):
        _sql(
            engine,
            "DELETE FROM audit_payload WHERE event_id IN "
            "(SELECT id FROM audit_event WHERE chain = :n AND seq = :s)",
            n=chain,
            s=seq,
        )
        _sql(
            engine,
            "DELETE FROM audit_event WHERE chain = :n AND seq = :s",
            n=chain,
            s=seq,
        )
    seq, hash_ = _sql(
        engine,
        "SELECT seq, hash FROM audit_event WHERE chain = :n ORDER BY seq DESC LIMIT 1",
        n=chain,
    ).one()
    _sql(
        engine,
        "UPDATE audit_chain_head SET seq = :s, hash = :h WHERE chain = :n",
        s=seq,
        h=hash_,
        n=chain,
    )
    assert engine.audit.verify_chain().ok  # the chain alone looks whole
    _fails(engine, "checkpoint", chain, "shortened")


def test_a_rewritten_chain_with_recomputed_hashes_is_caught_by_the_checkpoint(
    engine, users, case
):
    chain = f"case:{_case_id(engine, case.reference)}"
    with Session(engine.database.bind) as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.chain == chain)
                .order_by(AuditEvent.seq)
            )
        )
        session.expunge_all()
    rows = [(e.id, e.seq) for e in events]
    completed = next(i for i, e in enumerate(events) if e.type == "task_completed")
    prev = events[completed - 1].hash
    for event in events[completed:]:
        if event.type == "task_completed" and event.actor_name != "Mallory":
            event.actor_name = "Mallory"
        event.prev_hash = prev
        event.hash = event_hash(prev, event)
        prev = event.hash
        _sql(
            engine,
            "UPDATE audit_event SET actor_name = :a, prev_hash = :p, hash = :h WHERE id = :i",
            a=event.actor_name,
            p=event.prev_hash,
            h=event.hash,
            i=event.id,
        )
    _sql(
        engine,
        "UPDATE audit_chain_head SET hash = :h WHERE chain = :n",
        h=prev,
        n=chain,
    )
    assert rows and engine.audit.verify_chain().ok  # the chain alone looks whole
    _fails(engine, "checkpoint", chain, "rewritten")


def test_a_stored_workflow_in_another_serializer_version_is_named(engine, users, case):
    case_id = _case_id(engine, case.reference)
    state = json.loads(
        _sql(
            engine, "SELECT state FROM review_case WHERE id = :c", c=case_id
        ).scalar_one()
    )
    state["serializer_version"] = "1.1"
    _sql(
        engine,
        "UPDATE review_case SET state = :s WHERE id = :c",
        s=json.dumps(state),
        c=case_id,
    )
    _fails(engine, "state", case.reference, "'1.1'")


def test_a_checkpoint_signed_by_another_key_is_refused(engine, users, case, keys):
    forger = AuditKeys(Ed25519PrivateKey.generate(), None, keys.folder)
    other = build_engine(EngineSettings(), database=engine.database, audit_keys=forger)
    other.audit.write_checkpoint()
    _fails(engine, "checkpoint", "not the trusted key")


def test_verify_reports_json_and_the_public_key(engine, users, case, keys):
    report = engine.audit.verify().as_json()
    assert report["ok"] and report["checkpoints_checked"] == 2  # database and file
    assert report["public_key"] == keys.public_key and len(keys.public_key) == 64
    assert report["cases"] == 1 and report["events_checked"] > 5


def test_the_append_only_trigger_refuses_update_and_delete_on_postgresql(
    engine, users, case
):
    bind = engine.database.bind
    if bind.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the checkpoints")
    for statement in (
        "UPDATE audit_event SET actor_name = 'Mallory'",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with bind.begin() as connection:
                connection.execute(text(statement))
    # An application role (not a superuser, not the owner) cannot switch the trigger off either.
    with bind.begin() as connection:
        connection.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scr_app') "
                "THEN CREATE ROLE scr_app; END IF; END $$"
            )
        )
        connection.execute(
            text("GRANT SELECT, INSERT, UPDATE, DELETE ON audit_event TO scr_app")
        )
    for statement in (
        "UPDATE audit_event SET actor_name = 'Mallory'",
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
        "SET session_replication_role = replica",
    ):
        with pytest.raises(DBAPIError):
            with bind.begin() as connection:
                connection.execute(text("SET LOCAL ROLE scr_app"))
                connection.execute(text(statement))
    assert engine.audit.verify().ok


def test_the_worker_signs_a_checkpoint_only_when_a_chain_has_grown(engine, users, case):
    """The worker asks every cycle; a quiet system does not pile up identical checkpoints."""
    assert engine.audit.write_checkpoint(only_if_changed=True) is None  # `case` signed
    engine.accounts.sign_in("bqam", "scr-demo-password")  # the system chain grows
    assert engine.audit.write_checkpoint(only_if_changed=True) is not None
    assert engine.audit.write_checkpoint(only_if_changed=True) is None
    assert engine.audit.verify().ok
