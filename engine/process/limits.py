"""How much work one expression, script, template or form pattern may cause: the figures and the checks.

A diagram is written by a process owner, not a programmer we trust with the server. Everything a diagram
can make the engine compute is bounded by size rather than by a clock: a value may not grow past these
figures, so no expression runs for long or fills memory, and no watchdog thread is needed. A value that
would break a limit raises `LimitExceeded` (an ExpressionError at run time, a problem at deploy time), and
the case shows it as an incident.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

MAX_EXPRESSION_CHARS = 4_000  # one condition, cell or script line as written
MAX_NESTING = 40  # brackets and operators inside one another
MAX_SCRIPT_LINES = 200
MAX_STRING = 100_000  # characters in any string a diagram builds
MAX_COLLECTION = 10_000  # items in any list, tuple, set or dict a diagram builds
MAX_INT_BITS = (
    256  # about 77 decimal digits: far more than any count, amount or date needs
)
MAX_TEMPLATE_OUTPUT = 200_000  # characters of one rendered message
MAX_TEMPLATE_LOOP = 10_000  # iterations of range() in one template
MAX_PATTERN_CHARS = 500  # a form field's pattern


class LimitExceeded(ValueError):
    """A diagram asked for more work or memory than the engine allows; the message names the limit."""


def bounded(value: Any) -> Any:
    """Return `value` if it is within the size limits, else raise LimitExceeded."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitExceeded(
            f"a whole number larger than {MAX_INT_BITS} bits (about 77 digits) is not allowed"
        )
    if isinstance(value, str | bytes) and len(value) > MAX_STRING:
        raise LimitExceeded(
            f"a text longer than {MAX_STRING:,} characters is not allowed"
        )
    if isinstance(value, list | tuple | set | frozenset | dict) and (
        len(value) > MAX_COLLECTION
    ):
        raise LimitExceeded(
            f"a list or map of more than {MAX_COLLECTION:,} items is not allowed"
        )
    return value


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 1


def safe_mult(left: Any, right: Any) -> Any:
    """`*` that refuses to repeat a text or list past the limits before building it."""
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int):
            if _size(sequence) * max(times, 0) > MAX_STRING:
                raise LimitExceeded(
                    f"repeating a text or list to more than {MAX_STRING:,} items is not allowed"
                )
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
            raise LimitExceeded(
                f"a whole number larger than {MAX_INT_BITS} bits (about 77 digits) is not allowed"
            )
    return bounded(operator.mul(left, right))


def safe_mod(left: Any, right: Any) -> Any:
    """`%` is arithmetic only: %-formatting of text can build any amount of it ("%0300000000d")."""
    if isinstance(left, str | bytes):
        raise LimitExceeded(
            "%-formatting of text is not allowed in a diagram; join texts with + instead"
        )
    return bounded(operator.mod(left, right))


def _checked(function: Callable[..., Any]) -> Callable[..., Any]:
    def apply(*operands: Any) -> Any:
        return bounded(function(*operands))

    return apply


def operators(base: dict[Any, Any]) -> dict[Any, Any]:
    """simpleeval's operator table with every result checked and `*` and `%` guarded first."""
    import ast

    table = {op: _checked(fn) for op, fn in base.items()}
    table[ast.Mult] = safe_mult
    table[ast.Mod] = safe_mod
    table.pop(ast.Pow, None)
    table.pop(ast.LShift, None)
    return table


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting of `text`, outside quoted strings (a cheap pre-parse check)."""
    depth = deepest = 0
    quote: str | None = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def tree_depth(tree: Any) -> int:
    """The depth of a Python AST, computed without recursion so a hostile tree cannot overflow."""
    import ast

    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_NESTING * 3:
            return depth
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
