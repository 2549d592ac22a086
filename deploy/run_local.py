"""`make run`: the whole product on one machine: the web app, the worker and a local mail catcher.

The mail catcher is a real SMTP server (aiosmtpd) on 127.0.0.1:MAIL_PORT that accepts every message,
prints a line for it and keeps a copy in instance/mail/. The web app shows every message of the outbox
on its "Mail sent (development)" page (SCR_MAIL_VIEW). Ctrl-C (or SIGTERM) stops everything; if the
web app or the worker stops by itself, the other is stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class Catcher:
    """Keeps each message it receives as instance/mail/<n>.eml and says so on the terminal."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.count = len(list(folder.glob("*.eml")))

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.count += 1
        (self.folder / f"{self.count:05d}.eml").write_bytes(envelope.content)
        message = message_from_bytes(envelope.content, policy=policy.default)
        print(
            f"[mail] to {', '.join(envelope.rcpt_tos)}: {message['Subject']}",
            flush=True,
        )
        return "250 Message accepted for delivery"


def _development_audit_key() -> dict[str, str]:
    """A signing key for audit checkpoints kept in instance/ (development only; production sets its own)."""
    if os.environ.get("SCR_AUDIT_SIGNING_KEY") or os.environ.get(
        "SCR_AUDIT_SIGNING_KEY_FILE"
    ):
        return {}
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key_file = ROOT / "instance" / "audit-signing-key.pem"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        key_file.write_bytes(pem)
        key_file.chmod(0o600)
    return {
        "SCR_AUDIT_SIGNING_KEY_FILE": str(key_file),
        "SCR_AUDIT_CHECKPOINT_DIR": str(ROOT / "instance" / "checkpoints"),
    }


def main() -> int:
    port = int(os.environ.get("PORT", "5000"))
    mail_port = int(os.environ.get("MAIL_PORT", "8025"))
    catcher = Controller(
        Catcher(ROOT / "instance" / "mail"), hostname="127.0.0.1", port=mail_port
    )
    catcher.start()
    env = {
        **os.environ,
        "SCR_ENV": "development",
        "SCR_SMTP_HOST": "127.0.0.1",
        "SCR_SMTP_PORT": str(mail_port),
        "SCR_SMTP_SECURITY": "none",
        "SCR_MAIL_VIEW": "true",
        "SCR_WORKER_INTERVAL": os.environ.get("SCR_WORKER_INTERVAL", "10"),
        **_development_audit_key(),
    }
    web = [str(BIN / "flask"), "--app", "webui", "run", "--host", "127.0.0.1"]
    children = [
        subprocess.Popen([*web, "--port", str(port)], env=env, cwd=ROOT),  # noqa: S603
        subprocess.Popen([str(BIN / "scr"), "worker"], env=env, cwd=ROOT),  # noqa: S603
    ]
    print(
        f"SCR Workflow: http://127.0.0.1:{port} · worker running · mail catcher on "
        f"127.0.0.1:{mail_port} (messages: Mail sent (development) in the footer). "
        "Ctrl-C stops all.",
        flush=True,
    )
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(c.poll() is None for c in children):
            time.sleep(0.3)
    finally:
        code = _stop_all(children)
        catcher.stop()
    return 0 if stopping else code


def _stop_all(children: list[subprocess.Popen[bytes]]) -> int:
    """SIGTERM to each child still running, then SIGKILL after 10 s; the first non-zero exit code."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return next((c.returncode for c in children if c.returncode), 0)


if __name__ == "__main__":
    raise SystemExit(main())
