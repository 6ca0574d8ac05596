"""The escalation log: every LLM escalation and every handoff to staff, in one list and as CSV.

Both views validate the query string with `LogFilterForm` (support.ops.filters; a bad
value answers 400) and start from `log_querysets(filters)`, which turns the filters into
one EscalationLog queryset and one Handoff queryset. The page merges the two in SQL (a UNION
ALL of (id, kind, time) keys, newest first, then one select_related query per table for
the 50 rows shown). The CSV merges two `.values_list().iterator()` streams in time order
with heapq.merge, so it never holds the whole log in memory, under WSGI or ASGI.
"""
from __future__ import annotations

import csv
import heapq
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.db import connection, connections
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.query import EmptyQuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from rag.router.policy import INTENT_ROUTES
from support.conversation_language import ENGLISH, LANGUAGE_NAMES, conversation_language_subquery, language_code
from support.models import EscalationLog, Feedback, Handoff
from support.ops.access import ops_required
from support.ops.filters import LogFilterForm, filters_refused, filters_refused_as_text
from support.ops.languages import language_q
from support.ops.people import TIMES, handoff_durations, handoffs_with_times

log = logging.getLogger(__name__)

PAGE_SIZE = 50
CSV_CHUNK_SIZE = 2000  # rows fetched per database round trip
CSV_ROWS_PER_WRITE = 500  # rows joined into one chunk of the response
MODELS_CACHE_KEY, MODELS_CACHE_SECONDS = "ops:escalation-log:models", 300
LLM, HUMAN = "llm", "human"

# Only the columns a row shows: the message's router scores and the LLM's tool calls stay in the database.
_ESCALATION_FIELDS = (
    "id", "conversation_id", "message", "router_reason", "model", "input_tokens", "output_tokens", "cost_eur",
    "started_at", "first_token_ms", "latency_ms", "retries", "outcome", "handoff_reason", "error_class",
    "message__text", "message__intent",
)
_HANDOFF_FIELDS = ("id", "conversation_id", "message", "reason", "intent", "status", "created_at", "message__text")


# --- filters -----------------------------------------------------------------------------------------------


