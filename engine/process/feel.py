"""DMN cells as process owners type them in Camunda Modeler (FEEL unary tests) → our expression language.

SpiffWorkflow's DMN engine compares a cell with the input through `?` (the input value). We translate each
input cell once, at deploy time, into an expression over `?`:

    -            any value            (None: no test)
    "a"          ? == "a"             "a","b"      ? in ("a", "b")
    < 5          ? < 5                [1..10]      1 <= ? <= 10   ((1..10] and ]1..10[ too)
    true         ? == true            not("a")     not (? in ("a",))
A cell that already uses `?` is kept as written.
"""

from __future__ import annotations

import re

_RANGE = re.compile(r"^([\[\(\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\]\)\[])$", re.S)
_COMPARISON = re.compile(r"^(<=|>=|<|>|!=|==)\s*(.+)$", re.S)
_NOT = re.compile(r"^not\s*\((.*)\)$", re.S)


def split_top_level(text: str) -> list[str]:
    """Split on commas that are outside quotes, brackets and parentheses."""
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    current = ""
    for char in text:
        if quote:
            current += char
            if char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return parts


def unary_test_to_expression(cell: str | None) -> str | None:
    """Translate one FEEL unary-test cell; None means the cell matches anything."""
    text = (cell or "").strip()
    if text in ("", "-"):
        return None
    if "?" in _without_strings(text):
        return text
    negated = _NOT.match(text)
    if negated:
        inner = unary_test_to_expression(negated.group(1))
        return f"not ({inner})" if inner else "false"
    tests = [_single_test(part) for part in split_top_level(text)]
    if len(tests) > 1 and all(t.startswith("? == ") for t in tests):
        return f"? in ({', '.join(t[5:] for t in tests)},)"
    return " or ".join(f"({t})" for t in tests) if len(tests) > 1 else tests[0]


def _single_test(text: str) -> str:
    ranged = _RANGE.match(text)
    if ranged:
        opening, low, high, closing = ranged.groups()
        low_op = "<=" if opening == "[" else "<"
        high_op = "<=" if closing == "]" else "<"
        return f"{low} {low_op} ? {high_op} {high}"
    compared = _COMPARISON.match(text)
    if compared:
        return f"? {compared.group(1)} {compared.group(2)}"
    return f"? == {text}"


def _without_strings(text: str) -> str:
    return re.sub(r"\"[^\"]*\"|'[^']*'", "", text)
