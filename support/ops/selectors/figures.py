"""The ops dashboard's figures: routing mix, LLM spend against an all-LLM estimate, latency, satisfaction.

Every figure is an aggregate computed in the database over an indexed time range
(conditional counts and sums, grouped by TruncDay/TruncHour), so the page stays fast
with millions of messages. Latency percentiles use PostgreSQL's PERCENTILE_CONT; the
embedded SQLite demo has no such aggregate and fetches just the latency column instead.

The selectors (`route_figures`, `spend_figures`, `latency_figures`, `satisfaction_figures`
and `dashboard_figures`, which combines them) take an aware [start, end) range, a bucket
(day or hour) and optionally a customer language, all by keyword.
"""
from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from decimal import Decimal
from typing import Any, Callable

from django.db import connection, connections
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from shoppe.percentiles import Percentile, percentile_cont
from support.llm.pricing import typical_call_cost
from support.models import EscalationLog, Feedback, Message
from support.ops.filters import BUCKETS
from support.ops.languages import in_conversation_language, language_q, messages_in_language

ROUTES = ("local", "llm", "human", "off_topic")
ROUTE_LABELS = {"local": "Answered locally", "llm": "Escalated to the LLM", "human": "Routed to people",
                "off_topic": "Declined off-topic", "": "Not routed"}
TIER_LABELS = {"local": "Local", "llm": "LLM", "human": "People", "off_topic": "Off-topic", "": "Not routed"}
PERCENTILES = (0.5, 0.95, 0.99)
# When the period has no escalation that reached the model: a typical request and reply.
ESTIMATE_PROMPT_TOKENS = 1000
ESTIMATE_COMPLETION_TOKENS = 150


def _on_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


# --- results ----------------------------------------------------------------------------------------

@dataclass
class RouteBucket:
    start: datetime | date  # a local date (day) or a naive local datetime (hour)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def shares(self) -> dict[str, float]:
        return {route: (count / self.total if self.total else 0.0) for route, count in self.counts.items()}


@dataclass
class RouteFigures:
    messages: int
    counts: dict[str, int]  # local, llm, human, off_topic and '' (not routed)
    buckets: list[RouteBucket]

    @property
    def shares(self) -> dict[str, float]:
        return {route: (count / self.messages if self.messages else 0.0) for route, count in self.counts.items()}


@dataclass
class SpendBucket:
    start: datetime | date
    messages: int
    spend: Decimal
    all_llm: Decimal


# Why an escalation handed to people never reached the model (EscalationLog.handoff_reason); any other is "other".
MISSED_REASONS = ("no_api_key", "llm_not_configured", "budget_spent", "llm_error", "worker_lost")


@dataclass
class SpendFigures:
    messages: int
    days: int
    escalations: int  # every EscalationLog row in the period
    model_calls: int  # those that reached the model (tokens or a cost recorded)
    spend: Decimal  # sum of cost_eur
    cost_per_escalation: Decimal  # what one message sent to the LLM costs, for the all-LLM estimate
    cost_is_estimate: bool  # True: no model calls in the period, priced from ESTIMATE_*_TOKENS
    buckets: list[SpendBucket]
    # Escalations handed to people or failed without reaching the model, by why (MISSED_REASONS, else "other"): a
    # tier that is down shows here, not as money saved
    not_reaching_model: dict[str, int] = field(default_factory=dict)

    @property
    def spend_per_day(self) -> Decimal:
        return self.spend / self.days if self.days else Decimal(0)

    @property
    def spend_per_1000(self) -> Decimal | None:
        return self.spend * 1000 / self.messages if self.messages else None

    @property
    def all_llm(self) -> Decimal:
        return self.cost_per_escalation * self.messages

    @property
    def all_llm_per_1000(self) -> Decimal:
        return self.cost_per_escalation * 1000

    @property
    def saving_share(self) -> float | None:
        """How much of the all-LLM cost the tiers save (1.0 = everything)."""
        return float(1 - self.spend / self.all_llm) if self.all_llm else None


@dataclass
class LatencyRow:
    tier: str
    label: str
    count: int
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass
class SatisfactionRow:
    route: str
    label: str
    ratings: int
    up: int

    @property
    def down(self) -> int:
        return self.ratings - self.up

    @property
    def share_up(self) -> float | None:
        return self.up / self.ratings if self.ratings else None


