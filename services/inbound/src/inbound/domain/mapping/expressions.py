"""Derived-field expressions: a whitelist checked before anything is evaluated.

A mapping document may compute a field, e.g. `round(float(source.total) * 100)`.
The expression is parsed, and every node must be of an allowed kind: literals,
arithmetic, comparisons, conditionals, attribute walks and constant indexing
rooted at `source`, and calls of eight plain functions. Anything else — other
names, attributes starting with `_`, method calls, lambdas, comprehensions,
f-strings — is refused when the document loads, so a malicious expression
behind a rarely taken branch cannot lie dormant. Evaluation then runs in
simpleeval with the same functions and a read-only view of the payload.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression

from inbound.domain.mapping.errors import ExpressionFailed, ExpressionRefused

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "int": int,
    "float": float,
    "str": str,
    "len": len,
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
}
SOURCE = "source"

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Subscript,
    ast.Call,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Tuple,
    ast.List,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
)


def _rooted_at_source(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id == SOURCE


def expression_problems(expression: str) -> list[str]:
    """Every reason the expression is not allowed; empty when it is."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        return [f"not a single Python expression ({error.msg})"]
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            problems.append(f"{type(node).__name__} is not allowed")
        elif isinstance(node, ast.Name) and node.id != SOURCE and node.id not in FUNCTIONS:
            problems.append(f"name {node.id!r} is not allowed (only {SOURCE!r} and {', '.join(FUNCTIONS)})")
        elif isinstance(node, ast.Attribute) and (node.attr.startswith("_") or not _rooted_at_source(node)):
            problems.append(f"attribute {node.attr!r} is not a field walk from {SOURCE!r}")
        elif isinstance(node, ast.Subscript) and not (_rooted_at_source(node) and isinstance(node.slice, ast.Constant)):
            problems.append("indexing is only allowed on source fields, with a constant")
        elif isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords
        ):
            problems.append(f"only plain calls of {', '.join(FUNCTIONS)} are allowed")
        elif isinstance(node, ast.Name) and node.id in FUNCTIONS and not _is_call_target(tree, node):
            problems.append(f"function {node.id!r} may only be called")
    return problems


def _is_call_target(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


class SourceView:
    """Read-only attribute access to a JSON payload, refusing private names at run time too."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return wrap(self._data[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key: str) -> Any:
        return wrap(self._data[key])


def wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return SourceView(value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def evaluate(expression: str, payload: Mapping[str, Any]) -> Any:
    problems = expression_problems(expression)
    if problems:
        raise ExpressionRefused(f"derived expression {expression!r} refused: {'; '.join(problems)}")
    evaluator = EvalWithCompoundTypes(names={SOURCE: wrap(payload)}, functions=FUNCTIONS)
    try:
        return evaluator.eval(expression)
    except (InvalidExpression, ArithmeticError, AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
        raise ExpressionFailed(f"derived expression {expression!r} failed: {type(error).__name__}: {error}") from None
