"""The expression language of our diagrams: a small, safe subset of Python syntax.

SpiffWorkflow evaluates conditions, timers and DMN cells with Python's eval(), so anyone who can edit a
diagram could run any code in the server. Every expression instead goes through `check` (an allow-list of
syntax, run at deploy time and again before evaluation) and then `simpleeval`, so a diagram can read data,
write literals, compare, combine with and/or/not, do arithmetic and call only the functions we provide.
Process owners' forms are accepted too: `${ ... }` around an expression, JUEL's operators (`&&`, `!`,
`eq`, `empty`, `.equals()`: see engine.process.juel) and bare ISO 8601 literals. Every value an expression
builds is held to the figures in engine.process.limits, so no diagram can make the server work without end.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from simpleeval import DEFAULT_OPERATORS
from simpleeval import EvalWithCompoundTypes
from simpleeval import InvalidExpression

from engine.process import juel
from engine.process import limits

WRAPPED = re.compile(r"\s*[$#]\{(.*)\}\s*", re.S)
ISO_LITERAL = re.compile(
    r"^(R\d*/)?("
    r"P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?"
    r"|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?"
    r")(/.*)?$"
)
CONSTANTS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Mod,
    ast.FloorDiv,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
)
_OPERATORS = limits.operators(dict(DEFAULT_OPERATORS))
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$")


class ExpressionError(Exception):
    """An expression that is not allowed, does not parse, or fails when evaluated."""

    def __init__(self, expression: str, message: str) -> None:
        super().__init__(f"{message} (in expression: {expression.strip()!r})")
        self.expression = expression
        self.message = message


def unwrap(text: str) -> str:
    """Strip a Camunda-style `${...}` wrapper and surrounding space."""
    match = WRAPPED.fullmatch(text)
    return (match.group(1) if match else text).strip()


def _prepared(text: str) -> str:
    """The expression to check: unwrapped, within the size limits, JUEL operators rewritten."""
    expression = unwrap(text)
    if len(expression) > limits.MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            expression[:80],
            f"the expression is {len(expression):,} characters long; the limit is "
            f"{limits.MAX_EXPRESSION_CHARS:,}: split it over a script task's lines",
        )
    if limits.nesting_depth(expression) > limits.MAX_NESTING:
        raise ExpressionError(
            expression[:80],
            f"brackets are nested more than {limits.MAX_NESTING} deep; simplify the expression",
        )
    return juel.translate(expression).strip()


class _JuelEquals(ast.NodeTransformer):
    """`a.equals(b)` (Java string equality, as Camunda users write it) → `a == b`."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "equals"
            and len(node.args) == 1
            and not node.keywords
        ):
            return ast.copy_location(
                ast.Compare(left=func.value, ops=[ast.Eq()], comparators=node.args),
                node,
            )
        return node


def is_iso_literal(text: str) -> bool:
    return bool(ISO_LITERAL.match(text.strip()))


