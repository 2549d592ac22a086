"""Reference data every installation needs: the role keys and the external bodies notified by the process."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.db import accounts
from engine.db.models import Contact

# Placeholder addresses: an administrator sets the real ones (Contacts page) before going live.
DEFAULT_CONTACTS = {
    "ofsted": (
        "Ofsted (serious incident notifications)",
        "enquiries@ofsted.example.invalid",
    ),
    "dfe": ("Department for Education", "serious-incidents@dfe.example.invalid"),
    "national_panel": (
        "National Panel of Independent Experts",
        "national.panel@example.invalid",
    ),
    "coroner": ("HM Coroner", "coroner@example.invalid"),
    "ccg": ("Clinical Commissioning Group", "ccg.safeguarding@example.invalid"),
    "nhs_england": ("NHS England", "nhs.england.safeguarding@example.invalid"),
    "family": (
        "Family liaison (letters to the family)",
        "family.liaison@example.invalid",
    ),
    "staff": (
        "Staff of the agencies involved (via agency leads)",
        "agency.leads@example.invalid",
    ),
    "media": ("Communications and media team", "communications@example.invalid"),
}


def ensure_reference_data(session: Session) -> None:
    """Create role rows and default contacts that do not exist yet; never overwrite an admin's edits."""
    accounts.ensure_roles(session)
    for key, (name, email) in DEFAULT_CONTACTS.items():
        if session.get(Contact, key) is None:
            session.add(Contact(key=key, name=name, email=email))
