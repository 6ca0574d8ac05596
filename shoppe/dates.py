"""Dates and times as the shop writes them to customers: the shop's (Amsterdam) time, in the language being shown.

"j M" gave "4 Dez" in German and "4 Dec" in every other language (session 25's walkthrough); each language's own
month-and-day and time formats (Django's locale formats) read "4. Dezember, 07:30", "4 grudnia, 07:30",
"4 December, 7:30 a.m." (British English).
"""
from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, timezone, translation


def day_text(moment: datetime) -> str:
    """"4 December", "4. Dezember", "4 de diciembre", "4 dicembre"."""
    return _month_day(timezone.localtime(moment))


def moment_text(moment: datetime) -> str:
    """"4 December, 7:30 a.m.", "4. Dezember, 07:30"."""
    local = timezone.localtime(moment)
    return f"{_month_day(local)}, {formats.time_format(local, 'TIME_FORMAT')}"


def weekday_text(day: date) -> str:
    """A day as the language being answered in writes it: "Monday, 7 December", "Montag, 7. Dezember",
    "poniedziałek, 7 grudnia" (its own day-and-month format: "l j F" gave "Poniedziałek 7 Grudzień")."""
    return _in_running_text(f"{formats.date_format(day, 'l')}, {formats.date_format(day, 'MONTH_DAY_FORMAT')}")


def _month_day(local: datetime) -> str:
    return _in_running_text(formats.date_format(local, "MONTH_DAY_FORMAT"))


def _in_running_text(text: str) -> str:
    """Days and months in lower case but in English and German (Django's Italian and Portuguese month names are
    capitalised: "7 Dicembre", "7 de Dezembro"; session 26's walkthrough)."""
    return text if translation.get_language() in ("de", "en", "en-gb") else text.lower()