@dataclass
class LogFilters:
    """The filters of a valid `LogFilterForm` (support.ops.filters)."""

    date_from: date | None = None
    date_to: date | None = None
    route: str = ""
    reason: str = ""
    outcome: str = ""
    model: str = ""
    min_cost: Decimal | None = None
    max_cost: Decimal | None = None
    intent: str = ""
    language: str = ""
    q: str = ""

    @classmethod
    def from_form(cls, form: LogFilterForm) -> LogFilters:
        if not form.is_valid():
            raise ValueError("only validated filters reach a query")
        return cls(**{name: value for name, value in form.cleaned_data.items() if name in cls.__dataclass_fields__})

    @property
    def active(self) -> bool:
        return any([self.date_from, self.date_to, self.route, self.reason, self.outcome, self.model,
                    self.min_cost is not None, self.max_cost is not None, self.intent, self.language, self.q])


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def log_querysets(f: LogFilters) -> tuple[QuerySet[EscalationLog], QuerySet[Handoff]]:
    """The escalations and the handoffs that match the filters (unordered)."""
    escalations = EscalationLog.objects.all()
    handoffs = Handoff.objects.all()

    if f.route == HUMAN:
        escalations = escalations.none()
    elif f.route == LLM:
        handoffs = handoffs.none()
    # Ranges on the indexed time columns, not __date lookups, so the indexes serve them.
    if f.date_from:
        escalations = escalations.filter(started_at__gte=_day_start(f.date_from))
        handoffs = handoffs.filter(created_at__gte=_day_start(f.date_from))
    if f.date_to:
        escalations = escalations.filter(started_at__lt=_day_start(f.date_to + timedelta(days=1)))
        handoffs = handoffs.filter(created_at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.reason:
        escalations = escalations.filter(router_reason__icontains=f.reason)
        handoffs = handoffs.filter(reason=f.reason.lower())
    if f.outcome:
        escalations = (escalations.filter(outcome=f.outcome) if f.outcome in EscalationLog.Outcome.values
                       else escalations.none())
        handoffs = handoffs.filter(status=f.outcome) if f.outcome in Handoff.Status.values else handoffs.none()
    if f.model:
        # A handoff has no model, so it never matches one.
        escalations = escalations.filter(model=f.model)
        handoffs = handoffs.none()
    if f.min_cost is not None or f.max_cost is not None:
        # A handoff has no cost, so a cost range leaves only escalations.
        if f.min_cost is not None:
            escalations = escalations.filter(cost_eur__gte=f.min_cost)
        if f.max_cost is not None:
            escalations = escalations.filter(cost_eur__lte=f.max_cost)
        handoffs = handoffs.none()
    if f.intent:
        escalations = escalations.filter(message__intent=f.intent)
        handoffs = handoffs.filter(intent=f.intent)
    if f.language:
        # An escalation: its message's language; a handoff: its conversation's, as the console shows it.
        escalations = escalations.filter(language_q("message__language", f.language))
        handoffs = handoffs.alias(filter_language=conversation_language_subquery())
        handoffs = (handoffs.filter(filter_language__isnull=True) if f.language == ENGLISH
                    else handoffs.filter(filter_language=f.language))
    if f.q:
        escalations = escalations.filter(Q(message__text__icontains=f.q) | Q(router_reason__icontains=f.q))
        handoffs = handoffs.filter(Q(message__text__icontains=f.q) | Q(message__reason__icontains=f.q))
    return escalations, handoffs


# --- rows --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    """One line of the log, whichever table it comes from."""

    kind: str  # "llm" (an EscalationLog) or "human" (a Handoff)
    id: int
    at: datetime
    route: str
    reason: str
    outcome: str
    outcome_label: str
    intent: str
    conversation_id: Any
    message_id: int | None
    message_text: str
    model: str = ""
    cost_eur: Decimal | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    first_token_ms: float | None = None
    latency_ms: float | None = None
    retries: int | None = None
    error_class: str = ""
    handoff_reason: str = ""

    @property
    def trace_url(self) -> str:
        url = reverse("ops_trace", args=[self.conversation_id])
        return f"{url}#message-{self.message_id}" if self.message_id else url


def _escalation_row(row: EscalationLog) -> LogRow:
    message = row.message
    return LogRow(
        kind=LLM, id=row.id, at=row.started_at, route=LLM, reason=row.router_reason, outcome=row.outcome,
        outcome_label=row.get_outcome_display(), intent=message.intent, conversation_id=row.conversation_id,
        message_id=row.message_id, message_text=message.text, model=row.model, cost_eur=row.cost_eur,
        input_tokens=row.input_tokens, output_tokens=row.output_tokens, first_token_ms=row.first_token_ms,
        latency_ms=row.latency_ms, retries=row.retries, error_class=row.error_class,
        handoff_reason=row.handoff_reason,
    )


def _handoff_row(row: Handoff) -> LogRow:
    message = row.message
    return LogRow(
        kind=HUMAN, id=row.id, at=row.created_at, route=HUMAN, reason=row.reason, outcome=row.status,
        outcome_label=row.get_status_display(), intent=row.intent, conversation_id=row.conversation_id,
        message_id=row.message_id, message_text=message.text if message else "",
    )


class MergedLog:
    """Escalations and handoffs as one newest-first sequence, for Paginator.

    By default `count()` is two COUNT queries and a slice is one UNION ALL query for the
    keys of its rows (on PostgreSQL each side of the union stops after the rows the page
    needs, read newest-first from its time index), then one query per table for those rows.

    Filters that must scan anyway (text search, reason, intent) would make that three or four
    scans; with `one_pass` set to the slice the page will ask for, the count and that slice's
    keys come from a single query with COUNT(*) OVER ().
    """

    def __init__(self, escalations: QuerySet[EscalationLog], handoffs: QuerySet[Handoff], *,
                 one_pass: tuple[int, int] | None = None) -> None:
        self.escalations = escalations
        self.handoffs = handoffs
        self.one_pass = one_pass
        self._count: int | None = None
        self._prefetched: tuple[int, list[tuple[int, str]]] | None = None

    def _key_parts(self) -> list[QuerySet[Any]]:
        return [
            qs.order_by().annotate(kind=Value(kind, output_field=CharField()), at=F(time_field))
            .values_list("id", "kind", "at")
            for qs, kind, time_field in ((self.escalations, LLM, "started_at"), (self.handoffs, HUMAN, "created_at"))
            if not isinstance(qs, EmptyQuerySet)  # a route, model or cost filter rules one table out
        ]

    def _keys_and_total(self, start: int, stop: int) -> tuple[list[tuple[int, str]], int | None]:
        parts = self._key_parts()
        if not parts:
            return [], 0
        union = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
        sql, params = union.query.get_compiler(using=union.db).as_sql()
        # Columns by position: id, kind, at, total.
        with connections[union.db].cursor() as cursor:
            cursor.execute(f"SELECT *, COUNT(*) OVER () FROM ({sql}) log ORDER BY 3 DESC, 1 DESC LIMIT %s OFFSET %s",
                           (*params, stop - start, start))
            found = cursor.fetchall()
        if not found:
            return [], (0 if start == 0 else None)  # past the end: the total is unknown
        return [(pk, kind) for pk, kind, _, _ in found], found[0][3]

    def count(self) -> int:
        if self._count is None:
            if self.one_pass:
                start, stop = self.one_pass
                keys, total = self._keys_and_total(start, stop)
                if total is not None:
                    self._count, self._prefetched = total, (start, keys)
            if self._count is None:
                self._count = self.escalations.count() + self.handoffs.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[LogRow]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("MergedLog supports plain slices only")
        start, stop = index.start or 0, index.stop
        if stop is None or stop <= start:
            return []
        if self._prefetched and self._prefetched[0] == start and self.one_pass and stop <= self.one_pass[1]:
            keys = self._prefetched[1][: stop - start]
        else:
            keys = self._keys(start, stop)
        return self._rows(keys)

    def _keys(self, start: int, stop: int) -> list[tuple[int, str]]:
        parts = self._key_parts()
        if not parts:
            return []
        if len(parts) == 1:
            merged = parts[0].order_by("-at", "-id")
        elif connection.features.supports_slicing_ordering_in_compound:
            # PostgreSQL: each side stops after `stop` rows read newest-first from its time index.
            first, second = (part.order_by("-at", "-id")[:stop] for part in parts)
            merged = first.union(second, all=True).order_by("-at", "-id")
        else:  # SQLite allows no ORDER BY/LIMIT inside a compound statement.
            merged = parts[0].union(parts[1], all=True).order_by("-at", "-id")
        return [(pk, kind) for pk, kind, _ in merged[start:stop]]

    @staticmethod
    def _rows(keys: list[tuple[int, str]]) -> list[LogRow]:
        """The rows for these keys, in their order: one query per table, the message joined."""
        esc_ids = [pk for pk, kind in keys if kind == LLM]
        handoff_ids = [pk for pk, kind in keys if kind == HUMAN]
        escalations = (EscalationLog.objects.select_related("message").only(*_ESCALATION_FIELDS).in_bulk(esc_ids)
                       if esc_ids else {})
        handoffs = (Handoff.objects.select_related("message").only(*_HANDOFF_FIELDS).in_bulk(handoff_ids)
                    if handoff_ids else {})
        rows = []
        for pk, kind in keys:
            if kind == LLM and pk in escalations:
                rows.append(_escalation_row(escalations[pk]))
            elif kind == HUMAN and pk in handoffs:
                rows.append(_handoff_row(handoffs[pk]))
        return rows


# What the CSV reads: plain tuples, no model instances, in the header's order after the route.
_ESCALATION_CSV = ("started_at", "router_reason", "outcome", "message__intent", "model", "cost_eur", "input_tokens",
                   "output_tokens", "first_token_ms", "latency_ms", "retries", "error_class", "handoff_reason",
                   "conversation_id", "message_id", "message__language", "message__text")
_HANDOFF_CSV = ("created_at", "reason", "status", "intent", "conversation_id", "message_id", "customer_language",
                "claimed_by__username",
                "claimed_at", "first_reply_at", "resolved_at", "conversation_rating", "rating_comment", "message__text")
# The people columns (support.ops.people): an escalation has none.
_NO_PEOPLE = ("", None, None, None, None, "")


def _seconds(value: float | None) -> int | float | None:
    return None if value is None else (int(value) if float(value).is_integer() else round(value, 3))


def _handoffs_for_csv(handoffs: QuerySet[Handoff]) -> QuerySet[Handoff]:
    """The handoffs with their first staff reply and the conversation's 1-5 rating and comment, in the same query."""
    rating = Feedback.objects.filter(conversation_id=OuterRef("conversation_id"), kind=Feedback.Kind.CONVERSATION)
    return handoffs_with_times(handoffs).annotate(conversation_rating=Subquery(rating.values("score")[:1]),
                                                  rating_comment=Subquery(rating.values("comment")[:1]),
                                                  customer_language=conversation_language_subquery())


def _handoff_csv_row(at: datetime, reason: str, status: str, intent: str, conversation_id: Any, message_id: int | None,
                     language: str | None, agent: str | None, claimed: datetime | None, first_reply: datetime | None,
                     resolved: datetime | None, rating: int | None, comment: str | None, text: str) -> tuple[Any, ...]:
    waits = handoff_durations(at, claimed, first_reply, resolved)
    return (at, HUMAN, reason, status, intent, "", None, None, None, None, None, None, "", "", conversation_id,
            message_id, language_code(language), agent or "", *(_seconds(waits[name]) for name in TIMES), rating, comment or "", text)


def log_stream(escalations: QuerySet[EscalationLog], handoffs: QuerySet[Handoff]) -> Iterator[tuple[Any, ...]]:
    """Every matching row as a CSV tuple (time first), newest first, read in chunks from two database cursors."""
    esc_rows = ((row[0], LLM, *row[1:-2], language_code(row[-2]), *_NO_PEOPLE, row[-1]) for row in escalations.order_by("-started_at", "-id")
                .values_list(*_ESCALATION_CSV).iterator(chunk_size=CSV_CHUNK_SIZE))
    handoff_rows = (_handoff_csv_row(*row) for row in _handoffs_for_csv(handoffs).order_by("-created_at", "-id")
                    .values_list(*_HANDOFF_CSV).iterator(chunk_size=CSV_CHUNK_SIZE))
    return heapq.merge(esc_rows, handoff_rows, key=lambda row: row[0], reverse=True)


# --- the page ----------------------------------------------------------------------------------------------


def _model_choices(selected: str) -> list[str]:
    """The models in the log, for the filter (a DISTINCT over the whole table, so kept for a few minutes)."""
    models = cache.get_or_set(
        MODELS_CACHE_KEY,
        lambda: list(EscalationLog.objects.exclude(model="").order_by().values_list("model", flat=True).distinct()),
        MODELS_CACHE_SECONDS,
    )
    return sorted({*models, selected} - {""})


@ops_required
def escalation_list(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    form = LogFilterForm(request.GET)
    if not form.is_valid():
        return filters_refused(request, form, url=reverse("ops_escalations"), what="escalation log")
    filters = LogFilters.from_form(form)
    escalations, handoffs = log_querysets(filters)
    one_pass = None
    if filters.q or filters.reason or filters.intent:
        number = _page_number(request.GET.get("page"))
        one_pass = ((number - 1) * PAGE_SIZE, number * PAGE_SIZE)
    paginator = Paginator(MergedLog(escalations, handoffs, one_pass=one_pass), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "support/ops/escalations.html", {
        "page": page,
        "rows": page.object_list,
        "filters": filters,
        "intents": sorted(INTENT_ROUTES),
        "languages": list(LANGUAGE_NAMES.items()),
        "models": _model_choices(filters.model),
        "outcome_groups": [("LLM escalations", EscalationLog.Outcome.choices), ("Handoffs", Handoff.Status.choices)],
        "handoff_reasons": Handoff.Reason.choices,
        "csv_query": _without_page(request.GET),
    })


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def _without_page(params: QueryDict) -> str:
    copy = params.copy()
    copy.pop("page", None)
    return copy.urlencode()


# --- CSV ---------------------------------------------------------------------------------------------------

CSV_HEADER = [
    "time", "route", "reason", "outcome", "intent", "model", "cost_eur", "input_tokens", "output_tokens",
    "first_token_ms", "latency_ms", "retries", "error_class", "handoff_reason", "conversation_id", "message_id",
    # the customer's language: the escalated message's; a handoff's, its conversation's (support.conversation_language)
    "language",
    # a handoff's people columns (support.ops.people), in seconds from its creation
    "agent", "first_response_s", "queue_wait_s", "resolution_s", "conversation_rating", "rating_comment",
    "message_text",
]


def _cell(value: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_values(row: tuple[Any, ...]) -> list[Any]:
    return [timezone.localtime(row[0]).isoformat(), *map(_cell, row[1:])]


class _Line:
    """A file-like object whose write returns what was written, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """The CSV text: the header, then the rows, a few hundred per chunk."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_HEADER)
    rows = iter(rows)
    while batch := list(islice(rows, CSV_ROWS_PER_WRITE)):
        yield "".join(writer.writerow(_csv_values(row)) for row in batch)


def csv_guarded(chunks: Iterator[str]) -> Iterator[str]:
    """The chunks; if reading fails half-way, a last line saying the file is incomplete instead of the error.

    Once a streaming response has started, its status is sent: an exception can no longer
    become a 500, and under daphne one escaping the application stopped the server's checker
    that closes failed connections (sockets whose consumer crashed then stayed open, silent).
    """
    try:
        yield from chunks
    except Exception:
        log.exception("the escalation CSV stopped part-way")
        yield "# incomplete: the server hit an error while writing this file; download it again\r\n"
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()


def _started(chunks: Iterator[str], count: int) -> Iterator[str]:
    """`chunks` with the first `count` already read, so a query that fails fails now, in the view."""
    head = list(islice(chunks, count))

    def resumed() -> Iterator[str]:
        try:
            yield from head
            yield from chunks
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()

    return resumed()


async def _async_chunks(chunks: Iterator[str]) -> AsyncIterator[str]:
    """The same chunks for an ASGI server, each produced in the request's database thread.

    Given a plain iterator, Django under ASGI would first read all of it into a list.
    """
    done = object()
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await step(chunks, done)) is not done:
            yield chunk  # type: ignore[misc]
    finally:
        close = getattr(chunks, "close", None)
        if close:
            await sync_to_async(close, thread_sensitive=True)()


@ops_required
def escalation_csv(request: HttpRequest) -> HttpResponse:
    form = LogFilterForm(request.GET)
    if not form.is_valid():
        return filters_refused_as_text(form)
    escalations, handoffs = log_querysets(LogFilters.from_form(form))
    # The header and the first rows are read here: both queries run before anything is sent.
    chunks = csv_guarded(_started(csv_chunks(log_stream(escalations, handoffs)), 2))
    content: Iterator[str] | AsyncIterator[str] = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="escalations.csv"'
    response["Cache-Control"] = "no-store"
    return response
