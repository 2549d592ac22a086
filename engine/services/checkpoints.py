"""Signed checkpoints: every chain head at one moment, signed with an Ed25519 key the database never holds.

A checkpoint is written to the audit_checkpoint table and, when a folder is configured, to a file
outside the database (ship that folder elsewhere: a write-once bucket, another host). `scr audit
verify` checks every checkpoint's signature against the trusted public key and that every chain still
holds the event each checkpoint saw, with the same hash: a chain edited and re-hashed, or shortened
and its head moved, no longer matches what was signed.

Keys come from the environment:

- `SCR_AUDIT_SIGNING_KEY_FILE`: a PEM Ed25519 private key (`openssl genpkey -algorithm ed25519`), or
- `SCR_AUDIT_SIGNING_KEY`: the same PEM text, or the raw 32-byte key in hex;
- `SCR_AUDIT_PUBLIC_KEY`: the trusted public key (hex) where only verification runs;
- `SCR_AUDIT_CHECKPOINT_DIR`: the folder the checkpoint files are written to and read from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from engine.clock import iso_utc
from engine.db.payloads import canonical_json
from engine.errors import EngineError

FORMAT = 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One signed checkpoint: the canonical body (what was signed), its signature and the signer's key."""

    body: str
    signature: str
    public_key: str
    source: str = "database"

    @property
    def content(self) -> dict[str, object]:
        return json.loads(self.body)

    def as_file(self) -> str:
        return canonical_json(
            {
                "body": self.body,
                "signature": self.signature,
                "public_key": self.public_key,
            }
        )


@dataclass(frozen=True)
class AuditKeys:
    """The signing key (if this process signs), the trusted public key, and the checkpoint folder."""

    signing_key: Ed25519PrivateKey | None = None
    trusted_public_key: str | None = None
    folder: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuditKeys:
        env = os.environ if env is None else env
        text = env.get("SCR_AUDIT_SIGNING_KEY", "")
        path = env.get("SCR_AUDIT_SIGNING_KEY_FILE", "")
        if path:
            text = Path(path).read_text()
        key = load_private_key(text) if text.strip() else None
        folder = env.get("SCR_AUDIT_CHECKPOINT_DIR", "")
        return cls(
            key,
            env.get("SCR_AUDIT_PUBLIC_KEY") or None,
            Path(folder) if folder else None,
        )

    @property
    def public_key(self) -> str | None:
        """The key checkpoints are checked against: the configured one, else the signing key's."""
        if self.trusted_public_key:
            return self.trusted_public_key.strip().lower()
        return public_hex(self.signing_key.public_key()) if self.signing_key else None


def load_private_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM text or 64 hex digits."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise EngineError("The audit signing key must be an Ed25519 key.")
        return key
    try:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
    except ValueError as err:
        raise EngineError(
            "The audit signing key is neither PEM nor 64 hex digits."
        ) from err


def public_hex(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def sign(
    key: Ed25519PrivateKey, heads: Mapping[str, tuple[int, str]], at: datetime
) -> Checkpoint:
    """A checkpoint of `heads` (chain → last seq and hash) at `at`."""
    public = public_hex(key.public_key())
    body = canonical_json(
        {
            "format": FORMAT,
            "at": iso_utc(at),
            "public_key": public,
            "chains": {name: [seq, h] for name, (seq, h) in sorted(heads.items())},
        }
    )
    return Checkpoint(body, key.sign(body.encode()).hex(), public)


def signature_problem(checkpoint: Checkpoint, trusted: str | None) -> str | None:
    """Why the checkpoint cannot be trusted, or None."""
    content = checkpoint.content
    if content.get("public_key") != checkpoint.public_key:
        return "its body names another key than the one it was signed with"
    if trusted is not None and checkpoint.public_key != trusted:
        return f"it is signed by key {checkpoint.public_key[:16]}…, not the trusted key"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint.public_key)).verify(
            bytes.fromhex(checkpoint.signature), checkpoint.body.encode()
        )
    except (InvalidSignature, ValueError):
        return "its signature does not match its content"
    return None


def write_file(folder: Path, checkpoint: Checkpoint) -> Path:
    """Write the checkpoint as a new file in `folder` (never overwriting one)."""
    folder.mkdir(parents=True, exist_ok=True)
    at = str(checkpoint.content["at"]).replace(":", "")
    path = folder / f"checkpoint-{at}-{checkpoint.signature[:12]}.json"
    with path.open("x", encoding="utf-8") as out:
        out.write(checkpoint.as_file() + "\n")
    return path


def read_folder(folder: Path | None) -> Iterator[Checkpoint]:
    """Every checkpoint file in `folder`, oldest first (a file that is not one is reported as broken)."""
    if folder is None or not folder.is_dir():
        return
    for path in sorted(folder.glob("checkpoint-*.json")):
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            yield Checkpoint(
                stored["body"], stored["signature"], stored["public_key"], str(path)
            )
        except (ValueError, KeyError, TypeError):
            yield Checkpoint("{}", "", "", str(path))