@dataclass
class SatisfactionFigures:
    replies: list[SatisfactionRow]
    conversation_ratings: int
    conversation_average: float | None
    conversation_stars: dict[int, int]  # 1..5 -> how many

    @property
    def reply_ratings(self) -> int:
        return sum(row.ratings for row in self.replies)

    @property
    def reply_share_up(self) -> float | None:
        ratings = self.reply_ratings
        return sum(row.up for row in self.replies) / ratings if ratings else None


@dataclass
class DashboardFigures:
    start: datetime
    end: datetime
    bucket: str
    routes: RouteFigures
    spend: SpendFigures
    latency: list[LatencyRow]
    time_to_first_token: LatencyRow
    satisfaction: SatisfactionFigures


# --- buckets ----------------------------------------------------------------------------------------

def _trunc(bucket: str, column: str, tz: tzinfo) -> TruncDay | TruncHour:
    return TruncHour(column, tzinfo=tz) if bucket == "hour" else TruncDay(column, tzinfo=tz)


def _bucket_key(value: datetime, bucket: str, tz: tzinfo) -> datetime | date:
    """A truncated database value as a local date (day) or naive local hour."""
    if timezone.is_aware(value):
        value = timezone.localtime(value, tz)
    return value.replace(tzinfo=None) if bucket == "hour" else value.date()


def bucket_keys(*, start: datetime, end: datetime, bucket: str, tz: tzinfo | None = None) -> list[datetime | date]:
    """Every bucket in [start, end), in order, including empty ones (a few hundred at most)."""
    tz = tz or timezone.get_current_timezone()
    keys: list[datetime | date] = []
    if bucket == "hour":
        step = start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
        while step < end:
            key = _bucket_key(step, bucket, tz)
            if not keys or keys[-1] != key:  # the repeated hour when clocks go back is one bucket
                keys.append(key)
            step = (step.astimezone(dt_timezone.utc) + timedelta(hours=1)).astimezone(tz)
        return keys
    day = timezone.localtime(start, tz).date()
    last = timezone.localtime(end - timedelta(microseconds=1), tz).date()
    while day <= last:
        keys.append(day)
        day += timedelta(days=1)
    return keys


# --- selectors --------------------------------------------------------------------------------------

def _customer_messages(start: datetime, end: datetime, language: str = "") -> QuerySet[Message]:
    # Served by the (author, created_at, route) index.
    messages = Message.objects.filter(author=Message.Author.CUSTOMER, created_at__gte=start, created_at__lt=end)
    return messages_in_language(messages, language) if language else messages


def route_figures(*, start: datetime, end: datetime, bucket: str = "day", language: str = "") -> RouteFigures:
    """Customer messages in [start, end) by the router's decision, in total and per bucket (`language`: in it only)."""
    tz = timezone.get_current_timezone()
    counts = {route: Count("route", filter=Q(route=route)) for route in ROUTES}
    rows = (_customer_messages(start, end, language).annotate(period=_trunc(bucket, "created_at", tz)).values("period")
            .annotate(total=Count("route"), **counts).order_by("period"))
    by_key: dict[datetime | date, RouteBucket] = {}
    for row in rows:  # one row per bucket, not per message
        key = _bucket_key(row["period"], bucket, tz)
        found = by_key.setdefault(key, RouteBucket(key, 0, {route: 0 for route in (*ROUTES, "")}))
        found.total += row["total"]
        for route in ROUTES:
            found.counts[route] += row[route]
        found.counts[""] = found.total - sum(found.counts[route] for route in ROUTES)
    buckets = [by_key.get(key) or RouteBucket(key, 0, {route: 0 for route in (*ROUTES, "")})
               for key in bucket_keys(start=start, end=end, bucket=bucket, tz=tz)]
    totals = {route: sum(b.counts[route] for b in buckets) for route in (*ROUTES, "")}
    return RouteFigures(messages=sum(b.total for b in buckets), counts=totals, buckets=buckets)


