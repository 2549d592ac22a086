"""Deployments: validate and store a bundle of diagrams, list them, compare two, choose the current one."""

from __future__ import annotations

from collections.abc import Mapping

from engine.clock import as_utc
from engine.db import deployments as deployment_rows
from engine.db.models import Deployment
from engine.dto import DeploymentInfo
from engine.dto import UserInfo
from engine.process import bundle as bundles
from engine.process import diff
from engine.roles import ROLES
from engine.services.case_store import Kit
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


class Deployments:
    def __init__(self, transactions: Transactions, kit: Kit) -> None:
        self.transactions = transactions
        self.kit = kit

    def deploy(
        self, actor: UserInfo, files: Mapping[str, bytes], note: str = ""
    ) -> DeploymentInfo:
        """Validate and store a bundle and make it the one new cases start on.

        Deploying files identical to an existing deployment changes nothing (``created`` is False).

        :raises DiagramInvalid: listing every problem by file, line and element.
        :raises NotPermitted: before any checking, for anyone but a process owner or admin.
        """
        self.transactions.read(actor, lambda tx: tx.require("deploy"))
        bundle = bundles.parse_bundle(
            files, self.kit.functions, self.kit.handlers.checkers(), frozenset(ROLES)
        )
        self.kit.bundles.put(bundle)

        def command(tx: UnitOfWork) -> DeploymentInfo:
            user = tx.require("deploy")
            existing = deployment_rows.by_hash(tx.session, bundle.content_hash)
            if existing is not None:
                current = deployment_rows.current(tx.session)
                return self._info(existing, current, created=False)
            deployment = deployment_rows.add(
                tx.session,
                content_hash=bundle.content_hash,
                files=bundle.files,
                note=note,
                deployed_by_id=user.id,
                now=tx.now,
            )
            tx.record(
                "diagrams_deployed",
                deployment=deployment.id,
                hash=bundle.content_hash,
                note=note,
                files=sorted(bundle.files),
                processes=sorted(bundle.processes),
            )
            return self._info(deployment, deployment)

        return self.transactions.write(actor, command)

    def index(self, actor: UserInfo) -> list[DeploymentInfo]:
        """Every deployment, newest first, the current one marked."""

        def query(tx: UnitOfWork) -> list[DeploymentInfo]:
            tx.require("see_deployments")
            current = deployment_rows.current(tx.session)
            return [
                self._info(d, current) for d in deployment_rows.newest_first(tx.session)
            ]

        return self.transactions.read(actor, query)

    def diff(self, actor: UserInfo, old_id: int, new_id: int) -> list[diff.Change]:
        """Elements added, removed, renamed; forms, conditions, due dates, timers, notifications changed."""

        def query(tx: UnitOfWork) -> list[diff.Change]:
            tx.require("see_deployments")
            old, new = (deployment_rows.get(tx.session, i) for i in (old_id, new_id))
            return diff.diff_bundles(
                deployment_rows.files_of(tx.session, old.id),
                deployment_rows.files_of(tx.session, new.id),
            )

        return self.transactions.read(actor, query)

    def activate(
        self, actor: UserInfo, deployment_id: int, note: str = ""
    ) -> DeploymentInfo:
        """Make an earlier (or later) deployment the one new cases start on: a roll back."""

        def command(tx: UnitOfWork) -> DeploymentInfo:
            tx.require("choose_version")
            deployment = deployment_rows.get(tx.session, deployment_id)
            deployment_rows.activate(tx.session, deployment, tx.now)
            tx.record(
                "deployment_activated",
                deployment=deployment.id,
                hash=deployment.content_hash,
                note=note,
            )
            tx.session.flush()
            return self._info(deployment, deployment)

        return self.transactions.write(actor, command)

    def _info(
        self, deployment: Deployment, current: Deployment | None, created: bool = True
    ) -> DeploymentInfo:
        bundle = self.kit.bundles.get(deployment.content_hash)
        return DeploymentInfo(
            id=deployment.id,
            content_hash=deployment.content_hash,
            deployed_by=deployment.deployer.display_name
            if deployment.deployer
            else None,
            deployed_at=as_utc(deployment.deployed_at),
            note=deployment.note,
            files=tuple(f.name for f in deployment.files),
            process_ids=tuple(sorted(bundle.processes)) if bundle else (),
            current=current is not None and current.id == deployment.id,
            created=created,
        )
