"""Deployments: validate and store a bundle of diagrams, list them, compare two, choose the current one."""

from __future__ import annotations

from collections.abc import Mapping

from engine.clock import as_utc
from engine.db import deployments as deployment_rows
from engine.db.models import Deployment
from engine.dto import DeploymentInfo
from engine.dto import DeploymentPreview
from engine.dto import UserInfo
from engine.errors import ConcurrentUpdate
from engine.errors import NotFound
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
        self,
        actor: UserInfo,
        files: Mapping[str, bytes],
        note: str = "",
        replace_only: bool = False,
        expected_hash: str | None = None,
    ) -> DeploymentInfo:
        """Validate and store a bundle and make it the one new cases start on.

        Deploying files identical to an existing deployment changes nothing (``created`` is False).
        With ``replace_only``, the files replace those of the same name in the current deployment and
        the rest are kept; the result is validated as a whole.

        :param expected_hash: the content hash of the bundle the owner checked (see `preview`);
            nothing else is stored.
        :raises DiagramInvalid: listing every problem by file, line and element.
        :raises ConcurrentUpdate: the resulting bundle is not the one expected (the current
            deployment changed since the preview); nothing was stored.
        :raises NotPermitted: before any checking, for anyone but a process owner or admin.
        """
        current = self.transactions.read(actor, self._current_files)
        if replace_only:
            files = replace_files(current, files)
        bundle = self._parse(files)
        if expected_hash is not None and bundle.content_hash != expected_hash:
            raise ConcurrentUpdate(
                "The current deployment changed after you checked these files, so they would "
                "now make a different deployment. Check what they change now, then deploy them."
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
                file_hashes={f.name: f.sha256 for f in deployment.files},
                processes=sorted(bundle.processes),
            )
            return self._info(deployment, deployment)

        return self.transactions.write(actor, command)

    def preview(
        self, actor: UserInfo, files: Mapping[str, bytes], replace_only: bool = True
    ) -> DeploymentPreview:
        """What deploying `files` would make, checked exactly as `deploy` checks it; nothing is stored.

        :raises DiagramInvalid: listing every problem by file, line and element.
        :raises NotPermitted: before any checking, for anyone but a process owner or admin.
        """

        def query(tx: UnitOfWork) -> DeploymentPreview:
            tx.require("deploy")
            current = deployment_rows.current(tx.session)
            before = deployment_rows.files_of(tx.session, current.id) if current else {}
            placed = {n: place(before, n) if replace_only else n for n in files}
            kept = before if replace_only else {}
            bundle = self._parse({**kept, **{placed[n]: c for n, c in files.items()}})
            existing = deployment_rows.by_hash(tx.session, bundle.content_hash)
            return DeploymentPreview(
                files=tuple(sorted(bundle.files)),
                content_hash=bundle.content_hash,
                identical_to=existing.id if existing else None,
                compared_with=current.id if current else None,
                changes=tuple(diff.diff_bundles(before, bundle.files)),
                placed=tuple(placed.items()),
            )

        return self.transactions.read(actor, query)

    def _parse(self, files: Mapping[str, bytes]) -> bundles.ParsedBundle:
        """The bundle checked as a whole: every problem raised at once."""
        return bundles.parse_bundle(
            files, self.kit.functions, self.kit.handlers.checkers(), frozenset(ROLES)
        )

    def _current_files(self, tx: UnitOfWork) -> dict[str, bytes]:
        tx.require("deploy")
        current = deployment_rows.current(tx.session)
        return dict(deployment_rows.files_of(tx.session, current.id)) if current else {}

    def current_files(self, actor: UserInfo) -> dict[str, bytes]:
        """The files of the deployment new cases start on (for a process owner to download)."""
        return self.transactions.read(actor, self._current_files)

    def file(self, actor: UserInfo, deployment_id: int, name: str) -> bytes:
        """One file of a deployment, as it was deployed (for the viewer that marks what changed).

        :raises NotFound: if the deployment or the file in it does not exist.
        """

        def query(tx: UnitOfWork) -> bytes:
            tx.require("see_deployments")
            deployment = deployment_rows.get(tx.session, deployment_id)
            files = deployment_rows.files_of(tx.session, deployment.id)
            if name not in files:
                raise NotFound(f"Deployment {deployment_id} has no file {name}.")
            return files[name]

        return self.transactions.read(actor, query)

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
        """Elements added, removed, renamed; form fields, re-pointed flows, conditions, deadlines, timers,
        notifications, roles and called processes changed."""

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


def replace_files(
    current: Mapping[str, bytes], files: Mapping[str, bytes]
) -> dict[str, bytes]:
    """The current files with `files` in place of those of the same name; the rest kept."""
    return {**current, **{place(current, n): content for n, content in files.items()}}


def place(current: Mapping[str, bytes], name: str) -> str:
    """The name a file sent takes among the current files: its own, or the one it replaces.

    A name without a folder also replaces the one file of that name in a folder (``loop.bpmn`` replaces
    ``loops/loop.bpmn``), because a browser sends only the file's own name.
    """
    if name not in current and "/" not in name:
        same = [n for n in current if n.rsplit("/", 1)[-1] == name]
        return same[0] if len(same) == 1 else name
    return name
