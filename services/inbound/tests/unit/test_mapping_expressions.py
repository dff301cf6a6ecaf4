import pytest

from inbound.domain.mapping.errors import ExpressionFailed, ExpressionRefused
from inbound.domain.mapping.expressions import evaluate, expression_problems

PAYLOAD = {
    "total": "12.50",
    "customer": {"name": "ACME", "tags": ["a", "b"]},
    "lines": [{"qty": 2}, {"qty": 3}],
    "odd-key": 7,
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("round(float(source.total) * 100)", 1250),
        ("source.customer.name", "ACME"),
        ("len(source.customer.tags)", 2),
        ("source.lines[1].qty + source.lines[0].qty", 5),
        ('source["odd-key"]', 7),
        ("max(1, 2, abs(-5))", 5),
        ("'big' if float(source.total) > 10 else 'small'", "big"),
        ("str(int(source.lines[0].qty)) + '-x'", "2-x"),
    ],
)
def test_allowed_expressions_evaluate_against_the_payload(expression: str, expected: object) -> None:
    assert expression_problems(expression) == []
    assert evaluate(expression, PAYLOAD) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('id')",
        "source.__class__",
        "source._data",
        "open('/etc/passwd')",
        "eval('1')",
        "source.customer.name.upper()",
        "(lambda: 1)()",
        "[x for x in source.lines]",
        "f'{source.total}'",
        "int",
        "other.total",
        "(1).real",
        "int(x=1)",
        "source.lines[len(source.lines)]",
        "a := 1",
    ],
)
def test_forbidden_shapes_are_refused_before_evaluation(expression: str) -> None:
    assert expression_problems(expression)
    with pytest.raises(ExpressionRefused):
        evaluate(expression, PAYLOAD)


def test_run_time_failures_are_mapping_errors() -> None:
    with pytest.raises(ExpressionFailed, match="ZeroDivisionError"):
        evaluate("float(source.total) / 0", PAYLOAD)
    with pytest.raises(ExpressionFailed):
        evaluate("source.missing.field", PAYLOAD)
    with pytest.raises(ExpressionFailed):
        evaluate("int(source.customer.name)", PAYLOAD)
