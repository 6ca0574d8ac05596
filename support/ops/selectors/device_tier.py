"""The two tiers side by side for ops (issue #19): what customers' devices answered, and when the server did.

The guidance's warning is that split logs are the price of a hybrid, so both tiers are read
from the same records: customer messages (`answered_on_device`, the device's decision time in
`route_latency_ms`, `device_refused` when the server would not take a device's answer), the
widgets' `device.status` reports (ready with their load time, or a fallback and why) and the
customers' ratings of single replies, split by where the rated reply was decided.

`device_tier_figures(start=..., end=..., bucket=..., language=...)` takes the dashboard's period;
`device_tier_rows` gives the same figures per bucket for the CSV export.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from support.models import DeviceStatus, Feedback, Message
from support.ops.languages import in_conversation_language, language_q
from support.ops.selectors.figures import (
    LatencyRow,
    SatisfactionRow,
    _bucket_key,
    _customer_messages,
    _percentile_rows,
    _trunc,
    bucket_keys,
)

DEVICE, SERVER = "device", "server"
TIER_NAMES = {DEVICE: "On customers' devices", SERVER: "On the server"}
REFUSAL_LABELS = {
    "stale": "Old model version", "no_device_model": "No device model on the server", "malformed": "Malformed frame",
    "language": "Language the device does not answer", "out_of_scope": "Not a help question the device may answer",
    "unknown_passage": "Passage the help centre does not have", "conversation_busy": "Staff or a question pending",
    "check_failed": "The server could not check it",
    "section_no_answer": "The help section does not answer it",
    "server_not_routine": "The server's router does not answer it with help",
    "server_other_intent": "The server's router reads another question",
}


@dataclass
class DeviceBucket:
    start: datetime | date
    messages: int = 0
    on_device: int = 0
    ready: int = 0
    fallbacks: int = 0
    mismatches: int = 0

    @property
    def share(self) -> float | None:
        return self.on_device / self.messages if self.messages else None


@dataclass
class DeviceTierFigures:
    messages: int  # customer messages in the period
    on_device: int  # of which answered on customers' devices
    decision: LatencyRow  # the devices' decision time (ms) for the messages they answered
    load: LatencyRow  # how long the devices took to load their assistant (ready reports)
    ready: int  # widgets that reported their assistant ready
    fallbacks: list[tuple[str, str, int]]  # (reason, label, count): widgets the server answered for, and why
    refused: list[tuple[str, str, int]]  # (reason, label, count): device answers the server did not take
    mismatches: int  # reports and answers from an old model version: the server answered them
    satisfaction: list[SatisfactionRow]  # thumbs on single replies: decided on devices, on the server
    buckets: list[DeviceBucket] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return self.on_device / self.messages if self.messages else None

    @property
    def fallback_total(self) -> int:
        return sum(count for _, _, count in self.fallbacks)


def _statuses(start: datetime, end: datetime, language: str):  # type: ignore[no-untyped-def]
    statuses = DeviceStatus.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    return in_conversation_language(statuses, language) if language else statuses


def _latency(queryset, column: str, tier: str, label: str) -> LatencyRow:  # type: ignore[no-untyped-def]
    count, (p50, p95, p99) = _percentile_rows(queryset, column, None).get("", (0, [None, None, None]))
    return LatencyRow(tier, label, count, p50, p95, p99)


def _mismatch_q() -> Q:
    return Q(reason=DeviceStatus.Reason.STALE) | (~Q(version="") & Q(version_current=False))


def device_tier_rows(*, start: datetime, end: datetime, bucket: str = "day", language: str = "") -> list[DeviceBucket]:
    """Per bucket: customer messages, those answered on devices, ready and fallback reports, version mismatches."""
    tz = timezone.get_current_timezone()
    by_key: dict[datetime | date, DeviceBucket] = {key: DeviceBucket(key)
                                                   for key in bucket_keys(start=start, end=end, bucket=bucket, tz=tz)}
    messages = (_customer_messages(start, end, language).annotate(period=_trunc(bucket, "created_at", tz))
                .values("period").annotate(total=Count("id"), on_device=Count("id", filter=Q(answered_on_device=True)),
                                           stale=Count("id", filter=Q(device_refused="stale"))).order_by("period"))
    for row in messages:
        found = by_key.setdefault(_bucket_key(row["period"], bucket, tz), DeviceBucket(row["period"]))
        found.messages += row["total"]
        found.on_device += row["on_device"]
        found.mismatches += row["stale"]
    statuses = (_statuses(start, end, language).annotate(period=_trunc(bucket, "created_at", tz)).values("period")
                .annotate(ready=Count("id", filter=Q(state=DeviceStatus.State.READY)),
                          fallbacks=Count("id", filter=Q(state=DeviceStatus.State.FALLBACK)),
                          mismatches=Count("id", filter=_mismatch_q())).order_by("period"))
    for row in statuses:
        found = by_key.setdefault(_bucket_key(row["period"], bucket, tz), DeviceBucket(row["period"]))
        found.ready += row["ready"]
        found.fallbacks += row["fallbacks"]
        found.mismatches += row["mismatches"]
    return [by_key[key] for key in sorted(by_key)]


def _satisfaction(start: datetime, end: datetime, language: str) -> list[SatisfactionRow]:
    ratings = Feedback.objects.filter(created_at__gte=start, created_at__lt=end, kind=Feedback.Kind.REPLY).order_by()
    if language:
        ratings = ratings.filter(language_q("message__in_reply_to__language", language))
    rows = {row["message__answered_on_device"]: row for row in ratings.values("message__answered_on_device")
            .annotate(ratings=Count("id"), up=Count("id", filter=Q(score__gt=0)))}
    return [SatisfactionRow(tier, TIER_NAMES[tier], rows.get(on_device, {}).get("ratings", 0),
                            rows.get(on_device, {}).get("up", 0))
            for tier, on_device in ((DEVICE, True), (SERVER, False))]


def device_tier_figures(*, start: datetime, end: datetime, bucket: str = "day", language: str = "") -> DeviceTierFigures:
    """Both tiers in [start, end) (aware datetimes); `language`: only customers writing in it."""
    buckets = device_tier_rows(start=start, end=end, bucket=bucket, language=language)
    messages = _customer_messages(start, end, language)
    statuses = _statuses(start, end, language)
    fallbacks = dict(statuses.filter(state=DeviceStatus.State.FALLBACK).values_list("reason")
                     .annotate(n=Count("id")).values_list("reason", "n"))
    refused = dict(messages.exclude(device_refused="").values_list("device_refused")
                   .annotate(n=Count("id")).values_list("device_refused", "n"))
    return DeviceTierFigures(
        messages=sum(b.messages for b in buckets), on_device=sum(b.on_device for b in buckets),
        decision=_latency(messages.filter(answered_on_device=True), "route_latency_ms", DEVICE, "Decision on the device"),
        load=_latency(statuses.filter(state=DeviceStatus.State.READY), "load_ms", "load", "Loading the assistant"),
        ready=sum(b.ready for b in buckets),
        fallbacks=[(reason, label, fallbacks[reason]) for reason, label in DeviceStatus.Reason.choices
                   if fallbacks.get(reason)],
        refused=[(reason, REFUSAL_LABELS.get(reason, reason), count) for reason, count in sorted(refused.items())],
        mismatches=sum(b.mismatches for b in buckets),
        satisfaction=_satisfaction(start, end, language), buckets=buckets,
    )
