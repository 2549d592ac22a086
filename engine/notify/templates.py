"""Message templates shipped with the diagrams: `templates/<name>.txt`, a `Subject:` line, a blank line,
then the body, both Jinja2 in a sandbox (no attribute tricks, nothing executed from a template)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from engine.process import limits

TEMPLATE_FOLDER = "templates"
RECIPIENT_KINDS = ("role", "case", "contact", "completer", "starter")


class TemplateTooBig(limits.LimitExceeded):
    """Rendering would build more text or loop more than a message needs."""


def _no_huge_numbers(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and abs(value) > limits.MAX_STRING
        ):
            raise TemplateTooBig(f"the number {value:,} is too large for a message")


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def apply(*args: Any, **kwargs: Any) -> Any:
        _no_huge_numbers(args, kwargs)
        return limits.bounded(function(*args, **kwargs))

    return apply


_LOOP_BUDGET: ContextVar[list[int] | None] = ContextVar(
    "scr_template_loops", default=None
)


def _range(*args: int) -> Iterator[int]:
    """range(), but all the ranges of one rendering together hold at most MAX_TEMPLATE_LOOP numbers."""
    numbers = range(*args)
    budget = _LOOP_BUDGET.get() or [limits.MAX_TEMPLATE_LOOP]
    _LOOP_BUDGET.set(budget)
    budget[0] -= len(numbers)
    if len(numbers) > limits.MAX_TEMPLATE_LOOP or budget[0] < 0:
        raise TemplateTooBig(
            f"the template loops more than {limits.MAX_TEMPLATE_LOOP:,} times in all"
        )
    return iter(numbers)


class _BoundedEnvironment(SandboxedEnvironment):
    """Jinja2's sandbox, with `*`, `%`, `+` and every call and filter held to engine.process.limits."""

    intercepted_binops = frozenset(["*", "%", "+", "**", "//"])

    def call_binop(
        self, context: Any, operator_name: str, left: Any, right: Any
    ) -> Any:
        if operator_name == "*":
            return limits.safe_mult(left, right)
        if operator_name == "%":
            return limits.safe_mod(left, right)
        if operator_name == "**":
            raise TemplateTooBig("** is not allowed in a message template")
        apply = {"+": operator.add, "//": operator.floordiv}[operator_name]
        return limits.bounded(apply(left, right))

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _no_huge_numbers(args, kwargs)
        return limits.bounded(super().call(__context, __obj, *args, **kwargs))


_ENV = _BoundedEnvironment(autoescape=False, keep_trailing_newline=False)
_ENV.filters = {name: _bounded_filter(f) for name, f in _ENV.filters.items()}
_ENV.globals["range"] = _range
_LONDON = ZoneInfo("Europe/London")


def long_date(value: Any) -> Any:
    """A date or date-time as people write it in a letter ("2 March 2026"); anything else as it is."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = (value.astimezone(_LONDON) if value.tzinfo else value).date()
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return value


_ENV.filters["long_date"] = long_date


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
    """(subject, body) rendered; TemplateTooBig (a ValueError) if it would outgrow a message."""
    subject, body = split_template(text)
    rendered_subject = " ".join(_bounded_render(subject, context).split())
    return rendered_subject, _bounded_render(body, context).strip() + "\n"


def _bounded_render(source: str, context: Mapping[str, Any]) -> str:
    parts: list[str] = []
    size = 0
    _LOOP_BUDGET.set([limits.MAX_TEMPLATE_LOOP])
    for part in _ENV.from_string(source).generate(context):
        size += len(part)
        if size > limits.MAX_TEMPLATE_OUTPUT:
            raise TemplateTooBig(
                f"the message would be longer than {limits.MAX_TEMPLATE_OUTPUT:,} characters"
            )
        parts.append(part)
    return "".join(parts)


def parse_recipients(value: Any) -> list[tuple[str, str]]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    specs = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        kind, _, key = item.partition(":")
        specs.append((kind.strip(), key.strip()))
    return specs