@functools.lru_cache(maxsize=4096)
def _checked_tree(expression: str, function_names: frozenset[str]) -> ast.Expression:
    try:
        tree = ast.parse(expression, mode="eval")
        if limits.tree_depth(tree) > limits.MAX_NESTING * 3:
            raise ExpressionError(
                expression[:80], "the expression is nested too deeply; simplify it"
            )
        tree = _JuelEquals().visit(tree)
    except SyntaxError as err:
        raise ExpressionError(
            expression, f"this is not a valid expression ({err.msg})"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(
            expression[:80],
            "the expression is too complex or not valid text; simplify it",
        ) from None
    function_names = function_names | {juel.EMPTY_FUNCTION}
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(
                expression,
                f"{type(node).__name__} is not allowed in a diagram expression",
            )
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            raise ExpressionError(
                expression,
                "%-formatting of text is not allowed in a diagram; join texts with + instead",
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(expression, f"the name {node.id!r} is not allowed")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(
                expression, f"the attribute {node.attr!r} is not allowed"
            )
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in function_names:
                shown = name or ast.unparse(node.func)
                raise ExpressionError(
                    expression,
                    f"{shown}() is not a function diagrams may call; "
                    f"use one of: {', '.join(sorted(function_names))}",
                )
            if node.keywords:
                raise ExpressionError(
                    expression, "functions take positional arguments only"
                )
    return tree


def check(text: str, functions: Mapping[str, Callable[..., Any]]) -> None:
    """Raise ExpressionError unless `text` is an allowed expression (or an ISO literal)."""
    if not unwrap(text):
        raise ExpressionError(text, "the expression is empty")
    if is_iso_literal(unwrap(text)):
        return
    _checked_tree(_prepared(text), frozenset(functions))


class _Evaluator(EvalWithCompoundTypes):
    """simpleeval with attribute access limited to dict keys and calls limited to our functions."""

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        value = self._eval(node.value)
        if isinstance(value, Mapping):
            if node.attr in value:
                return value[node.attr]
            raise ExpressionError(
                self.expr, f"{node.attr!r} is not set in {ast.unparse(node.value)}"
            )
        raise ExpressionError(
            self.expr, f"{ast.unparse(node.value)} has no field {node.attr!r}"
        )

    def _eval_call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            raise ExpressionError(
                self.expr, f"{ast.unparse(node.func)}() may not be called"
            )
        function = self.functions[node.func.id]
        return limits.bounded(function(*(self._eval(arg) for arg in node.args)))


def evaluate(
    text: str,
    data: Mapping[str, Any],
    functions: Mapping[str, Callable[..., Any]],
) -> Any:
    """Evaluate an expression against task data; ISO literals are returned as they are."""
    if is_iso_literal(unwrap(text)):
        return unwrap(text)
    expression = _prepared(text)
    tree = _checked_tree(expression, frozenset(functions))
    names = {**CONSTANTS, **data}
    evaluator = _Evaluator(
        operators=_OPERATORS,
        functions={**functions, juel.EMPTY_FUNCTION: juel.is_empty},
        names=names,
    )
    evaluator.expr = expression
    try:
        return limits.bounded(evaluator._eval(tree.body))
    except ExpressionError:
        raise
    except limits.LimitExceeded as err:
        raise ExpressionError(expression, f"stopped: {err}") from None
    except InvalidExpression as err:
        raise ExpressionError(expression, str(err)) from None
    except (RecursionError, MemoryError, OverflowError) as err:
        raise ExpressionError(
            expression,
            f"stopped: the expression needs too much work ({type(err).__name__})",
        ) from None
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError) as err:
        raise ExpressionError(expression, f"{type(err).__name__}: {err}") from None


def parse_script(script: str) -> list[tuple[str, str]]:
    """Split a script task into `name = expression` lines; anything else is refused."""
    assignments = []
    lines = script.splitlines()
    if len(lines) > limits.MAX_SCRIPT_LINES:
        raise ExpressionError(
            lines[0] if lines else "",
            f"the script has {len(lines)} lines; the limit is {limits.MAX_SCRIPT_LINES}",
        )
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        if not match:
            raise ExpressionError(
                line,
                f"line {number} of the script is not of the form `name = expression`",
            )
        assignments.append((match.group(1), match.group(2).strip()))
    return assignments


def check_script(script: str, functions: Mapping[str, Callable[..., Any]]) -> None:
    """Raise ExpressionError unless every line is `name = allowed expression` (and there is one)."""
    if not (script or "").strip():
        raise ExpressionError(
            "", "the script is empty; write `name = expression` lines"
        )
    for _name, expression in parse_script(script):
        check(expression, functions)


def run_script(
    script: str, data: dict[str, Any], functions: Mapping[str, Callable[..., Any]]
) -> None:
    """Run `name = expression` lines in order, each one seeing the results of the lines before."""
    for name, expression in parse_script(script):
        if name in functions or name in CONSTANTS:
            raise ExpressionError(
                script, f"{name!r} is a function or constant name, not a data name"
            )
        data[name] = evaluate(expression, data, functions)


_TEMPLATE_PART = re.compile(r"[$#]\{([^{}]*)\}")
MAX_RENDERED_CHARS = 300


def template_expressions(text: str) -> list[str]:
    """The expressions of a text with `${...}` parts (a user task's name), in order.

    :raises ExpressionError: a `${` is not closed, or a part is empty.
    """
    found = [m.group(1) for m in _TEMPLATE_PART.finditer(text)]
    rest = _TEMPLATE_PART.sub("", text)
    if "${" in rest or "#{" in rest:
        raise ExpressionError(
            text, "a `${` is not closed with `}` (and a part may not contain braces)"
        )
    for expression in found:
        if not expression.strip():
            raise ExpressionError(text, "a `${}` part is empty")
    return found


def check_template(text: str, functions: Mapping[str, Callable[..., Any]]) -> None:
    """Raise ExpressionError unless every `${...}` part of `text` is an allowed expression."""
    for expression in template_expressions(text):
        check(expression, functions)


def render_template(
    text: str, data: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]
) -> str:
    """`text` with each `${...}` part replaced by its value, as Camunda 7 renders a task's name.

    A part that cannot be evaluated (a value not set yet, say) is left out and the words around it
    closed up, so people never see `${` or an error: "Review the ${agency_name(agency)} report" with
    no agency reads "Review the report".
    """

    def value(match: re.Match[str]) -> str:
        try:
            found = evaluate(match.group(1), data, functions)
        except Exception:  # noqa: BLE001 - a name must never stop the case: the part is left out
            return ""
        if found is None:
            return ""
        if isinstance(found, list | tuple):
            return ", ".join(str(item) for item in found)
        return str(found)

    rendered = _TEMPLATE_PART.sub(value, text)
    rendered = re.sub(r"\s+([,.;:!?)])", r"\1", re.sub(r"\s{2,}", " ", rendered))
    rendered = re.sub(r"[$#]\{.*", "", rendered).strip()
    return rendered[:MAX_RENDERED_CHARS]
