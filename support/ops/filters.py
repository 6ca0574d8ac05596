"""The ops pages' filters as Django forms: every value is checked before a query is built from it.

The dashboard and the escalation log share the period (`from`, `to`: local dates, both
inclusive). Dates are bounded to the years the shop can have data for, so no day
arithmetic or time-zone conversion can overflow (year 1 or 9999 once did, inside the
query and inside the CSV's streaming response). A value that fails answers 400 with the
messages from `filter_errors`, never a page built from part of the filters.

`period_from` turns the dashboard's form into the `Period` it shows: the defaults, and
the limits on its length, applied with a notice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.utils import timezone

from rag.router.policy import INTENT_ROUTES
from support.conversation_language import LANGUAGE_NAMES
from support.models import EscalationLog, Handoff

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
BUCKETS = ("day", "hour")
TEXT_LIMIT = 200
DEFAULT_DAYS = 14
MAX_DAYS = 366
MAX_HOURLY_DAYS = 31

# The query-string names that are not Python names.
_PARAM_NAMES = {"date_from": "from", "date_to": "to"}


def _day(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=["%Y-%m-%d"],
        validators=[MinValueValidator(EARLIEST, f"use a date from {EARLIEST:%Y-%m-%d} on"),
                    MaxValueValidator(LATEST, f"use a date up to {LATEST:%Y-%m-%d}")],
        error_messages={"invalid": "not a date: use YYYY-MM-DD"},
    )


class EuroField(forms.DecimalField):
    """An amount in euros as the log stores it (10 digits, 6 after the point); a comma works as the point."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=Decimal(0), max_digits=10, decimal_places=6, required=False,
                         error_messages={"invalid": "not an amount in euros", "min_value": "not an amount in euros",
                                         "max_digits": "not an amount in euros: too large",
                                         "max_whole_digits": "not an amount in euros: too large",
                                         "max_decimal_places": "not an amount in euros: at most 6 decimals"},
                         **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        return super().to_python(value.replace(",", ".") if isinstance(value, str) else value)


