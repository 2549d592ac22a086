"""The role keys of the design (lane names and camunda:candidateGroups use them)."""

from __future__ import annotations

ROLES: dict[str, str] = {
    "bqam": "Business and Quality Assurance Manager",
    "secretariat": "Board secretariat",
    "independent_chair": "Independent Chair of the Board",
    "sqa_manager": "Safeguarding and Quality Assurance Service Manager",
    "scr_committee": "SCR Committee member",
    "sub_group_chair": "Chair of the Case Review Sub Group",
    "designated_nurse": "Designated nurse",
    "panel_chair": "SCR Panel chair",
    "panel_member": "SCR Panel member",
    "reviewer": "Independent reviewer / overview author",
    "agency_author": "Agency report author",
    "agency_manager": "Agency senior manager",
    "legal_adviser": "Legal adviser",
    "board_member": "Board member",
    "process_owner": "Process owner",
    "auditor": "Auditor",
    "admin": "Administrator",
}
BOARD_WIDE = frozenset({"bqam", "independent_chair", "auditor", "admin"})
READ_ONLY = frozenset({"auditor"})

# Case roles (issue 12): a case's team, addressed in diagrams as `case:<case role>`. Each maps to the
# Board role that makes a person able to serve in it (None: anyone may be named).
CASE_PREFIX = "case:"
CASE_ROLES: dict[str, str | None] = {
    "panel_chair": "panel_chair",
    "panel_member": "panel_member",
    "reviewer": "reviewer",
    "agency_author": "agency_author",
    "agency_manager": "agency_manager",
    "legal_adviser": "legal_adviser",
    "family_liaison": None,
}
CASE_ROLE_NAMES: dict[str, str] = {
    "panel_chair": "SCR Panel chair",
    "panel_member": "SCR Panel member",
    "reviewer": "Independent reviewer / overview author",
    "agency_author": "Agency report author",
    "agency_manager": "Agency senior manager",
    "legal_adviser": "Legal adviser",
    "family_liaison": "Family liaison contact",
}
