"""When the team is back, in words a customer reads correctly (#15 item 5)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from support.hours import support_next_opening, support_open, support_opening_words

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEKDAYS = "mon-fri 09:00-18:00; sat 10:00-14:00"


@pytest.mark.parametrize(("now", "words"), [
    (datetime(2026, 12, 2, 22, 0), "tomorrow at 09:00"),      # Wednesday night
    (datetime(2026, 12, 2, 7, 0), "today at 09:00"),          # Wednesday early morning
    (datetime(2026, 12, 4, 19, 0), "tomorrow at 10:00"),      # Friday evening: Saturday's short hours
    (datetime(2026, 12, 5, 15, 0), "Monday at 09:00"),        # Saturday afternoon
    (datetime(2026, 12, 6, 23, 30), "tomorrow at 09:00"),     # Sunday night
])
def test_the_next_opening_is_today_tomorrow_or_a_weekday(settings, now: datetime, words: str) -> None:
    settings.SUPPORT_HOURS = WEEKDAYS
    at = now.replace(tzinfo=AMSTERDAM)
    assert support_opening_words(support_next_opening(at), at) == words


def test_friday_evening_without_weekend_hours_says_monday(settings) -> None:
    settings.SUPPORT_HOURS = "mon-fri 09:00-18:00"
    at = datetime(2026, 12, 4, 19, 0, tzinfo=AMSTERDAM)
    assert support_opening_words(support_next_opening(at), at) == "Monday at 09:00"


def test_an_opening_a_week_or_more_away_is_given_as_a_date(settings) -> None:
    settings.SUPPORT_HOURS = "wed 09:00-12:00"
    at = datetime(2026, 12, 2, 13, 0, tzinfo=AMSTERDAM)  # Wednesday after closing: next Wednesday
    assert support_opening_words(support_next_opening(at), at) == "on 9 December at 09:00"


def test_a_team_in_until_midnight_is_in_during_the_last_minute_of_the_day(settings) -> None:
    """'00:00-24:00' is always in: with '23:59' the suite's browser test met the away message at 23:59."""
    settings.SUPPORT_HOURS = "mon-sun 00:00-24:00"
    assert support_open(datetime(2026, 12, 4, 23, 59, 30, tzinfo=AMSTERDAM))
    assert support_open(datetime(2026, 12, 5, 0, 0, 0, tzinfo=AMSTERDAM))
    settings.SUPPORT_HOURS = "mon-fri 09:00-23:59"
    assert not support_open(datetime(2026, 12, 4, 23, 59, 30, tzinfo=AMSTERDAM))


@pytest.mark.parametrize("hours", ["mon 09:00-24:30", "mon 25:00-26:00", "mon 09:75-10:00"])
def test_hours_that_are_not_times_of_day_are_refused(settings, hours: str) -> None:
    settings.SUPPORT_HOURS = hours
    with pytest.raises(ValueError, match="SUPPORT_HOURS"):
        support_open()
