"""Process versions: see what changed, move cases to a newer deployment safely, undo, roll back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine import audit
from engine import diffing
from engine import persistence
from engine import runtime
from engine.dto import DeploymentInfo
from engine.dto import UserInfo
from engine.errors import EngineError
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.models import CaseMigration
from engine.models import Deployment
from engine.models import ReviewCase

if TYPE_CHECKING:
    from engine.service import WorkflowService

OWNERS = {"process_owner", "admin"}


def _require_loadable(reference: str, state: str, entry: Any, functions: Any) -> None:
    """Belt and braces: a migrated state that cannot be read back is refused, and the move rolled back."""
    try:
        runtime.CaseRun.load(state, entry, functions)
    except Exception as err:  # noqa: BLE001 - whatever SpiffWorkflow raises, the move must not stand
        raise MigrationRefused(
            reference,
            (
                f"the case's state could not be read back on the new version ({type(err).__name__})",
            ),
        ) from err


class MigrationRefused(EngineError):
    """The case cannot move to that version now; `reasons` says why. Nothing was changed."""

    def __init__(self, reference: str, reasons: tuple[str, ...]) -> None:
        super().__init__(f"Case {reference} cannot be moved: " + "; ".join(reasons))
        self.reference = reference
        self.reasons = reasons


@dataclass(frozen=True, slots=True)
class MigrationCheck:
    reference: str
    from_deployment: int
    to_deployment: int
    possible: bool
    reasons: tuple[str, ...]
    changes: tuple[str, ...]
    migrated: bool = False


class VersionsMixin:
    def diff_deployments(
        self: WorkflowService, actor: UserInfo, old_id: int, new_id: int
    ) -> list[diffing.Change]:
        """Elements added, removed, renamed; forms, conditions, due dates, timers, notifications changed."""

        def query(session: Session) -> list[diffing.Change]:
            user = self._fresh(session, actor)
            access.require_role(
                user, OWNERS | {"auditor", "bqam"}, "compare deployments"
            )
            old, new = (self._deployment(session, i) for i in (old_id, new_id))
            return diffing.diff_bundles(
                persistence.deployment_files(session, old.id),
                persistence.deployment_files(session, new.id),
            )

        return self._read(query)

    def activate_deployment(
        self: WorkflowService, actor: UserInfo, deployment_id: int, note: str = ""
    ) -> DeploymentInfo:
        """Make an earlier (or later) deployment the one new cases start on: a roll back."""

        def command(session: Session, now: datetime) -> DeploymentInfo:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            access.require_role(user, OWNERS, "choose the version new cases start on")
            deployment = self._deployment(session, deployment_id)
            deployment.activated_at = now
            deployment.activation = persistence.next_activation(session)
            audit.record(
                session,
                type="deployment_activated",
                at=now,
                **audit.by(user),
                data={
                    "deployment": deployment.id,
                    "hash": deployment.content_hash,
                    "note": note,
                },
            )
            session.flush()
            return self._deployment_info(deployment, deployment)

        return self._write(command)

    def plan_migrations(
        self: WorkflowService,
        actor: UserInfo,
        to_deployment_id: int,
        from_deployment_id: int | None = None,
        reference: str | None = None,
    ) -> list[MigrationCheck]:
        """Dry run: for each active case (of one deployment, or one case), can it move, why not, what changes."""

        def query(session: Session) -> list[MigrationCheck]:
            user = self._fresh(session, actor)
            access.require_role(user, OWNERS, "plan migrations")
            target = self._deployment(session, to_deployment_id)
            statement = select(ReviewCase).where(
                ReviewCase.status == "active", ReviewCase.deployment_id != target.id
            )
            if from_deployment_id is not None:
                statement = statement.where(
                    ReviewCase.deployment_id == from_deployment_id
                )
            if reference is not None:
                statement = statement.where(ReviewCase.reference == reference)
            return [
                self._check(session, case, target)
                for case in session.scalars(statement.order_by(ReviewCase.id))
            ]

        return self._read(query)

    def _check(
        self: WorkflowService, session: Session, case: ReviewCase, target: Deployment
    ) -> MigrationCheck:
        bundle = self._bundle(session, target.id)
        entry = bundle.processes.get(case.process_id)
        if entry is None:
            return MigrationCheck(
                case.reference,
                case.deployment_id,
                target.id,
                False,
                (f"the new version has no process {case.process_id}",),
                (),
            )
        run, _old = self._load(session, case)
        plan = runtime.plan_migration(run, entry)
        return MigrationCheck(
            case.reference,
            case.deployment_id,
            target.id,
            plan.possible,
            plan.reasons,
            plan.changes,
        )

    def migrate_case(
        self: WorkflowService, actor: UserInfo, reference: str, to_deployment_id: int
    ) -> MigrationCheck:
        """Move one case to another deployment in one transaction, audited; refused with reasons if unsafe."""

        def command(session: Session, now: datetime) -> MigrationCheck:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            access.require_role(user, OWNERS, "migrate cases")
            case = persistence.lock_case(
                session, persistence.get_case(session, reference).id
            )
            target = self._deployment(session, to_deployment_id)
            if case.status != "active" or case.deployment_id == target.id:
                raise MigrationRefused(
                    reference, ("the case is not active on another version",)
                )
            check = self._check(session, case, target)
            if not check.possible:
                raise MigrationRefused(reference, check.reasons)
            previous = (case.state, case.task_id_seq, case.deployment_id)
            source = self._deployment(session, case.deployment_id)
            bundle = self._bundle(session, target.id)
            entry = bundle.processes[case.process_id]
            run, _old = self._load(session, case)
            audit.record(
                session,
                type="case_migrated",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={
                    "from": source.content_hash,
                    "to": target.content_hash,
                    "from_deployment": source.id,
                    "to_deployment": target.id,
                    "changes": list(check.changes),
                },
            )
            case.deployment_id = target.id

            def move() -> None:
                runtime.migrate(run, entry)
                run.run()

            self._advance(session, case, run, bundle, now, user, action=move)
            _require_loadable(reference, case.state, entry, self.functions)
            session.flush()
            session.add(
                CaseMigration(
                    case_id=case.id,
                    from_deployment_id=previous[2],
                    to_deployment_id=target.id,
                    previous_state=previous[0],
                    previous_task_id_seq=previous[1],
                    case_version_after=case.version,
                    migrated_by_id=user.id,
                    migrated_at=now,
                )
            )
            return MigrationCheck(
                reference,
                previous[2],
                target.id,
                True,
                (),
                check.changes,
                migrated=True,
            )

        return self._write(command)

    def migrate_cases(
        self: WorkflowService,
        actor: UserInfo,
        from_deployment_id: int,
        to_deployment_id: int,
    ) -> list[MigrationCheck]:
        """Move every safe case of a deployment, one transaction per case; report the ones left behind."""
        results = []
        for check in self.plan_migrations(actor, to_deployment_id, from_deployment_id):
            if not check.possible:
                results.append(check)
                continue
            try:
                results.append(
                    self.migrate_case(actor, check.reference, to_deployment_id)
                )
            except MigrationRefused as refused:
                results.append(
                    MigrationCheck(
                        check.reference,
                        check.from_deployment,
                        to_deployment_id,
                        False,
                        refused.reasons,
                        (),
                    )
                )
        return results

    def list_migrations(
        self: WorkflowService, actor: UserInfo, deployment_id: int | None = None
    ) -> list[MigrationCheck]:
        """Migrations not undone yet (into one deployment, or any), newest first; `possible` = can be undone now."""

        def query(session: Session) -> list[MigrationCheck]:
            user = self._fresh(session, actor)
            access.require_role(user, OWNERS | {"auditor", "bqam"}, "see migrations")
            statement = (
                select(CaseMigration, ReviewCase)
                .join(ReviewCase, ReviewCase.id == CaseMigration.case_id)
                .where(CaseMigration.undone_at.is_(None))
                .order_by(CaseMigration.id.desc())
            )
            if deployment_id is not None:
                statement = statement.where(
                    CaseMigration.to_deployment_id == deployment_id
                )
            found = []
            for migration, case in session.execute(statement):
                undoable = (
                    migration.case_version_after == case.version
                    and case.deployment_id == migration.to_deployment_id
                )
                reasons = () if undoable else ("the case has moved on since",)
                found.append(
                    MigrationCheck(
                        case.reference,
                        migration.from_deployment_id,
                        migration.to_deployment_id,
                        undoable,
                        reasons,
                        (),
                        migrated=True,
                    )
                )
            return found

        return self._read(query)

    def undo_migration(self: WorkflowService, actor: UserInfo, reference: str) -> None:
        """Put a migrated case back as it was, if nothing has happened in it since."""

        def command(session: Session, now: datetime) -> None:
            user = self._fresh(session, actor)
            access.require_can_change(user)
            access.require_role(user, OWNERS, "undo migrations")
            case = persistence.lock_case(
                session, persistence.get_case(session, reference).id
            )
            migration = session.scalars(
                select(CaseMigration)
                .where(
                    CaseMigration.case_id == case.id, CaseMigration.undone_at.is_(None)
                )
                .order_by(CaseMigration.id.desc())
            ).first()
            if migration is None:
                raise NotFound(f"Case {reference} has no migration to undo.")
            if migration.case_version_after != case.version:
                raise NotPermitted(
                    f"Case {reference} has moved on since it was migrated; the migration cannot be undone."
                )
            back_to = self._deployment(session, migration.from_deployment_id)
            audit.record(
                session,
                type="case_migration_undone",
                at=now,
                **audit.by(user),
                case_id=case.id,
                data={"back_to": back_to.content_hash, "deployment": back_to.id},
            )
            case.deployment_id = back_to.id
            case.state = migration.previous_state
            case.task_id_seq = migration.previous_task_id_seq
            run, bundle = self._load(session, case)
            self._advance(session, case, run, bundle, now, user, action=lambda: None)
            migration.undone_at = now

        self._write(command)

    def _deployment(
        self: WorkflowService, session: Session, deployment_id: int
    ) -> Deployment:
        deployment = session.get(Deployment, deployment_id)
        if deployment is None:
            raise NotFound(f"There is no deployment {deployment_id}.")
        return deployment
