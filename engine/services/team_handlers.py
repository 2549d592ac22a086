"""Service tasks that let the Panel act as a group: who is asked, and what each of them said.

`case_team` puts the user names of this case's members in a case role into a variable, for a
parallel multi-instance user task that gives each of them their own task:

    <camunda:inputParameter name="case_role">panel_member</camunda:inputParameter>
    <camunda:inputParameter name="result">panel_members</camunda:inputParameter>

`collect_views` puts what each of them answered into a variable, one readable line per person in the
order they were asked ("Priya Lewis (West Yorkshire Police): Yes — the reviewer is independent"), for
the form of whoever decides for the group:

    <camunda:inputParameter name="task">Task_member_view_reviewer</camunda:inputParameter>
    <camunda:inputParameter name="fields">reviewer_member_agrees,reviewer_member_comments</camunda:inputParameter>
    <camunda:inputParameter name="result">reviewer_member_views</camunda:inputParameter>
    <camunda:inputParameter name="asked">panel_members</camunda:inputParameter>

`asked` (optional) names the variable holding who was asked: anyone of them with no answer (an
round was ended without them: the Panel Chair or the BQAM records
"The Panel Chair goes ahead without the missing views" on the case page) is listed as "No view given".

The team is read when the step runs (Camunda 7 evaluates a multi-instance collection once): someone
who joins the Panel later is not asked in that round, and someone who leaves keeps the task they were
given until it is done or the round is ended.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from engine.db import case_team as team_rows
from engine.db.accounts import agencies
from engine.db.accounts import by_username
from engine.process.handlers import ServiceCall
from engine.roles import CASE_ROLES

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NOBODY = "Nobody was asked: the case had no one in that role when this step began."
NO_VIEW = "No view given"


def _name_problem(params: Mapping[str, Any], key: str, topic: str) -> str | None:
    """Why the parameter `key` is not a variable or element name a diagram may use, or None."""
    value = str(params.get(key) or "").strip()
    if not value:
        return f"the {topic} task needs a {key!r} input parameter"
    if not NAME.fullmatch(value) or keyword.iskeyword(value):
        return (
            f"the {topic} task's {key!r} parameter must be a plain name "
            f"(letters, digits and underscores), not {value!r}"
        )
    return None


class CaseTeamHandler:
    """`case_team`: the user names of the case's active members in a case role, by name."""

    def check(self, params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
        problems = []
        role = str(params.get("case_role") or "").strip()
        if role not in CASE_ROLES:
            known = ", ".join(CASE_ROLES)
            problems.append(
                f"the case_team task names an unknown case role {role!r}; use one of {known}"
            )
        problem = _name_problem(params, "result", "case_team")
        if problem:
            problems.append(problem)
        return problems

    def run(self, call: ServiceCall) -> dict[str, Any] | None:
        role = str(call.params["case_role"]).strip()
        result = str(call.params["result"]).strip()
        members = team_rows.members_in(call.session, call.case_id, role)
        return {result: [user.username for user in members]}


class CollectViewsHandler:
    """`collect_views`: each person's answers in a multi-instance user task, one readable line each."""

    def check(self, params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
        problems = [
            problem
            for key in ("task", "result")
            if (problem := _name_problem(params, key, "collect_views"))
        ]
        if params.get("asked") is not None:
            problem = _name_problem(params, "asked", "collect_views")
            problems.extend([problem] if problem else [])
        fields = _fields(params)
        if not fields:
            problems.append(
                "the collect_views task needs a 'fields' input parameter: "
                "the multi-instance task's field ids, separated by commas"
            )
        for field in fields:
            if not NAME.fullmatch(field):
                problems.append(
                    f"the collect_views task's 'fields' lists {field!r}, which is not a field id"
                )
        return problems

    def run(self, call: ServiceCall) -> dict[str, Any] | None:
        element = str(call.params["task"]).strip()
        result = str(call.params["result"]).strip()
        fields = _fields(call.params)
        said = {
            str(answer.get("item")): _said(answer.get("shown") or {}, fields)
            for answer in call.answers_in_scope(element)
        }
        asked = [str(name) for name in _asked(call)]
        people = asked + [name for name in said if name not in asked]
        names = dict(agencies(call.session))
        lines = [
            f"{_who(call.session, name, names)}: {said.get(name, NO_VIEW)}"
            for name in people
        ]
        return {result: "\n".join(lines) if lines else NOBODY}


def _asked(call: ServiceCall) -> list[Any]:
    """Who was asked: the list in the variable the `asked` parameter names (none if not given)."""
    variable = str(call.params.get("asked") or "").strip()
    value = call.data.get(variable) if variable else None
    return list(value) if isinstance(value, list | tuple) else []


def _fields(params: Mapping[str, Any]) -> list[str]:
    return [f.strip() for f in str(params.get("fields") or "").split(",") if f.strip()]


def _who(session: Any, username: Any, agency_names: Mapping[str, str]) -> str:
    """ "Priya Lewis (West Yorkshire Police)": the person's name and their agency's, never a code."""
    user = by_username(session, str(username or ""))
    if user is None:
        return str(username or "Someone")
    agency = agency_names.get(user.agency_key or "")
    return f"{user.display_name} ({agency})" if agency else user.display_name


def _said(shown: Mapping[str, str], fields: list[str]) -> str:
    """The first field's answer, then the others' after a dash, leaving out what was left empty."""
    parts = [str(shown.get(field) or "").strip() for field in fields]
    first, rest = parts[0] or "No answer", [p for p in parts[1:] if p]
    flat = " ".join(" ".join(rest).split())
    return f"{first} — {flat}" if flat else first
