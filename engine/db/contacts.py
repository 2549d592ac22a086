"""The contact table: external bodies told by notifications (Ofsted, the National Panel, ...)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Contact


def all_contacts(session: Session) -> list[Contact]:
    return list(session.scalars(select(Contact).order_by(Contact.name)))


def keys(session: Session) -> set[str]:
    return set(session.scalars(select(Contact.key)))


def save(session: Session, key: str, name: str, email: str) -> tuple[str, str] | None:
    """Add or change a contact; return its name and address as they were (None if new)."""
    contact = session.get(Contact, key)
    before = (contact.name, contact.email) if contact else None
    if contact is None:
        contact = Contact(key=key, name=name, email=email)
        session.add(contact)
    contact.name, contact.email = name, email
    return before
