"""The ops dashboard at /ops/: routing mix, LLM spend against an all-LLM estimate, latency, satisfaction.

Every figure is an aggregate computed in the database over an indexed time range
(conditional counts and sums, grouped by TruncDay/TruncHour), so the page stays fast
with millions of messages. Latency percentiles use PostgreSQL's PERCENTILE_CONT; the
embedded SQLite demo has no such aggregate and fetches just the latency column instead.

The selectors (`route_figures`, `spend_figures`, `latency_figures`, `satisfaction_figures`
and `dashboard_figures`, which combines them) take an aware [start, end) range and a bucket;
the view parses the query string, calls them and lays the charts out as inline SVG, so the
page needs neither JavaScript nor a CDN.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from datetime import timezone as dt_timezone
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, connections
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shoppe.money import money_format
from support.models import EscalationLog, Feedback, Message
from support.conversation_language import LANGUAGE_NAMES
from support.ops.access import ops_required
from support.ops.filters import BUCKETS, DashboardFilterForm, filter_errors, filters_refused
from support.ops.languages import language_figures, language_q
from support.ops.people import people_figures, people_view
from support.ops.percentiles import Percentile, percentile_cont

ROUTES = ("local", "llm", "human", "off_topic")
ROUTE_LABELS = {"local": "Answered locally", "llm": "Escalated to the LLM", "human": "Routed to people",
                "off_topic": "Declined off-topic", "": "Not routed"}
TIER_LABELS = {"local": "Local", "llm": "LLM", "human": "People", "off_topic": "Off-topic", "": "Not routed"}
DEFAULT_DAYS = 14
MAX_DAYS = 366
MAX_HOURLY_DAYS = 31
PERCENTILES = (0.5, 0.95, 0.99)
# When the period has no escalation that reached the model: a typical request and reply.
ESTIMATE_PROMPT_TOKENS = 1000
ESTIMATE_COMPLETION_TOKENS = 150


# Percentile (SQL) and percentile_cont (Python) live in support.ops.percentiles, shared with the people figures.


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


def bucket_keys(start: datetime, end: datetime, bucket: str, tz: tzinfo | None = None) -> list[datetime | date]:
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
    return messages.filter(language_q("language", language)) if language else messages


def route_figures(start: datetime, end: datetime, bucket: str = "day", language: str = "") -> RouteFigures:
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
               for key in bucket_keys(start, end, bucket, tz)]
    totals = {route: sum(b.counts[route] for b in buckets) for route in (*ROUTES, "")}
    return RouteFigures(messages=sum(b.total for b in buckets), counts=totals, buckets=buckets)


def llm_price(prompt_tokens: int, completion_tokens: int) -> Decimal:
    """EUR for one typical call at the configured prices (support.llm.pricing, per token and per hour)."""
    from support.llm.pricing import TYPICAL_CALL_S, call_cost

    return call_cost(input_tokens=prompt_tokens, output_tokens=completion_tokens, seconds=TYPICAL_CALL_S)


def spend_figures(start: datetime, end: datetime, bucket: str = "day", *,
                  routes: RouteFigures | None = None, language: str = "") -> SpendFigures:
    """LLM spend in [start, end) per bucket, next to the cost had every customer message gone to the LLM.

    The all-LLM estimate is the average cost of the period's escalations that reached the model
    (blocked or failed ones that never called it would understate it) times the customer messages;
    with no such escalation, a call of ESTIMATE_PROMPT_TOKENS + ESTIMATE_COMPLETION_TOKENS.
    """
    tz = timezone.get_current_timezone()
    routes = routes or route_figures(start, end, bucket, language)
    called = Q(input_tokens__gt=0) | Q(output_tokens__gt=0) | Q(cost_eur__gt=0)
    escalations_in = EscalationLog.objects.filter(started_at__gte=start, started_at__lt=end)
    if language:
        escalations_in = escalations_in.filter(language_q("message__language", language))
    rows = (escalations_in
            .annotate(period=_trunc(bucket, "started_at", tz)).values("period")
            .annotate(spend=Sum("cost_eur"), escalations=Count("id"),
                      calls=Count("id", filter=called), call_spend=Sum("cost_eur", filter=called))
            .order_by("period"))
    spend_by_key: dict[datetime | date, Decimal] = defaultdict(Decimal)
    escalations = calls = 0
    call_spend = Decimal(0)
    for row in rows:
        spend_by_key[_bucket_key(row["period"], bucket, tz)] += row["spend"] or Decimal(0)
        escalations += row["escalations"]
        calls += row["calls"]
        call_spend += row["call_spend"] or Decimal(0)
    if calls:
        per_call, estimated = call_spend / calls, False
    else:
        per_call, estimated = llm_price(ESTIMATE_PROMPT_TOKENS, ESTIMATE_COMPLETION_TOKENS), True
    buckets = [SpendBucket(b.start, b.total, spend_by_key.get(b.start, Decimal(0)), per_call * b.total)
               for b in routes.buckets]
    days = (timezone.localtime(end - timedelta(microseconds=1), tz).date() - timezone.localtime(start, tz).date()).days + 1
    return SpendFigures(messages=routes.messages, days=max(days, 1), escalations=escalations, model_calls=calls,
                        spend=sum((b.spend for b in buckets), Decimal(0)), cost_per_escalation=per_call,
                        cost_is_estimate=estimated, buckets=buckets)


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


def latency_figures(start: datetime, end: datetime, language: str = "") -> tuple[list[LatencyRow], LatencyRow]:
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


def satisfaction_figures(start: datetime, end: datetime, language: str = "") -> SatisfactionFigures:
    """Thumbs up share per tier of the rated reply, and the average 1-5 conversation rating, in [start, end)."""
    in_period = Feedback.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    reply_ratings = in_period.filter(kind=Feedback.Kind.REPLY)
    conversation_ratings = in_period.filter(kind=Feedback.Kind.CONVERSATION)
    if language:
        from support.conversation_language import ENGLISH, conversation_language_subquery

        reply_ratings = reply_ratings.filter(language_q("message__in_reply_to__language", language))
        conversation_ratings = conversation_ratings.annotate(conversation_language=conversation_language_subquery())
        conversation_ratings = (conversation_ratings.filter(conversation_language__isnull=True) if language == ENGLISH
                                else conversation_ratings.filter(conversation_language=language))
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


def dashboard_figures(start: datetime, end: datetime, bucket: str = "day", language: str = "") -> DashboardFigures:
    """Everything the dashboard shows for [start, end) (aware datetimes), per `bucket` (day or hour);
    `language`: only the customers writing in it (a code as Message.language records it)."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}")
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # SQLite, or inside a transaction whose rows another connection can't see yet.
        routes = route_figures(start, end, bucket, language)
        latency, first_token = latency_figures(start, end, language)
        return DashboardFigures(start=start, end=end, bucket=bucket, routes=routes,
                                spend=spend_figures(start, end, bucket, routes=routes, language=language),
                                latency=latency, time_to_first_token=first_token,
                                satisfaction=satisfaction_figures(start, end, language))
    # On PostgreSQL the two heavy reads run side by side, each on its own connection.
    with ThreadPoolExecutor(max_workers=1) as pool:
        latency_future = pool.submit(_in_own_connection, latency_figures, start, end, language)
        routes = route_figures(start, end, bucket, language)
        spend = spend_figures(start, end, bucket, routes=routes, language=language)
        satisfaction = satisfaction_figures(start, end, language)
        latency, first_token = latency_future.result()
    return DashboardFigures(start=start, end=end, bucket=bucket, routes=routes, spend=spend, latency=latency,
                            time_to_first_token=first_token, satisfaction=satisfaction)


