"""Who may see or do what: every permission rule of the engine, by name. Decided here, never in the web
layer (which asks `can(user, "deploy")` to decide what to show, and the engine refuses anyway).

A rule names the roles it is granted to and whether it changes anything: auditors hold read-only
powers whatever other roles they have, and a deactivated account changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.dto import UserInfo
from engine.errors import NotPermitted
from engine.roles import BOARD_WIDE
from engine.roles import READ_ONLY

OWNERS = frozenset({"process_owner", "admin"})
VERSION_READERS = OWNERS | {"auditor", "bqam"}


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[str]
    changes: bool
    doing: str


RULES: dict[str, Rule] = {
    "deploy": Rule(OWNERS, True, "deploy diagrams"),
    "choose_version": Rule(OWNERS, True, "choose the version new cases start on"),
    "see_deployments": Rule(VERSION_READERS, False, "see deployments"),
    "plan_migrations": Rule(OWNERS, False, "plan migrations"),
    "migrate_cases": Rule(OWNERS, True, "migrate cases"),
    "see_migrations": Rule(VERSION_READERS, False, "see migrations"),
    "see_users": Rule(frozenset({"admin", "auditor"}), False, "see the list of users"),
    "manage_users": Rule(frozenset({"admin"}), True, "manage users and contacts"),
    "see_contacts": Rule(
        frozenset({"admin", "bqam", "auditor"}), False, "see the contacts"
    ),
    "manage_contacts": Rule(frozenset({"admin"}), True, "manage users and contacts"),
    "see_failed_notifications": Rule(
        frozenset({"bqam", "admin", "auditor"}), False, "see failed notifications"
    ),
    "release_any_claim": Rule(
        frozenset({"bqam", "admin"}), True, "release a task somebody else claimed"
    ),
    # Enforced by the audit services (timeline, replay, deadlines, exports, who read a case).
    "see_audit": Rule(BOARD_WIDE, False, "read the audit pages and exports"),
    "see_every_case": Rule(BOARD_WIDE, False, "see every case"),
    "change": Rule(frozenset(), True, "change anything"),
    # Redaction of personal data from the record takes two people: see `require_redaction`.
    "request_redaction": Rule(
        frozenset({"bqam"}), True, "request the redaction of personal data"
    ),
    "approve_redaction": Rule(
        frozenset({"independent_chair"}), True, "approve the redaction of personal data"
    ),
    # Case teams (issue 12): the tasks that appoint people set a case's team; the BQAM changes it.
    "change_case_team": Rule(frozenset({"bqam"}), True, "change a case's team"),
    # Corrections (issue 15): the person who completed a task corrects its answers, the BQAM anyone's
    # and decides about an answer the process already used to choose a path (`require_correction`).
    "correct_any_answer": Rule(
        frozenset({"bqam"}), True, "correct an answer in somebody else's task"
    ),
    "correct_routing_answer": Rule(
        frozenset({"bqam"}),
        True,
        "correct, in the record only, an answer that chose the case's path",
    ),
    # Need to know: an agency's documents before the Panel accepted its report (may_read_document).
    "read_unshared_documents": Rule(
        BOARD_WIDE, False, "read an agency's documents before the Panel accepted them"
    ),
    # Board members read the cases they are sent (the draft or final report), and the Chair of the
    # Case Review Sub Group the cases it is told of (the incident, the Chair's reasons): shared parts only.
    "see_cases_sent_to_them": Rule(
        frozenset({"board_member", "sub_group_chair"}),
        False,
        "see a case that sent them a message",
    ),
}


# Across cases (issue 13): the recommendations register, the merged chronology, the Board's reports.
REGISTER_READERS = frozenset(
    {"scr_committee", "sub_group_chair", "bqam", "independent_chair", "auditor"}
)
AGENCY_LEADS = frozenset({"agency_manager", "agency_author", "panel_member"})
NAMED_CHRONOLOGY = frozenset(
    {"panel_chair", "panel_member", "bqam", "independent_chair", "auditor"}
)
RULES.update(
    {
        "see_whole_register": Rule(
            REGISTER_READERS, False, "see every entry of the recommendations register"
        ),
        "see_agency_register": Rule(
            AGENCY_LEADS, False, "see their agency's entries in the register"
        ),
        "submit_chronology": Rule(
            frozenset({"agency_author", "agency_manager", "bqam"}),
            True,
            "submit an agency's chronology",
        ),
        "submit_any_chronology": Rule(
            frozenset({"bqam"}), True, "submit a chronology for another agency"
        ),
        "see_chronology": Rule(
            NAMED_CHRONOLOGY | {"reviewer", "scr_committee"},
            False,
            "read the merged chronology",
        ),
        "see_named_chronology": Rule(
            NAMED_CHRONOLOGY, False, "read the chronology with people's real names"
        ),
        "see_board_reports": Rule(
            BOARD_WIDE | {"scr_committee", "sub_group_chair", "board_member"},
            False,
            "read the Board's reports across cases",
        ),
    }
)


def register_scope(user: UserInfo) -> str | None:
    """The agency whose register entries the user sees, or None for the whole register.

    The Sub Group and the BQAM (and the Chair, and auditors) see every entry; an agency lead
    sees their own agency's; anybody else is refused.
    """
    if can(user, "see_whole_register"):
        return None
    if can(user, "see_agency_register") and user.agency:
        return user.agency
    require(user, "see_whole_register")
    raise AssertionError("unreachable")


def chronology_agency(user: UserInfo) -> str | None:
    """Whose chronology entries the user reads: None for every agency; an agency author or
    manager outside the Panel only their own agency's (need to know, DESIGN §1)."""
    if can(user, "see_chronology"):
        return None
    if user.roles & {"agency_author", "agency_manager"} and user.agency:
        return user.agency
    require(user, "see_chronology")
    raise AssertionError("unreachable")


