from decimal import Decimal

import pytest

from reporting.expressions import ExpressionError, evaluate, parse_expression

CODES = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("a <= b", {"a": 3, "b": 5}, True),
        ("a <= b", {"a": 6, "b": 5}, False),
        ("a + b == c", {"a": 1, "b": 2, "c": 3}, True),
        ("c <= a * 600", {"a": 2, "c": Decimal("1200.00")}, True),
        ("a < b < c", {"a": 1, "b": 3, "c": 2}, False),
        ("a > 0 and not b > 10 or c == 1", {"a": 1, "b": 5, "c": 0}, True),
        ("a / b <= 1", {"a": 1, "b": 0}, True),
        ("-a <= 0", {"a": None}, True),
    ],
)
def test_rules_evaluate(text, values, expected):
    assert evaluate(parse_expression(text, CODES), values) is expected


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('id')",
        "a.__class__",
        "a[0]",
        "d <= a",
        "'x' == a",
        "lambda: 1",
        "a if b else c",
        "a ** b",
        "(a := 1)",
        "a <=",
    ],
)
def test_anything_outside_the_whitelist_is_refused(text):
    with pytest.raises(ExpressionError):
        parse_expression(text, CODES)