def spend_figures(*, start: datetime, end: datetime, bucket: str = "day",
                  routes: RouteFigures | None = None, language: str = "") -> SpendFigures:
    """LLM spend in [start, end) per bucket, next to the cost had every customer message gone to the LLM.

    The all-LLM estimate is the average cost of the period's escalations that reached the model
    (blocked or failed ones that never called it would understate it) times the customer messages;
    with no such escalation, a call of ESTIMATE_PROMPT_TOKENS + ESTIMATE_COMPLETION_TOKENS.
    """
    tz = timezone.get_current_timezone()
    routes = routes or route_figures(start=start, end=end, bucket=bucket, language=language)
    called = Q(input_tokens__gt=0) | Q(output_tokens__gt=0) | Q(cost_eur__gt=0)
    escalations_in = EscalationLog.objects.filter(started_at__gte=start, started_at__lt=end)
    if language:
        escalations_in = escalations_in.filter(language_q("message__language", language))
    missed = ~called & Q(outcome__in=[EscalationLog.Outcome.HANDED_OFF, EscalationLog.Outcome.FAILED])
    rows = (escalations_in
            .annotate(period=_trunc(bucket, "started_at", tz)).values("period")
            .annotate(spend=Sum("cost_eur"), escalations=Count("id"),
                      calls=Count("id", filter=called), call_spend=Sum("cost_eur", filter=called),
                      **{f"missed_{why}": Count("id", filter=missed & Q(handoff_reason=why)) for why in MISSED_REASONS},
                      missed_other=Count("id", filter=missed & ~Q(handoff_reason__in=MISSED_REASONS)))
            .order_by("period"))
    spend_by_key: dict[datetime | date, Decimal] = defaultdict(Decimal)
    escalations = calls = 0
    call_spend = Decimal(0)
    not_reaching_model: dict[str, int] = defaultdict(int)
    for row in rows:
        spend_by_key[_bucket_key(row["period"], bucket, tz)] += row["spend"] or Decimal(0)
        escalations += row["escalations"]
        calls += row["calls"]
        call_spend += row["call_spend"] or Decimal(0)
        for why in (*MISSED_REASONS, "other"):
            not_reaching_model[why] += row[f"missed_{why}"]
    if calls:
        per_call, estimated = call_spend / calls, False
    else:
        per_call = typical_call_cost(input_tokens=ESTIMATE_PROMPT_TOKENS, output_tokens=ESTIMATE_COMPLETION_TOKENS)
        estimated = True
    buckets = [SpendBucket(b.start, b.total, spend_by_key.get(b.start, Decimal(0)), per_call * b.total)
               for b in routes.buckets]
    days = (timezone.localtime(end - timedelta(microseconds=1), tz).date() - timezone.localtime(start, tz).date()).days + 1
    return SpendFigures(messages=routes.messages, days=max(days, 1), escalations=escalations, model_calls=calls,
                        spend=sum((b.spend for b in buckets), Decimal(0)), cost_per_escalation=per_call,
                        cost_is_estimate=estimated, buckets=buckets, not_reaching_model={why: n for why, n in not_reaching_model.items() if n})


def _percentile_rows(queryset: QuerySet, column: str, group: str | None) -> dict[str, tuple[int, list[float | None]]]:
    """{group value: (count, [p50, p95, p99])} of `column`, in SQL on PostgreSQL, else from the column alone."""
    queryset = queryset.filter(**{f"{column}__isnull": False}).order_by()
    if _on_postgres(queryset):
        figures = {f"p{i}": Percentile(column, fraction) for i, fraction in enumerate(PERCENTILES)}
        if group:
            rows = queryset.values(group).annotate(n=Count(column), **figures)
        else:
            rows = [queryset.aggregate(n=Count(column), **figures)]
        return {(row.get(group) if group else "") or "": (row["n"], [row[f"p{i}"] for i in range(len(PERCENTILES))])
                for row in rows if row["n"]}
    # SQLite (the embedded demo): fetch only the latency column, and the group, for the period.
    grouped: dict[str, list[float]] = defaultdict(list)
    for tier, value in queryset.values_list(group or column, column):
        grouped[(tier if group else "") or ""].append(value)
    result = {}
    for tier, values in grouped.items():
        values.sort()
        result[tier] = (len(values), [percentile_cont(values, fraction) for fraction in PERCENTILES])
    return result


