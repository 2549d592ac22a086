"""Demo users for every role, and the agencies they belong to (for `make run` and the tests).

Every demo user has the password DEMO_PASSWORD; the README lists them. Never load these into a live system.
"""

from __future__ import annotations

import functools

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import accounts
from engine.db.models import AppUser
from engine.db.reference import ensure_reference_data

DEMO_PASSWORD = "scr-demo-password"  # noqa: S105  (documented demo credential)

AGENCIES = {  # the keys the diagrams' "agencies" choices use
    "childrens_social_care": "Children's Social Care",
    "police": "West Yorkshire Police",
    "ccg": "Clinical Commissioning Group",
    "nhs_england": "NHS England",
    "acute_hospital": "Acute hospital trust",
    "community_health": "Community health services",
    "mental_health": "Mental health services",
    "general_practice": "General practice",
    "education": "Schools and education",
    "early_years": "Early years and children's centres",
    "probation": "Probation Service",
    "youth_offending": "Youth Offending Team",
    "housing": "Housing",
    "adult_social_care": "Adult social care",
    "ambulance": "Ambulance service",
    "cafcass": "Cafcass",
    "voluntary_sector": "Voluntary and community sector",
}

# username, display name, roles, agency
DEMO_USERS: list[tuple[str, str, list[str], str | None]] = [
    ("bqam", "Beatrice Quinn", ["bqam"], None),
    ("secretariat", "Sam Etherington", ["secretariat"], None),
    ("chair", "Irene Chalmers", ["independent_chair"], None),
    ("sqa", "Sunil Qureshi", ["sqa_manager"], "childrens_social_care"),
    ("committee", "Carol Mitchell", ["scr_committee"], None),
    ("subgroup", "Stella Grant", ["sub_group_chair"], None),
    ("nurse", "Nadia Dunne", ["designated_nurse"], "community_health"),
    ("panelchair", "Patrick Chen", ["panel_chair"], None),
    ("police_panel", "Priya Lewis", ["panel_member"], "police"),
    ("health_panel", "Harriet Moss", ["panel_member"], "community_health"),
    ("reviewer", "Rowan Ives", ["reviewer"], None),
    ("police_author", "Paul Armitage", ["agency_author"], "police"),
    ("health_author", "Hannah Aziz", ["agency_author"], "community_health"),
    ("csc_author", "Carl Stone", ["agency_author"], "childrens_social_care"),
    ("education_author", "Ellen Dart", ["agency_author"], "education"),
    ("police_manager", "Mark Penrose", ["agency_manager"], "police"),
    ("health_manager", "Helen Marsh", ["agency_manager"], "community_health"),
    ("csc_manager", "Colin Salt", ["agency_manager"], "childrens_social_care"),
    ("education_manager", "Erin Mayfield", ["agency_manager"], "education"),
    ("legal", "Laura Greaves", ["legal_adviser"], None),
    ("board", "Bernard Mills", ["board_member"], None),
    ("owner", "Olivia Porter", ["process_owner"], None),
    ("auditor", "Aidan Ross", ["auditor"], None),
    ("admin", "Ada Minter", ["admin"], None),
]


@functools.lru_cache(maxsize=1)
def _demo_hash() -> str:
    """One hash for the shared demo password: hashing it per user would take seconds."""
    return accounts.hash_password(DEMO_PASSWORD)


def load_demo(session: Session) -> int:
    """Create roles, agencies and demo users that do not exist yet; return how many users were added."""
    ensure_reference_data(session)
    for key, name in AGENCIES.items():
        accounts.ensure_agency(session, key, name)
    session.flush()
    existing = set(session.scalars(select(AppUser.username)))
    added = 0
    shared_hash = _demo_hash()
    for username, name, roles, agency in DEMO_USERS:
        if username in existing:
            continue
        accounts.create_user(
            session,
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            roles=roles,
            agency=agency,
            email=f"{username}@scr.example.org",
            password_hash=shared_hash,
        )
        added += 1
    return added
