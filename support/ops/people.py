"""The human side of support for ops: handoffs, how long customers waited for people, and what they said.

One figure, defined once: a *handoff* is a Handoff row created in the period, the same rows
the escalation log lists under the route "human" for the same dates. (The routing panel's
"Routed to people" counts customer messages instead: a handoff may follow several of them, or
come from the LLM tier without any.)

For each handoff, measured from its creation:
- queue wait: until an agent claimed it (`claimed_at`);
- first human response: until the first staff message in the conversation (`first_reply_at`);
- resolution: until it was resolved (`resolved_at`).
Median and p90 per agent (who claimed it) and per reason use `percentile_cont`, the dashboard's
one percentile function; a handoff not yet claimed, answered or resolved has no such time.

With the dashboard's language filter, a handoff and a comment count when their conversation
is in that language, as the console and the escalation log show it (support.ops.languages).
(A comment on a staff reply has no customer message it answers, so the conversation decides.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from shoppe.percentiles import percentile_cont
from support.models import Feedback, Handoff, Message
from support.ops.languages import in_conversation_language

TIMES = ("first_response", "queue_wait", "resolution")
NOT_CLAIMED = "Not claimed"
MAX_COMMENTS = 50


def handoffs_with_times(handoffs: QuerySet[Handoff]) -> QuerySet[Handoff]:
    """The handoffs, each with `first_reply_at`: the first staff message in its conversation at or after it."""
    first_reply = (Message.objects.filter(conversation_id=OuterRef("conversation_id"), author=Message.Author.AGENT,
                                          created_at__gte=OuterRef("created_at"))
                   .order_by("created_at").values("created_at")[:1])
    return handoffs.annotate(first_reply_at=Subquery(first_reply))


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


def handoff_durations(created_at: datetime, claimed_at: datetime | None, first_reply_at: datetime | None,
                      resolved_at: datetime | None) -> dict[str, float | None]:
    """The three waits of one handoff, in seconds (None: it has not happened yet)."""
    return {"first_response": seconds_between(created_at, first_reply_at),
            "queue_wait": seconds_between(created_at, claimed_at),
            "resolution": seconds_between(created_at, resolved_at)}


@dataclass
class Spread:
    count: int  # handoffs with this time
    median: float | None
    p90: float | None


@dataclass
class TimingRow:
    key: str
    label: str
    handoffs: int
    times: dict[str, Spread]  # first_response, queue_wait, resolution


@dataclass
class Comment:
    at: datetime
    kind: str  # reply or conversation
    score: int
    route: str
    text: str
    url: str

    @property
    def rating(self) -> str:
        if self.kind == Feedback.Kind.CONVERSATION:
            return f"{self.score} / 5"
        return "Thumbs up" if self.score > 0 else "Thumbs down"


@dataclass
class PeopleFigures:
    handoffs: int
    overall: TimingRow
    by_agent: list[TimingRow]
    by_reason: list[TimingRow]
    comments: list[Comment]


def _spread(values: list[float]) -> Spread:
    values = sorted(values)
    return Spread(len(values), percentile_cont(values, 0.5), percentile_cont(values, 0.9))


def _row(key: str, label: str, durations: list[dict[str, float | None]]) -> TimingRow:
    times = {name: _spread([d[name] for d in durations if d[name] is not None]) for name in TIMES}  # type: ignore[misc]
    return TimingRow(key, label, len(durations), times)


def _grouped(rows: Iterable[tuple[str, str, dict[str, float | None]]]) -> list[TimingRow]:
    groups: dict[str, tuple[str, list[dict[str, float | None]]]] = {}
    for key, label, durations in rows:
        groups.setdefault(key, (label, []))[1].append(durations)
    return [_row(key, label, found) for key, (label, found) in sorted(groups.items(), key=lambda g: g[1][0].lower())]


def _agent_label(username: str | None, first: str | None, last: str | None) -> str:
    if not username:
        return NOT_CLAIMED
    name = f"{first or ''} {last or ''}".strip()
    return f"{name} ({username})" if name else username


def comments_in(*, start: datetime, end: datetime, language: str = "", limit: int = MAX_COMMENTS) -> list[Comment]:
    """The newest customer comments left with a rating in [start, end), with a link to the conversation's trace."""
    ratings = Feedback.objects.filter(created_at__gte=start, created_at__lt=end).exclude(comment="")
    if language:
        ratings = in_conversation_language(ratings, language)
    found = (ratings.order_by("-created_at")
             .values_list("created_at", "kind", "score", "route", "comment", "conversation_id", "message_id")[:limit])
    comments = []
    for at, kind, score, route, text, conversation_id, message_id in found:
        url = reverse("ops_trace", args=[conversation_id])
        comments.append(Comment(at, kind, score, route, text, f"{url}#message-{message_id}" if message_id else url))
    return comments


def people_figures(*, start: datetime, end: datetime, language: str = "") -> PeopleFigures:
    """Handoffs created in [start, end): how many, their waits per agent and per reason, and the period's comments.

    `language`: only the handoffs (and comments) of customers writing in it.
    """
    reasons = dict(Handoff.Reason.choices)
    rows: list[tuple[str, str, str, dict[str, float | None]]] = []
    in_period = Handoff.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    if language:
        in_period = in_conversation_language(in_period, language)
    handoffs = handoffs_with_times(in_period)
    for reason, username, first, last, created, claimed, first_reply, resolved in handoffs.values_list(
            "reason", "claimed_by__username", "claimed_by__first_name", "claimed_by__last_name",
            "created_at", "claimed_at", "first_reply_at", "resolved_at"):
        rows.append((reason, username or "", _agent_label(username, first, last),
                     handoff_durations(created, claimed, first_reply, resolved)))
    return PeopleFigures(
        handoffs=len(rows),
        overall=_row("", "All handoffs", [d for *_, d in rows]),
        by_agent=_grouped((agent, label, d) for _, agent, label, d in rows),
        by_reason=_grouped((reason, reasons.get(reason, reason), d) for reason, _, _, d in rows),
        comments=comments_in(start=start, end=end, language=language),
    )


def duration(seconds: float | None) -> str:
    """A wait as ops read it: 45 s, 4 min 10 s, 2 h 05 min, 3 d 4 h."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def timing_view(row: TimingRow) -> dict[str, Any]:
    return {"key": row.key, "label": row.label, "handoffs": row.handoffs,
            "times": [{"name": name, "count": row.times[name].count, "median": duration(row.times[name].median),
                       "p90": duration(row.times[name].p90)} for name in TIMES]}


def people_view(figures: PeopleFigures) -> dict[str, Any]:
    """The figures as the dashboard template shows them."""
    return {"handoffs": figures.handoffs, "overall": timing_view(figures.overall),
            "by_agent": [timing_view(row) for row in figures.by_agent],
            "by_reason": [timing_view(row) for row in figures.by_reason],
            "comments": figures.comments}
