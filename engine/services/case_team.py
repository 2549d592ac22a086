"""Case teams (issue 12): who serves on this review, by case role.

The tasks that appoint people set the team: a form field with the property `appoints` =
`case:<case role>` names one user (or several, for the Panel's members), who must hold the Board
role that lets them serve. The Business and Quality Assurance Manager may change the team, giving a
reason. Every change is audited (`case_member_appointed`). Diagrams then address the team as
`case:<case role>` (candidate groups and notify recipients), resolved in engine.db against it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.access import can
from engine.db import case_team as team_rows
from engine.db.accounts import by_username
from engine.db.models import AppUser
from engine.db.models import ReviewCase
from engine.dto import UserInfo
from engine.errors import FormInvalid
from engine.errors import NotFound
from engine.roles import CASE_ROLE_NAMES
from engine.roles import CASE_ROLES
from engine.roles import ROLES
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class TeamMember:
    case_role: str
    role_name: str
    username: str
    display_name: str
    agency: str | None


@dataclass(frozen=True, slots=True)
class CaseTeam:
    reference: str
    members: tuple[TeamMember, ...]
    may_change: bool
    case_roles: tuple[tuple[str, str], ...]  # (case role, readable name), in order


def usernames_in(value: Any) -> list[str]:
    """The user names a field's value lists (commas, semicolons or spaces between them)."""
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return [n for n in re.split(r"[\s,;]+", str(value or "")) if n]


def _users_or_problem(
    session: Session, case_role: str, names: list[str]
) -> tuple[list[AppUser], str | None]:
    """The accounts named, or why they cannot serve in `case_role`."""
    needed = CASE_ROLES.get(case_role, "")
    users = []
    for name in names:
        user = by_username(session, name)
        if user is None or not user.active:
            return [], f"There is no active user {name!r}."
        held = {m.role_key for m in user.memberships}
        if needed and needed not in held:
            title = ROLES.get(needed, needed)
            return [], f"{user.display_name} ({name}) does not have the role {title}."
        users.append(user)
    return users, None


def appointment_problems(
    session: Session, appoints: Mapping[str, str], values: Mapping[str, Any]
) -> dict[str, str]:
    """Field errors for appointing fields naming somebody who cannot serve (nothing is saved)."""
    problems = {}
    for field_id, case_role in appoints.items():
        names = usernames_in(values.get(field_id))
        if case_role not in CASE_ROLES:
            problems[field_id] = (
                f"The diagram appoints an unknown case role {case_role!r}."
            )
            continue
        if case_role != "panel_member" and len(names) > 1:
            problems[field_id] = "Name one user."
            continue
        _, problem = _users_or_problem(session, case_role, names)
        if problem:
            problems[field_id] = problem
    return problems


def appoint(
    tx: UnitOfWork,
    case: ReviewCase,
    case_role: str,
    users: list[AppUser],
    agency: str | None = None,
    **why: Any,
) -> None:
    """Make `users` the case's members in `case_role` (of `agency`, if given), and audit it."""
    team_rows.replace(tx.session, case.id, case_role, users, tx.now, agency)
    tx.record(
        "case_member_appointed",
        case,
        case_role=case_role,
        agency=agency,
        usernames=[u.username for u in users],
        **why,
    )


def appoint_from_form(
    tx: UnitOfWork,
    case: ReviewCase,
    appoints: Mapping[str, str],
    values: Mapping[str, Any],
    task_id: str,
    agency: str | None,
) -> None:
    """After a task that appoints people completes: its named users join the team (checked before)."""
    for field_id, case_role in appoints.items():
        names = usernames_in(values.get(field_id))
        if not names:
            continue
        users, _ = _users_or_problem(tx.session, case_role, names)
        scope = agency if case_role in ("agency_author", "agency_manager") else None
        appoint(tx, case, case_role, users, scope, task_id=task_id, field=field_id)


class CaseTeams:
    """The case team: read it (whoever may see the case), change it (the BQAM, with a reason)."""

    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def team(self, actor: UserInfo, reference: str) -> CaseTeam:
        def query(tx: UnitOfWork) -> CaseTeam:
            row = _visible(CaseStore(tx, self.kit), reference)
            return _team_of(tx, row)

        return self.transactions.read(actor, query)

    def change(
        self,
        actor: UserInfo,
        reference: str,
        case_role: str,
        usernames: str,
        reason: str,
    ) -> CaseTeam:
        """Replace the case's members in `case_role` by the users named (none: nobody), with a reason.

        :raises FormInvalid: unknown case role, a user who cannot serve, or no reason; nothing saved.
        """

        def command(tx: UnitOfWork) -> CaseTeam:
            tx.require("change_case_team")
            store = CaseStore(tx, self.kit)
            row = store.row(_visible(store, reference).reference, lock=True)
            errors = {}
            if case_role not in CASE_ROLES:
                errors["case_role"] = "Choose a case role."
            if not reason.strip():
                errors["reason"] = "Give the reason for the change."
            names = usernames_in(usernames)
            users, problem = _users_or_problem(tx.session, case_role, names)
            if problem and not errors.get("case_role"):
                errors["usernames"] = problem
            if errors:
                raise FormInvalid(
                    errors,
                    {"case_role": case_role, "usernames": usernames, "reason": reason},
                )
            appoint(tx, row, case_role, users, None, reason=reason.strip())
            return _team_of(tx, row)

        return self.transactions.write(actor, command)


def _visible(store: CaseStore, reference: str) -> ReviewCase:
    """The case, if the acting user may see it; to anyone else it answers as an unknown case."""
    row = store.row(reference)
    if not store.may_see(row):
        raise NotFound(f"There is no case {reference}.")
    return row


def _team_of(tx: UnitOfWork, row: ReviewCase) -> CaseTeam:
    members = tuple(
        TeamMember(
            m.case_role,
            CASE_ROLE_NAMES.get(m.case_role, m.case_role),
            u.username,
            u.display_name,
            m.agency_key,
        )
        for m, u in team_rows.team(tx.session, row.id)
    )
    return CaseTeam(
        row.reference,
        members,
        can(tx.user, "change_case_team"),
        tuple(CASE_ROLE_NAMES.items()),
    )