def _in_own_connection(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    finally:
        connections.close_all()


# --- the period in the query string ----------------------------------------------------------------

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


# --- charts (inline SVG laid out here, drawn by the template) ---------------------------------------

CHART_W, CHART_H = 1200, 320
PAD_L, PAD_R, PAD_T, PAD_B = 72, 16, 14, 58
MAX_X_LABELS = 16


def money(value: Decimal | float | None, decimals: int | None = None) -> str:
    """EUR with two significant digits for small LLM costs: €12.35, €0.60, €0.030, €0.00068."""
    if value is None:
        return "–"
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if decimals is None:
        size = abs(amount)
        decimals = 2 if size >= 1 or size == 0 else min(8, max(2, -math.floor(math.log10(size)) + 1))
    return money_format(amount, "EUR", "en", decimals=decimals)  # the dashboard is in English


def _nice_step(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above `value`."""
    if value <= 0:
        return 0.25
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10 * power


def _money_ticks(step: float) -> Any:
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    decimals = max(2, -exponent) if isinstance(exponent, int) else 2
    return lambda value: money(Decimal(repr(value)), decimals)


def _bucket_label(key: datetime | date, bucket: str, short: bool = True) -> str:
    day = f"{key.day} {key:%b}"
    if bucket == "hour":
        assert isinstance(key, datetime)
        return (day if key.hour == 0 else f"{key:%H:%M}") if short else f"{key:%a} {day} {key:%H:%M}"
    return day if short else f"{key:%a} {day} {key:%Y}"


def _x_layout(keys: list[Any], bucket: str) -> tuple[float, list[float], list[dict[str, Any]]]:
    plot_w = CHART_W - PAD_L - PAD_R
    slot = plot_w / max(len(keys), 1)
    xs = [PAD_L + i * slot for i in range(len(keys))]
    every = max(1, math.ceil(len(keys) / MAX_X_LABELS))
    if bucket == "hour" and every > 1:  # hourly: label whole days, or every few hours
        every = next((n for n in (2, 3, 4, 6, 12, 24, 48, 72, 168) if n >= every), every)
    labels = [{"x": round(xs[i] + slot / 2, 2), "text": _bucket_label(key, bucket)}
              for i, key in enumerate(keys) if i % every == 0]
    return slot, xs, labels


def _frame(title: str, y_label: str, x_label: str, y_max: float, y_format: Any) -> dict[str, Any]:
    plot_h = CHART_H - PAD_T - PAD_B
    ticks = []
    for i in range(5):
        value = y_max * i / 4
        ticks.append({"y": round(PAD_T + plot_h - plot_h * i / 4, 2), "text": y_format(value)})
    return {"width": CHART_W, "height": CHART_H, "left": PAD_L, "right": CHART_W - PAD_R, "top": PAD_T,
            "bottom": CHART_H - PAD_B, "title": title, "y_label": y_label, "x_label": x_label, "y_ticks": ticks,
            "y_label_y": round(PAD_T + plot_h / 2, 2), "x_label_x": round(PAD_L + (CHART_W - PAD_L - PAD_R) / 2, 2),
            "x_label_y": CHART_H - 8, "x_tick_y": CHART_H - PAD_B + 18}


def share_chart(routes: RouteFigures, bucket: str) -> dict[str, Any]:
    """100% stacked bars of the routes per bucket."""
    unit = "hour" if bucket == "hour" else "day"
    chart = _frame(f"Share of customer messages per {unit}, by route", "Share of customer messages",
                   f"{unit.capitalize()} ({timezone.get_current_timezone_name()})", 1.0, lambda v: f"{v:.0%}")
    slot, xs, chart["x_labels"] = _x_layout([b.start for b in routes.buckets], bucket)
    plot_h = chart["bottom"] - chart["top"]
    gap = min(slot * 0.2, 6) if slot > 3 else 0
    bars = []
    for x, b in zip(xs, routes.buckets):
        label = _bucket_label(b.start, bucket, short=False)
        segments, y = [], float(chart["bottom"])
        for route in (*ROUTES, ""):
            if not b.counts.get(route):
                continue
            height = plot_h * b.counts[route] / b.total
            y -= height
            segments.append({"route": route or "none", "y": round(y, 2), "h": round(height, 2),
                             "title": f"{label}: {ROUTE_LABELS[route]} {b.counts[route]} of {b.total} "
                                      f"({b.counts[route] / b.total:.1%})"})
        bars.append({"x": round(x + gap / 2, 2), "w": round(max(slot - gap, 0.5), 2), "segments": segments,
                     "empty_title": f"{label}: no customer messages" if not b.total else ""})
    chart["bars"] = bars
    shares = ", ".join(f"{ROUTE_LABELS[r].lower()} {routes.shares.get(r, 0):.0%}" for r in ROUTES)
    chart["description"] = (f"Stacked bars, one per {unit}, from {_bucket_label(routes.buckets[0].start, bucket, False)} "
                            f"to {_bucket_label(routes.buckets[-1].start, bucket, False)}, of the share of customer "
                            f"messages by route. Over the period: {routes.messages} messages, {shares}."
                            if routes.buckets else "No buckets.")
    return chart


def spend_chart(spend: SpendFigures, bucket: str) -> dict[str, Any]:
    """Bars of the LLM spend per bucket, and a line of the all-LLM estimate, on one EUR scale."""
    unit = "hour" if bucket == "hour" else "day"
    peak = max([float(b.all_llm) for b in spend.buckets] + [float(b.spend) for b in spend.buckets] + [0.0])
    step = _nice_step(peak / 4)
    y_max = step * 4
    chart = _frame(f"LLM spend per {unit} vs. everything to the LLM", "EUR",
                   f"{unit.capitalize()} ({timezone.get_current_timezone_name()})", y_max, _money_ticks(step))
    slot, xs, chart["x_labels"] = _x_layout([b.start for b in spend.buckets], bucket)
    plot_h = chart["bottom"] - chart["top"]
    gap = min(slot * 0.3, 10) if slot > 3 else 0
    bars, points = [], []
    for x, b in zip(xs, spend.buckets):
        label = _bucket_label(b.start, bucket, short=False)
        height = plot_h * float(b.spend) / y_max
        bars.append({"x": round(x + gap / 2, 2), "w": round(max(slot - gap, 0.5), 2),
                     "y": round(chart["bottom"] - height, 2), "h": round(height, 2),
                     "title": f"{label}: spent {money(b.spend)}; all to the LLM {money(b.all_llm)}"})
        points.append({"x": round(x + slot / 2, 2), "y": round(chart["bottom"] - plot_h * float(b.all_llm) / y_max, 2),
                       "title": f"{label}: {b.messages} messages, all to the LLM ≈ {money(b.all_llm)}"})
    chart["bars"] = bars
    chart["points"] = points if len(points) <= 62 else []
    chart["line"] = " ".join(f"{p['x']},{p['y']}" for p in points)
    chart["description"] = (f"Bars: the LLM spend per {unit}; line: the estimated cost per {unit} had every customer "
                            f"message gone to the LLM. Over the period: spent {money(spend.spend)}, all-LLM estimate "
                            f"{money(spend.all_llm)}.")
    return chart


# --- the view ---------------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:,.0f} ms"


def _presets(today: date) -> list[dict[str, str]]:
    def link(first: date, last: date, bucket: str = "day") -> str:
        return f"?from={first.isoformat()}&to={last.isoformat()}&bucket={bucket}"

    return [
        {"label": "Today, hourly", "href": link(today, today, "hour")},
        {"label": "Last 2 days, hourly", "href": link(today - timedelta(days=1), today, "hour")},
        {"label": "Last 7 days", "href": link(today - timedelta(days=6), today)},
        {"label": "Last 14 days", "href": link(today - timedelta(days=13), today)},
        {"label": "Last 30 days", "href": link(today - timedelta(days=29), today)},
        {"label": "Last 90 days", "href": link(today - timedelta(days=89), today)},
    ]


def _rows_view(rows: Iterable[LatencyRow]) -> list[dict[str, Any]]:
    return [{"tier": r.tier, "label": r.label, "count": r.count, "p50": _ms(r.p50), "p95": _ms(r.p95),
             "p99": _ms(r.p99)} for r in rows]


@ops_required
def dashboard(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    form = DashboardFilterForm(request.GET)
    period = period_from(form)
    if period.errors:  # nothing is queried from a period the form refused
        return filters_refused(request, form, url=reverse("ops_dashboard"), what="dashboard")
    figures = dashboard_figures(period.start, period.end, period.bucket, period.language)
    routes, spend, satisfaction = figures.routes, figures.spend, figures.satisfaction
    route_cards = [{"route": r, "label": ROUTE_LABELS[r], "count": routes.counts[r], "share": _pct(routes.shares[r])
                    if routes.messages else "–"} for r in ROUTES]
    people = people_view(people_figures(period.start, period.end))
    # The log's own filters for this period: its "human" rows are exactly the handoffs counted here.
    period_query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})
    share_rows = [{"label": _bucket_label(b.start, period.bucket, short=False), "total": b.total,
                   "shares": [_pct(b.shares[r]) if b.total else "–" for r in (*ROUTES, "")]} for b in routes.buckets]
    spend_rows = [{"label": _bucket_label(b.start, period.bucket, short=False), "messages": b.messages,
                   "spend": money(b.spend), "all_llm": money(b.all_llm)} for b in spend.buckets]
    language_rows = [{
        "language": r.language, "label": r.label, "messages": r.messages,
        "shares": [_pct(r.share(route)) for route in ROUTES], "llm_share": _pct(r.llm_share),
        "labelled": r.labelled, "accuracy": _pct(r.routing_accuracy), "reply_ratings": r.reply_ratings,
        "reply_share_up": _pct(r.reply_share_up), "conversation_ratings": r.conversation_ratings,
        "conversation_average": f"{r.conversation_average:.2f}" if r.conversation_average is not None else "–",
    } for r in language_figures(period.start, period.end, period.language)]  # its own 4 queries
    context = {
        "period": period, "figures": figures, "language_rows": language_rows,
        "languages": [{"code": code, "label": label} for code, label in LANGUAGE_NAMES.items()], "today": timezone.localdate(), "presets": _presets(timezone.localdate()),
        "timezone_name": timezone.get_current_timezone_name(),
        "route_cards": route_cards, "unrouted": routes.counts[""],
        "handoffs": people["handoffs"], "people": people,
        "people_groups": [
            {"key": "agent", "header": "Agent", "caption": "Per agent (who claimed the handoff)", "rows": people["by_agent"]},
            {"key": "reason", "header": "Reason", "caption": "Per handoff reason", "rows": people["by_reason"]},
        ],
        "handoff_log_url": f"{reverse('ops_escalations')}?route=human&{period_query}",
        "legend": [{"route": r, "label": ROUTE_LABELS[r]} for r in ROUTES]
        + ([{"route": "none", "label": ROUTE_LABELS[""]}] if routes.counts[""] else []),
        "share_chart": share_chart(routes, period.bucket), "share_rows": share_rows,
        "share_headers": [ROUTE_LABELS[r] for r in (*ROUTES, "")],
        "spend_chart": spend_chart(spend, period.bucket), "spend_rows": spend_rows,
        "spend_view": {
            "total": money(spend.spend), "per_day": money(spend.spend_per_day),
            "per_1000": money(spend.spend_per_1000), "all_llm": money(spend.all_llm),
            "all_llm_per_1000": money(spend.all_llm_per_1000), "per_escalation": money(spend.cost_per_escalation),
            "saving": _pct(spend.saving_share),
            "estimate_tokens": f"{ESTIMATE_PROMPT_TOKENS:,} prompt and {ESTIMATE_COMPLETION_TOKENS:,} completion tokens",
            "prices": f"{money(settings.LLM_PRICE_INPUT_PER_MTOK, 2)} / {money(settings.LLM_PRICE_OUTPUT_PER_MTOK, 2)}",
        },
        "latency_rows": _rows_view([*figures.latency, figures.time_to_first_token]),
        "satisfaction_rows": [{"label": r.label, "ratings": r.ratings, "up": r.up, "down": r.down,
                               "share": _pct(r.share_up), "width": round((r.share_up or 0) * 100, 1)}
                              for r in satisfaction.replies],
        "reply_share_up": _pct(satisfaction.reply_share_up),
        "conversation_average": (f"{satisfaction.conversation_average:.2f}"
                                 if satisfaction.conversation_average is not None else "–"),
        "stars": [{"n": n, "count": c, "width": round(100 * c / satisfaction.conversation_ratings, 1)
                   if satisfaction.conversation_ratings else 0} for n, c in sorted(satisfaction.conversation_stars.items(),
                                                                                   reverse=True)],
    }
    return render(request, "support/ops/dashboard.html", context)