def can(user: UserInfo, permission: str) -> bool:
    """Whether `user` holds `permission` (a key of RULES; "change" = may change anything at all)."""
    rule = RULES[permission]
    if rule.changes and (not user.active or user.roles & READ_ONLY):
        return False
    return permission == "change" or bool(user.roles & rule.roles)


def require(user: UserInfo, permission: str) -> None:
    """Raise NotPermitted, saying why, unless `user` holds `permission`."""
    if can(user, permission):
        return
    rule = RULES[permission]
    if rule.changes:
        require_can_change(user)
    names = ", ".join(sorted(rule.roles)) or "nobody"
    raise NotPermitted(f"Only people with the role {names} may {rule.doing}.")


def require_can_change(user: UserInfo) -> None:
    """Auditors read everything and change nothing, whatever other roles they hold."""
    if not user.active:
        raise NotPermitted("This account is deactivated.")
    if user.roles & READ_ONLY:
        raise NotPermitted("Auditors can read every case but cannot change anything.")


def sees_every_case(user: UserInfo) -> bool:
    """Board-wide roles see every case; everyone else the cases they take part in."""
    return can(user, "see_every_case")


def sees_cases_sent_to(user: UserInfo) -> bool:
    """Board members and the Chair of the Case Review Sub Group also see each case that addressed a
    message to them (its shared parts: need to know still keeps an agency's documents and entries
    until the Panel accepts them)."""
    return can(user, "see_cases_sent_to_them")


def held_roles(
    user: UserInfo,
    agency: str | None,
    case_roles: Iterable[tuple[str, str | None]] = (),
) -> set[str]:
    """The role keys the user holds for a task of `agency` (None: not agency-scoped).

    Board roles count where the task has no agency or the user's agency; a case role
    ("case:panel_member", from the case's team) where the task has no agency or the member's.
    """
    held = set(user.roles) if agency is None or agency == user.agency else set()
    held |= {f"case:{r}" for r, a in case_roles if agency is None or a == agency}
    return held


def may_work_on(
    user: UserInfo,
    roles: Iterable[str],
    agency: str | None,
    assignee_id: int | None,
    case_roles: Iterable[tuple[str, str | None]] = (),
) -> bool:
    """A ready task is the assignee's, or is offered to a role the user holds (in the task's agency).

    `case_roles`: the (case role, agency) pairs the user holds in the task's case: a task offered to
    `case:<role>` is for this case's members in that role, whatever Board roles they hold.
    """
    if assignee_id is not None:
        return assignee_id == user.id
    return bool(held_roles(user, agency, case_roles) & set(roles))


def require_work(
    user: UserInfo,
    roles: Iterable[str],
    agency: str | None,
    assignee_id: int | None,
    case_roles: Iterable[tuple[str, str | None]] = (),
) -> None:
    """NotPermitted, saying whether the task is someone else's or not offered to the user's roles."""
    roles, case_roles = list(roles), list(case_roles)
    if may_work_on(user, roles, agency, assignee_id, case_roles):
        return
    if assignee_id is not None and held_roles(user, None, case_roles) & set(roles):
        raise NotPermitted("Somebody else has claimed this task.")
    raise NotPermitted("This task is not offered to any of your roles.")


# The case roles that quality-assure the agencies' reports (the Calderdale framework §4, Appendix 2).
QUALITY_ASSURERS = frozenset({"panel_chair", "panel_member"})


def may_read_document(
    user: UserInfo,
    agency: str | None,
    shared: bool,
    case_roles: Iterable[tuple[str, str | None]] = (),
) -> bool:
    """Need to know, for someone who may see the case: a document of no agency, or shared (the Panel
    accepted the agency's report), is the case's; before that an agency's IMR or chronology is for
    that agency's own people, this case's Panel (its Chair and members, who each give their view on
    it before the Panel accepts it) and board-wide roles."""
    if agency is None or shared or can(user, "read_unshared_documents"):
        return True
    if user.agency == agency:
        return True
    return any(role in QUALITY_ASSURERS for role, _ in case_roles)


def require_one_of(user: UserInfo, roles: Iterable[str], doing: str) -> None:
    """For rules a diagram sets (who may start a process, who may send a message): one of `roles`."""
    allowed = set(roles)
    if not user.roles & allowed:
        names = ", ".join(sorted(allowed)) or "nobody"
        raise NotPermitted(f"Only people with the role {names} may {doing}.")


def require_redaction(requester: UserInfo, approver: UserInfo) -> None:
    """Redaction needs two people: the Business and QA Manager asks, the Independent Chair approves.

    Both must hold their rule (and be able to change things), and they must be different accounts,
    so nobody erases a child's details from the record alone.
    """
    require(requester, "request_redaction")
    require(approver, "approve_redaction")
    if requester.id == approver.id:
        raise NotPermitted(
            "A redaction must be approved by somebody other than the person who asks for it."
        )


def require_correction(user: UserInfo, completed_by_id: int | None) -> None:
    """A completed task's answers are corrected by the person who completed it, or by the BQAM."""
    require_can_change(user)
    if completed_by_id is not None and completed_by_id == user.id:
        return
    if not can(user, "correct_any_answer"):
        raise NotPermitted(
            "Only the person who completed this task, or the Business and Quality Assurance "
            "Manager, may correct its answers."
        )
