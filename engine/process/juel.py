"""JUEL, as Camunda 7 users write it in `${...}`, rewritten into our expression language before checking.

Camunda's expression language is JUEL (Camunda 7 user guide, "Expression Language"; the operators are those
of the Jakarta Expression Language specification, section 1.7-1.10). We map its operators onto the same
meaning in our restricted Python subset, outside quoted text only:

    a && b, a and b  → a and b          a eq b → a == b     a lt b → a < b     a le b → a <= b
    a || b, a or b   → a or b           a ne b → a != b     a gt b → a > b     a ge b → a >= b
    !a, not a        → not a            empty x → is_empty(x)   (null, "", empty list or map)
    a div b → a / b    a mod b → a % b    x.equals("y") → x == "y"   (rewritten on the syntax tree)

Anything else of JUEL (method calls on Java objects, the `?:` conditional, bean properties) is refused by
the allow-list like any other unknown syntax, with the position shown.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      |(?P<and>&&)
      |(?P<or>\|\|)
      |(?P<bang>!(?!=))
      |(?P<word>\b(?:eq|ne|lt|gt|le|ge|div|mod)\b)
      |(?P<empty>\bempty\b)""",
    re.X | re.S,
)
_WORDS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_OPERAND = re.compile(r"\s*([A-Za-z_]\w*(?:\s*(?:\.\s*[A-Za-z_]\w*|\[[^\]]*\]))*)")
EMPTY_FUNCTION = "is_empty"


def translate(text: str) -> str:
    """Rewrite the JUEL operators of `text`; text without any is returned unchanged."""
    if not _TOKEN.search(text):
        return text
    out: list[str] = []
    position = 0
    while True:
        found = _TOKEN.search(text, position)
        if found is None:
            out.append(text[position:])
            return "".join(out)
        out.append(text[position : found.start()])
        kind = found.lastgroup
        position = found.end()
        if kind == "string":
            out.append(found.group())
        elif kind == "and":
            out.append(" and ")
        elif kind == "or":
            out.append(" or ")
        elif kind == "bang":
            out.append(" not ")
        elif kind == "word":
            out.append(f" {_WORDS[found.group()]} ")
        else:
            operand, position = _empty_operand(text, position)
            out.append(f"{EMPTY_FUNCTION}({translate(operand)})")


def _empty_operand(text: str, position: int) -> tuple[str, int]:
    """The operand of `empty`: a bracketed expression or a (dotted, indexed) name."""
    rest = text[position:]
    stripped = rest.lstrip()
    if stripped.startswith("("):
        start = position + len(rest) - len(stripped)
        depth = 0
        for index in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[index], 0)
            if depth == 0:
                return text[start + 1 : index], index + 1
        return text[start + 1 :], len(text)
    match = _OPERAND.match(text, position)
    if match is None:
        return (
            "",
            position,
        )  # `empty` with nothing after it: the empty call is refused later
    return match.group(1), match.end()


def is_empty(value: object) -> bool:
    """JUEL's `empty`: true for null, an empty text, an empty list or an empty map."""
    return value is None or (
        isinstance(value, str | list | tuple | dict | set) and not value
    )
