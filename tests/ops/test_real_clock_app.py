"""A fresh installation served by the real app on the real clock, with the worker running: a case worked
through HTTP to its end, the worker delivering its messages and signing checkpoints with a key held in a
file, then `scr audit verify` exits 0 ("audit trail intact") and the audit page says "Intact"."""

from __future__ import annotations

import html.parser
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "scr-demo-password"
USERS = [
    "bqam",
    "sqa",
    "secretariat",
    "csc_author",
    "police_author",
    "health_author",
    "education_author",
    "committee",
    "chair",
    "panelchair",
    "reviewer",
    "legal",
    "board",
    "nurse",
    "csc_manager",
    "police_manager",
    "health_manager",
    "education_manager",
]


class Forms(html.parser.HTMLParser):
    """The POST forms of a page with their fields (inputs, textareas, selects with their options)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action"), "method": a.get("method", ""), "fields": []}
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea"):
            self.forms[-1]["fields"].append((tag, a))
        elif tag == "select":
            self.select = {"name": a.get("name"), "options": []}
            self.forms[-1]["fields"].append(("select", self.select))
        elif tag == "option" and self.select is not None and a.get("value"):
            self.select["options"].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def filled(page: str) -> tuple[str | None, list[tuple[str, str]]] | None:
    """The page's main POST form filled in the way a hurried person would."""
    parser = Forms()
    parser.feed(page)
    posts = [
        f
        for f in parser.forms
        if f["method"].lower() == "post" and len(f["fields"]) > 2
    ]
    if not posts:
        return None
    form = max(posts, key=lambda f: len(f["fields"]))
    today, data, radios = date.today(), [], set()
    for kind, a in form["fields"]:
        name = a.get("name")
        kind_ = (a.get("type") or "text").lower() if kind == "input" else kind
        if not name or kind_ in ("submit", "button", "file", "password"):
            continue
        if kind_ == "hidden":
            data.append((name, a.get("value", "")))
        elif kind_ == "radio" and name not in radios:
            radios.add(name)
            data.append((name, a.get("value", "")))
        elif kind_ == "checkbox":
            data.append((name, a.get("value", "on")))
        elif kind_ == "select" and a["options"]:
            data.append((name, a["options"][0]))
        elif name.endswith(("-day", "-month", "-year")):
            part = name.rsplit("-", 1)[1]
            data.append((name, str(getattr(today, part))))
        elif kind_ in ("text", "textarea", "number", "email", "date"):
            value = {"number": "2", "email": "someone@example.org"}.get(kind_, "Entry")
            data.append((name, today.isoformat() if kind_ == "date" else value))
    return form["action"], data


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, path: str, data: list[tuple[str, str]] | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as answer:
                return answer.status, answer.read().decode(), answer.geturl()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(), path

    def sign_in(self, user: str) -> None:
        _status, page, _url = self.open("/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        data = [("csrf_token", token.group(1) if token else "")]
        self.open("/sign-in", data + [("username", user), ("password", PASSWORD)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scr(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "scr"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def test_a_case_worked_through_the_web_on_the_real_clock_verifies(tmp_path):
    key = tmp_path / "audit-key.pem"
    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = {
        **os.environ,
        "SCR_DATABASE_URL": f"sqlite:///{tmp_path}/scr.sqlite3",
        "SCR_ENV": "development",
        "SCR_SECRET_KEY": "real-clock-test",
        "SCR_SMTP_PORT": str(free_port()),
        "SCR_AUDIT_SIGNING_KEY_FILE": str(key),
        "SCR_AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
        "SCR_WORKER_INTERVAL": "1",
    }
    for command in (
        ("db", "upgrade"),
        ("demo", "load"),
        ("deploy", "bpmn", "--as", "owner"),
    ):
        done = scr(env, *command)
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "flask"), "--app", "webui", "run", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(BIN / "scr"), "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/sign-in", timeout=2)  # noqa: S310 - http to localhost
                break
            except OSError:
                time.sleep(0.2)
        bqam = Browser(base)
        bqam.sign_in("bqam")
        _status, page, _url = bqam.open("/cases/new")
        start = sorted(set(re.findall(r'href="(/cases/new/[^"]+)"', page)))[0]
        action, data = filled(bqam.open(start)[1])
        status, _page, url = bqam.open(action or start, data)
        assert status < 400 and "/cases/SCR-" in url
        completed = 0
        for user in USERS * 2:
            person = Browser(base)
            person.sign_in(user)
            inbox = person.open("/tasks/")[1]
            for link in dict.fromkeys(
                re.findall(r'href="(/tasks/[0-9a-f-]{36})"', inbox)
            ):
                taskpage = person.open(link)
                form = filled(taskpage[1])
                if form is None:
                    continue
                status, _page, url = person.open(form[0] or link, form[1])
                completed += status < 400 and not url.endswith(link)
                time.sleep(0.05)  # every command at its own moment of the real clock
        assert completed >= 2
        audit = Browser(base)
        audit.sign_in("auditor")
        reference = re.search(r"/cases/(SCR-\d{4}-\d{4})", url or "")
        cases = audit.open("/cases/")[1]
        first = re.search(r"(SCR-\d{4}-\d{4})", cases)
        assert first, reference
        case_page = audit.open(f"/cases/{first.group(1)}")[1]
        assert "Completed" in case_page  # worked to its end
        for _ in range(100):  # the worker, not the test, delivers and checkpoints
            if list((tmp_path / "checkpoints").glob("*")):
                break
            time.sleep(0.2)
        assert list((tmp_path / "checkpoints").glob("*")), (
            "the worker wrote no checkpoint"
        )
        verify = scr(env, "audit", "verify")
        assert verify.returncode == 0, verify.stderr + verify.stdout
        assert "audit trail intact" in verify.stdout
        page = audit.open(f"/audit/cases/{first.group(1)}")[1]
        assert "Intact" in page and "Differs" not in page
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=20)
