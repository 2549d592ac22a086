"""The diagrams' expression language: what process owners may write, and what is refused."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from engine.clock import FixedClock
from engine.clock import using_clock
from engine.process import expressions
from engine.process import feel
from engine.process import workdays
from engine.process.functions import FUNCTIONS


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ('${decision == "scr"}', {"decision": "scr"}, True),
        (
            "decision == 'scr' and attendees >= 3",
            {"decision": "scr", "attendees": 2},
            False,
        ),
        ("child_died or harmed", {"child_died": False, "harmed": True}, True),
        ('agency in ("police", "health")', {"agency": "health"}, True),
        ("not is_set(reason)", {"reason": ""}, True),
        ("len(agencies) >= 4", {"agencies": ["a", "b", "c", "d"]}, True),
        ("report.status", {"report": {"status": "accepted"}}, "accepted"),
        ('report["status"]', {"report": {"status": "accepted"}}, "accepted"),
        ("true", {}, True),
        ("P5D", {}, "P5D"),
        ("R3/PT1H", {}, "R3/PT1H"),
        ("2026-03-04T09:00:00Z", {}, "2026-03-04T09:00:00Z"),
    ],
)
def test_process_owner_expressions_evaluate(text, data, expected):
    assert expressions.evaluate(text, data, FUNCTIONS) == expected


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("id")',
        "().__class__.__base__.__subclasses__()",
        'open("/etc/passwd")',
        "eval('1')",
        "lambda: 1",
        "[x for x in range(10)]",
        "name.upper()",
        "a := 1",
    ],
)
def test_code_that_is_not_an_expression_of_ours_is_refused(text):
    with pytest.raises(expressions.ExpressionError):
        expressions.check(text, FUNCTIONS)
    with pytest.raises(expressions.ExpressionError):
        expressions.evaluate(text, {"name": "x", "a": 0}, FUNCTIONS)


def test_missing_data_is_named_in_the_error():
    with pytest.raises(expressions.ExpressionError, match="decision"):
        expressions.evaluate("decision == 'scr'", {}, FUNCTIONS)


def test_script_lines_are_assignments_only():
    data = {"agencies": ["police", "health"]}
    expressions.run_script("count = len(agencies)\nmany = count > 1", data, FUNCTIONS)
    assert data == {"agencies": ["police", "health"], "count": 2, "many": True}
    with pytest.raises(expressions.ExpressionError, match="line 1"):
        expressions.run_script("import os", {}, FUNCTIONS)


@pytest.mark.parametrize(
    ("cell", "value", "matches"),
    [
        ('"death"', "death", True),
        ('"death"', "injury", False),
        ('"injury","other"', "other", True),
        ('"injury","other"', "death", False),
        ("< 5", 4, True),
        (">= 5", 4, False),
        ("[1..10]", 10, True),
        ("(1..10]", 1, False),
        ("[1..10[", 10, False),
        ("true", True, True),
        ("false", True, False),
        ('not("death")', "injury", True),
        ('not("death")', "death", False),
        ("? > 3", 4, True),
    ],
)
def test_feel_unary_tests_in_dmn_cells(cell, value, matches):
    expression = feel.unary_test_to_expression(cell)
    assert expression is not None
    result = expressions.evaluate(
        expression.replace("?", "dmn_input"), {"dmn_input": value}, FUNCTIONS
    )
    assert result is matches


def test_dash_matches_anything():
    assert feel.unary_test_to_expression("-") is None
    assert feel.unary_test_to_expression("") is None


def test_working_days_skip_weekends_and_bank_holidays():
    # Thursday 2 April 2026; Good Friday 3 April and Easter Monday 6 April are bank holidays.
    assert workdays.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert workdays.add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 13)
    assert workdays.add_working_days(date(2026, 4, 13), -5) == date(2026, 4, 2)
    # Christmas 2026 falls on a Friday; Boxing Day (Saturday) is substituted on Monday 28 December.
    assert workdays.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_deadline_functions_end_the_day_in_england():
    with using_clock(FixedClock(datetime(2026, 4, 2, 10, 0, tzinfo=UTC))):
        assert FUNCTIONS["working_days"](5) == "2026-04-13T23:59:59+01:00"
        assert FUNCTIONS["calendar_days"](14) == "2026-04-16T23:59:59+01:00"
        assert FUNCTIONS["months"](1) == "2026-05-02T23:59:59+01:00"
        assert FUNCTIONS["today"]() == "2026-04-02"
    assert (
        FUNCTIONS["working_days_before"]("2026-04-13", 3) == "2026-04-08T23:59:59+01:00"
    )
    assert FUNCTIONS["months_after"]("2026-01-31", 1) == "2026-02-28T23:59:59+00:00"
    assert FUNCTIONS["days_after"]("2026-03-28", 1) == "2026-03-29T23:59:59+01:00"
