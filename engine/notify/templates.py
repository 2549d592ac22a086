"""Message templates shipped with the diagrams: `templates/<name>.txt`, a `Subject:` line, a blank line,
then the body, both Jinja2 in a sandbox (no attribute tricks, nothing executed from a template)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

TEMPLATE_FOLDER = "templates"
RECIPIENT_KINDS = ("role", "contact", "completer", "starter")
_ENV = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


class TemplateProblem(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def template_path(name: str) -> str:
    return f"{TEMPLATE_FOLDER}/{name}.txt"


def split_template(text: str) -> tuple[str, str]:
    """(subject source, body source) of a template file; its first line must be `Subject: ...`."""
    first, _, rest = text.partition("\n")
    if not first.lower().startswith("subject:"):
        raise TemplateProblem("the first line must be 'Subject: ...'", 1)
    return first.split(":", 1)[1].strip(), rest.lstrip("\n")


def compile_template(text: str) -> None:
    """Raise TemplateProblem (with the file's line number) unless subject and body compile."""
    subject, body = split_template(text)
    offset = text[: text.find(body)].count("\n") if body else 1
    for source, base in ((subject, 0), (body, offset)):
        try:
            _ENV.parse(source)
        except TemplateSyntaxError as err:
            raise TemplateProblem(
                err.message or "template syntax error", (err.lineno or 1) + base
            ) from None


def render(text: str, context: Mapping[str, Any]) -> tuple[str, str]:
    subject, body = split_template(text)
    rendered_subject = " ".join(_ENV.from_string(subject).render(context).split())
    return rendered_subject, _ENV.from_string(body).render(context).strip() + "\n"


def parse_recipients(value: Any) -> list[tuple[str, str]]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    specs = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        kind, _, key = item.partition(":")
        specs.append((kind.strip(), key.strip()))
    return specs
