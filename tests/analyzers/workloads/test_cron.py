"""CronJob schedules: which ones the controller accepts, and when they fire next."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from workbench.analyzers.workloads._cron import parse

SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "schedule",
    [
        "*/5 * * * *",
        "0 0 * * *",
        "0 9 * * MON-FRI",
        "0 0 1,15 * *",
        "30 2 * jan,JUL sun",
        "? * * * *",
        "5/10 * * * *",
        "0 0 1,,15 * *",
        "@hourly",
        "@daily",
        "@every 1h30m",
        "@every 500ms",
        "  0 3 * * 0  ",
    ],
)
def test_valid(schedule: str) -> None:
    assert parse(schedule).zone_prefix == ""


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ("", "the schedule is empty"),
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"),
        ("* * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6"),
        ("61 * * * *", "minute: 61 is out of range 0-59"),
        ("0 24 * * *", "hour: 24 is out of range 0-23"),
        ("0 0 0 * *", "day of month: 0 is out of range 1-31"),
        ("0 0 * 13 *", "month: 13 is out of range 1-12"),
        ("0 0 * * 7", "day of week: 7 is out of range 0-6"),
        ("*/0 * * * *", "minute: step '0' must be a positive number"),
        ("5-1 * * * *", "minute: range 5-1 starts after it ends"),
        ("0 0 * FOO *", "month: 'FOO' is not a number or a name"),
        ("H * * * *", "minute: 'H' is not a number"),
        ("@weekly2", "unknown descriptor @weekly2"),
        ("@every soon", "@every needs a duration like 1h30m, not 'soon'"),
        ("TZ= 0 * * * *", "TZ= names no time zone"),
    ],
)
def test_invalid(schedule: str, problem: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(problem)):
        parse(schedule)


def test_legacy_zone_prefix_is_read_and_reported() -> None:
    schedule = parse("CRON_TZ=Europe/Berlin 0 6 * * *")
    assert schedule.zone_prefix == "Europe/Berlin"
    assert schedule.hours == (6,)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        ("*/5 * * * *", SATURDAY_NOON + timedelta(minutes=2), SATURDAY_NOON + timedelta(minutes=5)),
        ("*/5 * * * *", SATURDAY_NOON, SATURDAY_NOON + timedelta(minutes=5)),  # strictly after
        ("0 9 * * MON-FRI", SATURDAY_NOON, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        ("@daily", SATURDAY_NOON, datetime(2026, 11, 29, 0, 0, tzinfo=UTC)),
        # both day fields restricted: the 13th or a Friday, whichever comes first
        ("0 0 13 * FRI", SATURDAY_NOON, datetime(2026, 12, 4, 0, 0, tzinfo=UTC)),
        # day of week "*": only the 13th
        ("0 0 13 * *", SATURDAY_NOON, datetime(2026, 12, 13, 0, 0, tzinfo=UTC)),
        ("0 0 29 2 *", SATURDAY_NOON, datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        ("@every 90m", SATURDAY_NOON, SATURDAY_NOON + timedelta(minutes=90)),
    ],
)
def test_next_after(schedule: str, after: datetime, expected: datetime) -> None:
    assert parse(schedule).next_after(after) == expected


def test_a_date_that_never_exists_never_fires() -> None:
    assert parse("0 0 30 2 *").next_after(SATURDAY_NOON) is None
