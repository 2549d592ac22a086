"""The deployment and deployment_file tables: bundles of diagrams, which one is current."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Deployment
from engine.db.models import DeploymentFile
from engine.errors import NotFound


def current(session: Session) -> Deployment | None:
    query = select(Deployment).order_by(Deployment.activation.desc()).limit(1)
    return session.scalars(query).first()


def get(session: Session, deployment_id: int) -> Deployment:
    deployment = session.get(Deployment, deployment_id)
    if deployment is None:
        raise NotFound(f"There is no deployment {deployment_id}.")
    return deployment


def newest_first(session: Session) -> list[Deployment]:
    return list(session.scalars(select(Deployment).order_by(Deployment.id.desc())))


def content_hash_of(session: Session, deployment_id: int) -> str | None:
    return session.scalar(
        select(Deployment.content_hash).where(Deployment.id == deployment_id)
    )


def files_of(session: Session, deployment_id: int) -> dict[str, bytes]:
    """The files of a deployment by name, in one query."""
    query = select(DeploymentFile.name, DeploymentFile.content).where(
        DeploymentFile.deployment_id == deployment_id
    )
    return {name: content for name, content in session.execute(query)}


def by_hash(session: Session, content_hash: str) -> Deployment | None:
    return session.scalars(
        select(Deployment).where(Deployment.content_hash == content_hash)
    ).first()


def activate(session: Session, deployment: Deployment, now: datetime) -> None:
    """Make `deployment` the one new cases start on."""
    deployment.activated_at = now
    deployment.activation = (
        session.scalar(select(func.max(Deployment.activation))) or 0
    ) + 1


def add(
    session: Session,
    *,
    content_hash: str,
    files: Mapping[str, bytes],
    note: str,
    deployed_by_id: int,
    now: datetime,
) -> Deployment:
    deployment = Deployment(
        content_hash=content_hash,
        note=note,
        deployed_by_id=deployed_by_id,
        deployed_at=now,
    )
    activate(session, deployment, now)
    deployment.files = [
        DeploymentFile(name=name, sha256=hashlib.sha256(data).hexdigest(), content=data)
        for name, data in sorted(files.items())
    ]
    session.add(deployment)
    session.flush()
    return deployment
