"""The personal part of audit events (audit_payload), kept apart so it can be redacted lawfully.

An event's hash covers its plain data (ids, names of steps, times) and the digest of its payload. The
payload is a dict of sections (`data`, `start_data`, `payload`, `params`, `result`, `subject`, `body`);
each field of a section is stored with its own random salt and its digest
`sha256(salt + canonical_json([section, field, value]))`. The payload's digest is the digest of the
map of field digests, so replacing one field's value (and salt) with a tombstone naming the redaction
leaves every hash intact, while a changed value no longer matches its digest. The salt is destroyed
with the value, so a redacted name cannot be confirmed by guessing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import AuditEvent
from engine.db.models import AuditPayload
from engine.db.models import CaseMigration
from engine.db.models import Notification

# Keys of an event's data that may hold personal data: form answers, a case's start data (child and
# family details), message payloads, service-task parameters and results, a message's subject and body.
PAYLOAD_KEYS = frozenset(
    {"data", "start_data", "payload", "params", "result", "subject", "body"}
)
MESSAGE_TEXT = frozenset({"subject", "body"})
WHOLE = "*"  # the one field of a section that is not a dict
REDACTED = "[redacted]"


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def field_digest(salt: str, section: str, name: str, value: Any) -> str:
    return digest(salt + canonical_json([section, name, value]))


def split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain data, personal sections) of an event's data, both as plain JSON values."""
    normal = json.loads(canonical_json(data))
    plain = {k: v for k, v in normal.items() if k not in PAYLOAD_KEYS}
    personal = {k: v for k, v in normal.items() if k in PAYLOAD_KEYS}
    return plain, personal


def seal(sections: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(stored content, field digests, payload digest) of the personal sections of one event."""
    content: dict[str, Any] = {}
    digests: dict[str, Any] = {}
    for section, value in sections.items():
        fields = value if isinstance(value, dict) else {WHOLE: value}
        content[section], digests[section] = {}, {}
        for name, field_value in fields.items():
            salt = secrets.token_hex(16)
            content[section][name] = {"v": field_value, "s": salt}
            digests[section][name] = field_digest(salt, section, name, field_value)
    return content, digests, digest(canonical_json(digests))


def attach(event: AuditEvent, sections: dict[str, Any]) -> None:
    """Give a new event its payload row and digest (nothing is attached when there is nothing personal)."""
    if not sections:
        event.payload_digest = None
        return
    content, digests, payload_digest = seal(sections)
    event.payload_digest = payload_digest
    event.payload = AuditPayload(
        case_id=event.case_id,
        content=canonical_json(content),
        digests=canonical_json(digests),
    )


def opened(payload: AuditPayload | None) -> dict[str, Any]:
    """The personal sections as readers see them: redacted fields read "[redacted]"."""
    if payload is None:
        return {}
    sections: dict[str, Any] = {}
    for section, fields in json.loads(payload.content).items():
        values = {n: f["v"] if "v" in f else REDACTED for n, f in fields.items()}
        sections[section] = values[WHOLE] if list(values) == [WHOLE] else values
    return sections


@dataclass(frozen=True, slots=True)
class Tombstone:
    section: str
    field: str
    redaction_seq: int


def check(event: AuditEvent) -> tuple[str | None, list[Tombstone]]:
    """(what is wrong with the event's payload or None, the tombstones found in it)."""
    payload = event.payload
    if event.payload_digest is None:
        return ("it has a payload it never had" if payload is not None else None), []
    if payload is None:
        return "its payload was deleted", []
    digests = json.loads(payload.digests)
    if digest(canonical_json(digests)) != event.payload_digest:
        return "its payload's digests do not match the event; they were edited", []
    tombstones = []
    content = json.loads(payload.content)
    for section, fields in digests.items():
        for name, expected in fields.items():
            stored = content.get(section, {}).get(name)
            if stored is None:
                return f"its payload field {section}.{name} was deleted", []
            if "r" in stored:
                tombstones.append(Tombstone(section, name, int(stored["r"])))
            elif field_digest(stored["s"], section, name, stored["v"]) != expected:
                return f"its payload field {section}.{name} was edited", []
    return None, tombstones


def of_case(session: Session, case_id: int) -> list[AuditPayload]:
    return list(
        session.scalars(select(AuditPayload).where(AuditPayload.case_id == case_id))
    )


def redact(
    payload: AuditPayload, fields: Iterable[str], values: Iterable[str], seq: int
) -> list[tuple[str, str, Any]]:
    """Tombstone the named fields of every section, and a message subject or body holding one of `values`.

    :returns: (section, field, old value) of every field replaced.
    """
    names, texts = set(fields), [v for v in values if len(v) > 2]
    content = json.loads(payload.content)
    replaced = []
    for section, stored in content.items():
        for name, entry in stored.items():
            if "v" not in entry:
                continue
            value = entry["v"]
            holds = section in MESSAGE_TEXT and any(t in str(value) for t in texts)
            if name in names or holds:
                replaced.append((section, name, value))
                stored[name] = {"r": seq}
    if replaced:
        payload.content = canonical_json(content)
    return replaced


def of_case_by_seq(session: Session, case_id: int) -> list[tuple[int, AuditPayload]]:
    """(event seq, payload) of every event of the case that has a payload, in order."""
    query = (
        select(AuditEvent.seq, AuditPayload)
        .join(AuditPayload, AuditPayload.event_id == AuditEvent.id)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.seq)
    )
    return [(seq, payload) for seq, payload in session.execute(query)]


def planned(
    payload: AuditPayload, fields: Iterable[str], values: Iterable[str]
) -> list[tuple[str, str]]:
    """(section, field) of every field `redact` would replace, without changing anything."""
    names, texts = set(fields), [v for v in values if len(v) > 2]
    return [
        (section, name)
        for section, stored in json.loads(payload.content).items()
        for name, entry in stored.items()
        if "v" in entry
        and (
            name in names
            or (section in MESSAGE_TEXT and any(t in str(entry["v"]) for t in texts))
        )
    ]


def raw_values(payload: AuditPayload, fields: Iterable[str]) -> list[Any]:
    """The values (any JSON) the named fields hold in this payload, before they are redacted."""
    names = set(fields)
    return [
        entry["v"]
        for stored in json.loads(payload.content).values()
        for name, entry in stored.items()
        if name in names and "v" in entry
    ]


def values_of(payload: AuditPayload, fields: Iterable[str]) -> list[str]:
    """The text values the named fields hold in this payload (to find them in message text)."""
    names = set(fields)
    return [
        str(entry["v"])
        for stored in json.loads(payload.content).values()
        for name, entry in stored.items()
        if name in names and "v" in entry and entry["v"] not in (None, "", [])
    ]


def scrub_messages(session: Session, case_id: int, texts: Iterable[str]) -> int:
    """Replace each of `texts` with "[redacted]" in the case's notification subjects and bodies."""
    texts = sorted({t for t in texts if len(t) > 2}, key=len, reverse=True)
    changed = 0
    for row in session.scalars(
        select(Notification).where(Notification.case_id == case_id)
    ):
        subject, body = row.subject, row.body
        for text in texts:
            subject, body = (
                subject.replace(text, REDACTED),
                body.replace(text, REDACTED),
            )
        if (subject, body) != (row.subject, row.body):
            row.subject, row.body = subject, body
            changed += 1
    return changed


def stored_states(session: Session, case_id: int) -> list[CaseMigration]:
    """The case's earlier workflow states kept to undo migrations (they hold its data too)."""
    return list(
        session.scalars(select(CaseMigration).where(CaseMigration.case_id == case_id))
    )
