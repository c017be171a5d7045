"""A small, safe expression language for validation rules between report metrics.

`branches_founded <= orgs_contacted`, `a + b == total`, `subsidy <= branches_founded * 600`.
The text is parsed with `ast` and every node checked against a whitelist; it is then
evaluated by walking the tree. Nothing is ever passed to `eval`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _


class ExpressionError(ValueError):
    """The rule's text is not a valid expression over the form's metric codes."""


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
MAX_LENGTH = 255
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.USub,
    ast.Not,
    ast.BinOp,
    ast.Compare,
    ast.Load,
    *_BINARY,
    *_COMPARE,
)


def parse_expression(text: str, codes: Iterable[str]) -> ast.Expression:
    """Parse and check `text`; raises ExpressionError naming what is not allowed."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_("The expression is too long."))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(_("The expression cannot be read: %(error)s") % {"error": exc.msg}) from exc
    known = set(codes)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in known:
                raise ExpressionError(_("Unknown metric code “%(code)s”.") % {"code": node.id})
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ExpressionError(_("Only numbers may appear as constants."))
        elif not isinstance(node, _ALLOWED):
            raise ExpressionError(_("“%(part)s” is not allowed in a rule.") % {"part": type(node).__name__})
    return tree


def evaluate(tree: ast.Expression, values: Mapping[str, Any]) -> Any:
    """Evaluate a checked tree; a missing (empty) figure counts as 0."""

    def number(value: Any) -> Decimal:
        if value is None or value == "":
            return Decimal(0)
        try:
            return Decimal(str(value))
        except InvalidOperation as exc:
            raise ExpressionError(_("A rule refers to a metric that is not a number.")) from exc

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return number(values.get(node.id))
        if isinstance(node, ast.UnaryOp):
            operand = walk(node.operand)
            return (not operand) if isinstance(node.op, ast.Not) else -operand
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                return Decimal(0)  # a ratio of nothing is nothing, not an error on the page
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.BoolOp):
            results = [walk(v) for v in node.values]
            return all(results) if isinstance(node.op, ast.And) else any(results)
        if isinstance(node, ast.Compare):
            left = walk(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = walk(comparator)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        raise ExpressionError(_("“%(part)s” is not allowed in a rule.") % {"part": type(node).__name__})

    return walk(tree)


def names_in(tree: ast.Expression) -> list[str]:
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