class PeriodForm(forms.Form):
    """`from` and `to`, both optional; when both are given, `from` is not after `to`."""

    date_from = _day("From")
    date_to = _day("To")

    def add_prefix(self, field_name: str) -> str:
        # The fields are read from (and reported as) `from` and `to`.
        return _PARAM_NAMES.get(field_name, field_name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            raise forms.ValidationError("The start date is after the end date.", code="reversed")
        return cleaned


def _language() -> forms.ChoiceField:
    """The customer's language: one of the codes the router records (en, nl, de, fr, es, it, pl, pt)."""
    return forms.ChoiceField(label="Language", required=False, choices=list(LANGUAGE_NAMES.items()),
                             error_messages={"invalid_choice": f"not a known language: use {', '.join(LANGUAGE_NAMES)}"})


class DashboardFilterForm(PeriodForm):
    bucket = forms.ChoiceField(label="Chart per", required=False, choices=[(b, b) for b in BUCKETS],
                               error_messages={"invalid_choice": "use day or hour"})
    language = _language()


def _choice(label: str, values: list[str], what: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=[(v, v) for v in values],
                             error_messages={"invalid_choice": f"not a known {what}"})


class LogFilterForm(PeriodForm):
    """The escalation log's filters; choices are the shop's own routes, outcomes and intents."""

    route = _choice("Route", ["llm", "human"], "route: use llm or human")
    reason = forms.CharField(label="Reason", required=False, max_length=TEXT_LIMIT)
    outcome = _choice("Outcome", [*EscalationLog.Outcome.values, *Handoff.Status.values], "outcome")
    model = forms.CharField(label="Model", required=False, max_length=60)
    min_cost = EuroField(label="Minimum cost")
    max_cost = EuroField(label="Maximum cost")
    intent = _choice("Intent", sorted(INTENT_ROUTES), "intent")
    language = _language()
    q = forms.CharField(label="Search", required=False, max_length=TEXT_LIMIT)


def filter_errors(form: forms.Form) -> list[str]:
    """One readable line per problem, naming the filter and quoting (at most 40 characters of) what was sent."""
    lines = []
    for name, errors in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS:
            lines.extend(errors)
            continue
        field = form.fields[name]
        sent = str(form.data.get(form.add_prefix(name), ""))
        quoted = f"“{sent[:40]}{'…' if len(sent) > 40 else ''}”"
        for error in (e.rstrip(".") for e in errors):
            lines.append(f"{field.label}: {quoted} is {error}." if error.startswith("not ")
                         else f"{field.label}: {quoted}: {error}.")
    return lines


def params_without_errors(form: forms.Form, params: QueryDict) -> str:
    """The query string minus the filters that failed (all of the period if the period itself is wrong)."""
    bad = {form.add_prefix(name) for name in form.errors if name != forms.forms.NON_FIELD_ERRORS}
    if forms.forms.NON_FIELD_ERRORS in form.errors:
        bad |= {"from", "to"}
    return params_without(params, bad | {"page"})


def params_without(params: QueryDict, names: set[str]) -> str:
    """The query string minus these parameters (a page number, filters that failed)."""
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def filters_refused(request: HttpRequest, form: forms.Form, *, url: str, what: str) -> HttpResponse:
    """400: the page, in HTML, says which filters it could not use and links to itself without them."""
    kept = params_without_errors(form, request.GET)
    return render(request, "support/ops/bad_request.html", {
        "title": "These filters can't be used",
        "errors": filter_errors(form),
        "retry_url": f"{url}?{kept}" if kept else url,
        "retry_label": f"Show the {what} without them",
    }, status=400)


def filters_refused_as_text(form: forms.Form) -> HttpResponse:
    """400 for a download: the same messages as plain text, one a line."""
    text = "\n".join(["These filters can't be used:", *filter_errors(form)]) + "\n"
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


# --- the dashboard's period ---------------------------------------------------------------------------

@dataclass
class Period:
    first: date
    last: date
    bucket: str
    errors: list[str]
    notices: list[str]
    language: str = ""  # only customers writing in it ("": every language)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period_from(form: DashboardFilterForm, today: date | None = None) -> Period:
    """The period a validated (or not) filter form asks for; `errors` says what it could not use.

    Missing or unusable dates fall back to the 14 days up to `to` (or today); a period longer
    than MAX_DAYS, or hourly over more than MAX_HOURLY_DAYS, is shortened with a notice.
    """
    today = today or timezone.localdate()
    form.is_valid()  # runs the validation: cleaned_data holds the usable values, form.errors the rest
    cleaned = dict(form.cleaned_data)
    notices: list[str] = []
    last = cleaned.get("date_to") or today
    first = cleaned.get("date_from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        if not form.errors:  # `from` alone, after today
            form.add_error(None, f"The start date is after the end date ({last:%Y-%m-%d}).")
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    errors = filter_errors(form)
    if (last - first).days + 1 > MAX_DAYS:
        notices.append(f"Periods are limited to {MAX_DAYS} days; showing the {MAX_DAYS} days up to {last:%d %b %Y}.")
        first = last - timedelta(days=MAX_DAYS - 1)
    bucket = cleaned.get("bucket") or "day"
    if bucket == "hour" and (last - first).days + 1 > MAX_HOURLY_DAYS:
        notices.append(f"Hourly charts cover at most {MAX_HOURLY_DAYS} days; showing this period per day.")
        bucket = "day"
    return Period(first, last, bucket, errors, notices, cleaned.get("language") or "")


def period_parse(params: Any, today: date | None = None) -> Period:
    """`from`, `to` (inclusive local dates, 2000-2100; default the last 14 days) and `bucket` (day or hour)."""
    return period_from(DashboardFilterForm(params), today)

