"""Dates and times as the shop writes them to customers: the shop's (Amsterdam) time, in the language being shown.

"j M" gave "4 Dez" in German and "4 Dec" in every other language (session 25's walkthrough); each language's own
month-and-day and time formats (Django's locale formats) read "4. Dezember, 07:30", "4 grudnia, 07:30",
"4 December, 7:30 a.m." (British English).
"""
from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone, translation


def day_text(moment: datetime) -> str:
    """"4 December", "4. Dezember", "4 de diciembre", "4 dicembre"."""
    return _month_day(timezone.localtime(moment))


def moment_text(moment: datetime) -> str:
    """"4 December, 7:30 a.m.", "4. Dezember, 07:30"."""
    local = timezone.localtime(moment)
    return f"{_month_day(local)}, {formats.time_format(local, 'TIME_FORMAT')}"


def _month_day(local: datetime) -> str:
    # Months are written in lower case but in English and German (Django's Italian and Portuguese month names are
    # capitalised: "5 Dicembre", session 26's walkthrough; as support.services.order_help.tracking.delivery_day_text).
    text = formats.date_format(local, "MONTH_DAY_FORMAT")
    return text if translation.get_language() in ("de", "en", "en-gb") else text.lower()