def latency_figures(*, start: datetime, end: datetime, language: str = "") -> tuple[list[LatencyRow], LatencyRow]:
    """p50/p95/p99 of bot replies' end-to-end latency in [start, end) per tier, and the LLM's time to first token."""
    # Each reply records the tier that produced it, so this reads the (author, created_at, route)
    # index alone, with no join back to the customer messages.
    replies = Message.objects.filter(author=Message.Author.BOT, created_at__gte=start, created_at__lt=end).exclude(route="")
    if language:  # a reply is in the language of the message it answers
        replies = replies.filter(language_q("in_reply_to__language", language))
    by_tier = _percentile_rows(replies, "reply_latency_ms", "route")
    order = [*ROUTES, *sorted(t for t in by_tier if t not in ROUTES)]
    rows = []
    for tier in order:
        count, (p50, p95, p99) = by_tier.get(tier, (0, [None, None, None]))
        if count or tier in ROUTES:
            rows.append(LatencyRow(tier, TIER_LABELS.get(tier, tier), count, p50, p95, p99))
    escalations = EscalationLog.objects.filter(started_at__gte=start, started_at__lt=end)
    if language:
        escalations = escalations.filter(language_q("message__language", language))
    count, (p50, p95, p99) = _percentile_rows(escalations, "first_token_ms", None).get("", (0, [None, None, None]))
    return rows, LatencyRow("llm_first_token", "LLM time to first token", count, p50, p95, p99)


def satisfaction_figures(*, start: datetime, end: datetime, language: str = "") -> SatisfactionFigures:
    """Thumbs up share per tier of the rated reply, and the average 1-5 conversation rating, in [start, end)."""
    in_period = Feedback.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    reply_ratings = in_period.filter(kind=Feedback.Kind.REPLY)
    conversation_ratings = in_period.filter(kind=Feedback.Kind.CONVERSATION)
    if language:
        reply_ratings = reply_ratings.filter(language_q("message__in_reply_to__language", language))
        conversation_ratings = in_conversation_language(conversation_ratings, language)
    rows = {row["route"] or "": row for row in reply_ratings.values("route")
            .annotate(ratings=Count("id"), up=Count("id", filter=Q(score__gt=0)))}
    order = [*ROUTES, *sorted(r for r in rows if r not in ROUTES)]
    replies = [SatisfactionRow(route, TIER_LABELS.get(route, route), rows[route]["ratings"] if route in rows else 0,
                               rows[route]["up"] if route in rows else 0)
               for route in order if route in rows or route in ROUTES]
    stars = {f"s{n}": Count("id", filter=Q(score=n)) for n in range(1, 6)}
    conversation = conversation_ratings.aggregate(
        n=Count("id"), average=Avg("score"), **stars)
    return SatisfactionFigures(replies=replies, conversation_ratings=conversation["n"],
                               conversation_average=conversation["average"],
                               conversation_stars={n: conversation[f"s{n}"] for n in range(1, 6)})


def dashboard_figures(*, start: datetime, end: datetime, bucket: str = "day", language: str = "") -> DashboardFigures:
    """Everything the dashboard shows for [start, end) (aware datetimes), per `bucket` (day or hour);
    `language`: only the customers writing in it (a code as Message.language records it)."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}")
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # SQLite, or inside a transaction whose rows another connection can't see yet.
        routes = route_figures(start=start, end=end, bucket=bucket, language=language)
        latency, first_token = latency_figures(start=start, end=end, language=language)
        return DashboardFigures(start=start, end=end, bucket=bucket, routes=routes,
                                spend=spend_figures(start=start, end=end, bucket=bucket, routes=routes,
                                                    language=language),
                                latency=latency, time_to_first_token=first_token,
                                satisfaction=satisfaction_figures(start=start, end=end, language=language))
    # On PostgreSQL the two heavy reads run side by side, each on its own connection.
    with ThreadPoolExecutor(max_workers=1) as pool:
        latency_future = pool.submit(_in_own_connection, latency_figures, start=start, end=end, language=language)
        routes = route_figures(start=start, end=end, bucket=bucket, language=language)
        spend = spend_figures(start=start, end=end, bucket=bucket, routes=routes, language=language)
        satisfaction = satisfaction_figures(start=start, end=end, language=language)
        latency, first_token = latency_future.result()
    return DashboardFigures(start=start, end=end, bucket=bucket, routes=routes, spend=spend, latency=latency,
                            time_to_first_token=first_token, satisfaction=satisfaction)


def _in_own_connection(function: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return function(**kwargs)
    finally:
        connections.close_all()

