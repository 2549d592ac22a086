"""Migrations: move running cases to another deployment safely (dry run first), undo a move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.db import deployments as deployment_rows
from engine.db import migrations_log
from engine.db.models import Deployment
from engine.db.models import ReviewCase
from engine.dto import UserInfo
from engine.errors import EngineError
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.process import migration
from engine.process.run import CaseRun
from engine.services.case_store import CaseStore
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


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


class Migrations:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def plan(
        self,
        actor: UserInfo,
        to_deployment_id: int,
        from_deployment_id: int | None = None,
        reference: str | None = None,
    ) -> list[MigrationCheck]:
        """Dry run: for each active case (of one deployment, or one case), can it move, why not, what changes."""

        def query(tx: UnitOfWork) -> list[MigrationCheck]:
            tx.require("plan_migrations")
            target = deployment_rows.get(tx.session, to_deployment_id)
            cases = migrations_log.movable_cases(
                tx.session, target.id, from_deployment_id, reference
            )
            return [self._check(tx, row, target) for row in cases]

        return self.transactions.read(actor, query)

    def _check(
        self, tx: UnitOfWork, row: ReviewCase, target: Deployment
    ) -> MigrationCheck:
        entry = self.kit.bundle(tx.session, target.id).processes.get(row.process_id)
        if entry is None:
            reasons = (f"the new version has no process {row.process_id}",)
            return MigrationCheck(
                row.reference, row.deployment_id, target.id, False, reasons, ()
            )
        case = CaseStore(tx, self.kit).open(row)
        plan = migration.plan_migration(case.run, entry)
        return MigrationCheck(
            row.reference,
            row.deployment_id,
            target.id,
            plan.possible,
            plan.reasons,
            plan.changes,
        )

    def migrate_case(
        self, actor: UserInfo, reference: str, to_deployment_id: int
    ) -> MigrationCheck:
        """Move one case to another deployment in one transaction, audited; refused with reasons if unsafe."""

        def command(tx: UnitOfWork) -> MigrationCheck:
            tx.require("migrate_cases")
            store = CaseStore(tx, self.kit)
            row = store.row(reference, lock=True)
            target = deployment_rows.get(tx.session, to_deployment_id)
            if row.status != "active" or row.deployment_id == target.id:
                raise MigrationRefused(
                    reference, ("the case is not active on another version",)
                )
            check = self._check(tx, row, target)
            if not check.possible:
                raise MigrationRefused(reference, check.reasons)
            self._move(tx, store, row, target, check)
            return MigrationCheck(
                reference,
                check.from_deployment,
                target.id,
                True,
                (),
                check.changes,
                True,
            )

        return self.transactions.write(actor, command)

    def _move(
        self,
        tx: UnitOfWork,
        store: CaseStore,
        row: ReviewCase,
        target: Deployment,
        check: MigrationCheck,
    ) -> None:
        """Record the move, run the case on the new specs, and keep what undo needs."""
        previous = (row.state, row.task_id_seq, row.deployment_id)
        source = deployment_rows.get(tx.session, row.deployment_id)
        case = store.open(row)
        new_bundle = self.kit.bundle(tx.session, target.id)
        entry = new_bundle.processes[row.process_id]
        tx.record(
            "case_migrated",
            row,
            **{
                "from": source.content_hash,
                "to": target.content_hash,
                "from_deployment": source.id,
                "to_deployment": target.id,
                "changes": list(check.changes),
            },
        )
        row.deployment_id = target.id
        case.bundle = new_bundle

        def move() -> None:
            migration.migrate(case.run, entry)
            case.run.run()

        case.replace_workflow(move)
        _require_loadable(row.reference, row.state, entry, self.kit.functions)
        tx.session.flush()
        migrations_log.add(
            tx.session,
            case_id=row.id,
            from_deployment_id=previous[2],
            to_deployment_id=target.id,
            previous_state=previous[0],
            previous_task_id_seq=previous[1],
            case_version_after=row.version,
            migrated_by_id=tx.user.id,
            migrated_at=tx.now,
        )

    def migrate_cases(
        self, actor: UserInfo, from_deployment_id: int, to_deployment_id: int
    ) -> list[MigrationCheck]:
        """Move every safe case of a deployment, one transaction per case; report the ones left behind."""
        results = []
        for check in self.plan(actor, to_deployment_id, from_deployment_id):
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

    def pending(
        self, actor: UserInfo, deployment_id: int | None = None
    ) -> list[MigrationCheck]:
        """Migrations not undone yet (into one deployment, or any), newest first; `possible` = undoable now."""

        def query(tx: UnitOfWork) -> list[MigrationCheck]:
            tx.require("see_migrations")
            found = []
            for moved, row in migrations_log.not_undone(tx.session, deployment_id):
                undoable = (
                    moved.case_version_after == row.version
                    and row.deployment_id == moved.to_deployment_id
                )
                reasons = () if undoable else ("the case has moved on since",)
                found.append(
                    MigrationCheck(
                        row.reference,
                        moved.from_deployment_id,
                        moved.to_deployment_id,
                        undoable,
                        reasons,
                        (),
                        migrated=True,
                    )
                )
            return found

        return self.transactions.read(actor, query)

    def undo(self, actor: UserInfo, reference: str) -> None:
        """Put a migrated case back as it was, if nothing has happened in it since."""

        def command(tx: UnitOfWork) -> None:
            tx.require("migrate_cases")
            store = CaseStore(tx, self.kit)
            row = store.row(reference, lock=True)
            moved = migrations_log.last_open(tx.session, row.id)
            if moved is None:
                raise NotFound(f"Case {reference} has no migration to undo.")
            if moved.case_version_after != row.version:
                raise NotPermitted(
                    f"Case {reference} has moved on since it was migrated; the migration "
                    "cannot be undone."
                )
            back_to = deployment_rows.get(tx.session, moved.from_deployment_id)
            tx.record(
                "case_migration_undone",
                row,
                back_to=back_to.content_hash,
                deployment=back_to.id,
            )
            row.deployment_id = back_to.id
            row.state = moved.previous_state
            row.task_id_seq = moved.previous_task_id_seq
            store.open(row).reindex()
            moved.undone_at = tx.now

        self.transactions.write(actor, command)


def _require_loadable(reference: str, state: str, entry: Any, functions: Any) -> None:
    """Belt and braces: a migrated state that cannot be read back is refused, and the move rolled back."""
    try:
        CaseRun.load(state, entry, functions)
    except Exception as err:  # noqa: BLE001 - whatever SpiffWorkflow raises, the move must not stand
        raise MigrationRefused(
            reference,
            (
                "the case's state could not be read back on the new version "
                f"({type(err).__name__})",
            ),
        ) from err
