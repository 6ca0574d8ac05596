"""Support hours (SUPPORT_HOURS, Amsterdam time): is the team in now, and when is it next?"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext as _

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def _schedule() -> dict[int, tuple[int, int]]:
    """'mon-fri 09:00-18:00; sat 10:00-14:00' as weekday -> (opens, closes) in minutes after midnight.

    '24:00' closes at the end of the day: 'mon-sun 00:00-24:00' is a team that is always in
    (with '23:59' the last minute of every day was closed).
    """
    schedule: dict[int, tuple[int, int]] = {}
    for part in filter(None, (p.strip().lower() for p in settings.SUPPORT_HOURS.split(";"))):
        match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?\s+(\d\d):(\d\d)-(\d\d):(\d\d)", part)
        if not match or match.group(1) not in DAYS or (match.group(2) and match.group(2) not in DAYS):
            raise ValueError(f"SUPPORT_HOURS: cannot read {part!r}; write e.g. 'mon-fri 09:00-18:00; sat 10:00-14:00'")
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        hours = (_minutes(match.group(3), match.group(4)), _minutes(match.group(5), match.group(6)))
        if hours[0] >= 24 * 60 or hours[1] > 24 * 60 or int(match.group(4)) > 59 or int(match.group(6)) > 59:
            raise ValueError(f"SUPPORT_HOURS: {part!r} is not a time of day (00:00 to 24:00)")
        for day in range(first, last + 1):
            schedule[day] = hours
    return schedule


def support_open(at: datetime | None = None) -> bool:
    local = timezone.localtime(at or timezone.now())
    hours = _schedule().get(local.weekday())
    now = local.hour * 60 + local.minute
    return bool(hours and hours[0] <= now < hours[1])


def support_next_opening(at: datetime | None = None) -> datetime:
    local = timezone.localtime(at or timezone.now())
    schedule = _schedule()
    for days_ahead in range(0, 8):
        day = (local + timedelta(days=days_ahead)).date()
        hours = schedule.get(day.weekday())
        if not hours:
            continue
        opens = time(hours[0] // 60, hours[0] % 60)
        opening = timezone.make_aware(datetime.combine(day, opens), local.tzinfo)
        if opening > local:
            return opening
    raise ValueError("SUPPORT_HOURS has no opening hours")


def support_opening_words(opening: datetime, at: datetime | None = None) -> str:
    """When the team is back, in the customer's words: 'today at 09:00', 'tomorrow at 09:00',
    'Monday at 09:00' within the week, else the date ('on 14 December at 09:00').

    A weekday name alone was wrong on the day itself: 'from Wednesday' said on a Wednesday
    night meant the next morning, not a week later.
    """
    local_now = timezone.localtime(at or timezone.now())
    local_opening = timezone.localtime(opening)
    days = (local_opening.date() - local_now.date()).days
    clock = local_opening.strftime("%H:%M")
    if days == 0:
        return _("today at %(time)s") % {"time": clock}
    if days == 1:
        return _("tomorrow at %(time)s") % {"time": clock}
    if 1 < days < 7:
        return _("%(weekday)s at %(time)s") % {"weekday": WEEKDAYS[local_opening.weekday()], "time": clock}
    return _("on %(day)s %(month)s at %(time)s") % {"day": local_opening.day, "month": MONTHS[local_opening.month],
                                                    "time": clock}
