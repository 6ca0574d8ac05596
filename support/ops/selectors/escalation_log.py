"""The escalation log's reads: every LLM escalation and every handoff to staff, filtered, as rows or CSV tuples.

`log_querysets(filters=...)` turns validated filters (`LogFilters`, from support.ops.filters'
`LogFilterForm`) into one EscalationLog queryset and one Handoff queryset. The page merges
the two in SQL (`MergedLog`: a UNION ALL of (id, kind, time) keys, newest first, then one
select_related query per table for the rows shown). The CSV merges two
`.values_list().iterator()` streams in time order with heapq.merge (`log_stream`), so it
never holds the whole log in memory.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.query import EmptyQuerySet
from django.urls import reverse
from django.utils import timezone

from support.conversation_language import conversation_language_subquery, language_code
from support.models import EscalationLog, Feedback, Handoff
from support.ops.filters import LogFilterForm
from support.ops.languages import in_conversation_language, language_q
from support.ops.people import TIMES, handoff_durations, handoffs_with_times

CSV_CHUNK_SIZE = 2000  # rows fetched per database round trip
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


def log_querysets(*, filters: LogFilters) -> tuple[QuerySet[EscalationLog], QuerySet[Handoff]]:
    """The escalations and the handoffs that match the filters (unordered)."""
    escalations = EscalationLog.objects.all()
    handoffs = Handoff.objects.all()

    if filters.route == HUMAN:
        escalations = escalations.none()
    elif filters.route == LLM:
        handoffs = handoffs.none()
    # Ranges on the indexed time columns, not __date lookups, so the indexes serve them.
    if filters.date_from:
        escalations = escalations.filter(started_at__gte=_day_start(filters.date_from))
        handoffs = handoffs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        escalations = escalations.filter(started_at__lt=_day_start(filters.date_to + timedelta(days=1)))
        handoffs = handoffs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.reason:
        escalations = escalations.filter(router_reason__icontains=filters.reason)
        handoffs = handoffs.filter(reason=filters.reason.lower())
    if filters.outcome:
        escalations = (escalations.filter(outcome=filters.outcome) if filters.outcome in EscalationLog.Outcome.values
                       else escalations.none())
        handoffs = (handoffs.filter(status=filters.outcome) if filters.outcome in Handoff.Status.values
                    else handoffs.none())
    if filters.model:
        # A handoff has no model, so it never matches one.
        escalations = escalations.filter(model=filters.model)
        handoffs = handoffs.none()
    if filters.min_cost is not None or filters.max_cost is not None:
        # A handoff has no cost, so a cost range leaves only escalations.
        if filters.min_cost is not None:
            escalations = escalations.filter(cost_eur__gte=filters.min_cost)
        if filters.max_cost is not None:
            escalations = escalations.filter(cost_eur__lte=filters.max_cost)
        handoffs = handoffs.none()
    if filters.intent:
        escalations = escalations.filter(message__intent=filters.intent)
        handoffs = handoffs.filter(intent=filters.intent)
    if filters.language:
        # An escalation: its message's language; a handoff: its conversation's, as the console shows it.
        escalations = escalations.filter(language_q("message__language", filters.language))
        handoffs = in_conversation_language(handoffs, filters.language)
    if filters.q:
        escalations = escalations.filter(Q(message__text__icontains=filters.q) | Q(router_reason__icontains=filters.q))
        handoffs = handoffs.filter(Q(message__text__icontains=filters.q) | Q(message__reason__icontains=filters.q))
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


def log_stream(*, escalations: QuerySet[EscalationLog], handoffs: QuerySet[Handoff]) -> Iterator[tuple[Any, ...]]:
    """Every matching row as a CSV tuple (time first), newest first, read in chunks from two database cursors."""
    esc_rows = ((row[0], LLM, *row[1:-2], language_code(row[-2]), *_NO_PEOPLE, row[-1]) for row in escalations.order_by("-started_at", "-id")
                .values_list(*_ESCALATION_CSV).iterator(chunk_size=CSV_CHUNK_SIZE))
    handoff_rows = (_handoff_csv_row(*row) for row in _handoffs_for_csv(handoffs).order_by("-created_at", "-id")
                    .values_list(*_HANDOFF_CSV).iterator(chunk_size=CSV_CHUNK_SIZE))
    return heapq.merge(esc_rows, handoff_rows, key=lambda row: row[0], reverse=True)


def model_choices(*, selected: str) -> list[str]:
    """The models in the log, for the filter (a DISTINCT over the whole table, so kept for a few minutes)."""
    models = cache.get_or_set(
        MODELS_CACHE_KEY,
        lambda: list(EscalationLog.objects.exclude(model="").order_by().values_list("model", flat=True).distinct()),
        MODELS_CACHE_SECONDS,
    )
    return sorted({*models, selected} - {""})
