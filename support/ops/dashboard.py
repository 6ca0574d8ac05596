"""The ops dashboard at /ops/: routing mix, LLM spend against an all-LLM estimate, latency, satisfaction, people.

The view reads the filters with `DashboardFilterForm` (support.ops.filters; a bad value
answers 400), asks the selectors for the period's figures (support.ops.selectors.figures,
support.ops.languages, support.ops.people) and has the charts laid out as inline SVG
(support.ops.charts); what is left here is how each figure is shown.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from support.conversation_language import LANGUAGE_NAMES
from support.ops.access import ops_required
from support.ops.charts import bucket_label, money, share_chart, spend_chart
from support.ops.filters import DashboardFilterForm, filters_refused, period_from
from support.ops.languages import language_figures
from support.ops.people import people_figures, people_view
from support.ops.selectors.device_tier import DeviceTierFigures, device_tier_figures
from support.ops.selectors.figures import (
    ESTIMATE_COMPLETION_TOKENS,
    ESTIMATE_PROMPT_TOKENS,
    ROUTE_LABELS,
    ROUTES,
    LatencyRow,
    dashboard_figures,
)


# Why an escalation never reached the model (figures.MISSED_REASONS and "other"), as ops reads it.
NOT_REACHING_MODEL = {
    "no_api_key": "no API key is configured", "llm_not_configured": "no LLM is configured",
    "budget_spent": "the day's LLM budget was spent", "llm_error": "the model's API failed",
    "worker_lost": "the worker running it was lost", "other": "of other failures",
}


def _not_reaching_model(counts: dict[str, int], escalations: int) -> dict[str, Any] | None:
    """The dashboard's warning that the LLM tier is not answering: how many escalations went to people instead of the
    model in the period, and why (the walkthrough of session 29 found only "€0.00 spent, saved 100%" while no
    escalation reached the model: no key)."""
    total = sum(counts.values())
    if not total:
        return None
    reasons = [{"why": NOT_REACHING_MODEL.get(why, why.replace("_", " ")), "count": count}
               for why, count in sorted(counts.items(), key=lambda item: -item[1])]
    return {"total": total, "escalations": escalations, "all": total == escalations, "reasons": reasons}


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


def _device_view(device: DeviceTierFigures, period_query: str) -> dict[str, Any]:
    """Both tiers as the dashboard shows them (issue #19)."""
    return {
        "messages": device.messages, "on_device": device.on_device, "share": _pct(device.share),
        "ready": device.ready, "fallback_total": device.fallback_total, "mismatches": device.mismatches,
        "latency_rows": _rows_view([device.decision, device.load]),
        "fallbacks": [{"reason": r, "label": label, "count": n} for r, label, n in device.fallbacks],
        "refused": [{"reason": r, "label": label, "count": n} for r, label, n in device.refused],
        "satisfaction_rows": [{"tier": r.route, "label": r.label, "ratings": r.ratings, "up": r.up, "down": r.down,
                               "share": _pct(r.share_up)} for r in device.satisfaction],
        "csv_url": f"{reverse('ops_devices_csv')}?{period_query}",
    }


@ops_required
def dashboard(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    form = DashboardFilterForm(request.GET)
    period = period_from(form)
    if period.errors:  # nothing is queried from a period the form refused
        return filters_refused(request, form, url=reverse("ops_dashboard"), what="dashboard")
    figures = dashboard_figures(start=period.start, end=period.end, bucket=period.bucket, language=period.language)
    routes, spend, satisfaction = figures.routes, figures.spend, figures.satisfaction
    route_cards = [{"route": r, "label": ROUTE_LABELS[r], "count": routes.counts[r], "share": _pct(routes.shares[r])
                    if routes.messages else "–"} for r in ROUTES]
    people = people_view(people_figures(start=period.start, end=period.end, language=period.language))
    # The log's own filters for this period (and language): its "human" rows are exactly the handoffs counted here.
    period_query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat(),
                              **({"language": period.language} if period.language else {})})
    share_rows = [{"label": bucket_label(b.start, period.bucket, short=False), "total": b.total,
                   "shares": [_pct(b.shares[r]) if b.total else "–" for r in (*ROUTES, "")]} for b in routes.buckets]
    spend_rows = [{"label": bucket_label(b.start, period.bucket, short=False), "messages": b.messages,
                   "spend": money(b.spend), "all_llm": money(b.all_llm)} for b in spend.buckets]
    language_rows = [{
        "language": r.language, "label": r.label, "messages": r.messages,
        "shares": [_pct(r.share(route)) for route in ROUTES], "llm_share": _pct(r.llm_share),
        "labelled": r.labelled, "accuracy": _pct(r.routing_accuracy), "reply_ratings": r.reply_ratings,
        "reply_share_up": _pct(r.reply_share_up), "conversation_ratings": r.conversation_ratings,
        "conversation_average": f"{r.conversation_average:.2f}" if r.conversation_average is not None else "–",
    } for r in language_figures(start=period.start, end=period.end, language=period.language)]  # its own 4 queries
    context = {
        "period": period, "figures": figures, "language_rows": language_rows,
        "languages": [{"code": code, "label": label} for code, label in LANGUAGE_NAMES.items()], "today": timezone.localdate(), "presets": _presets(timezone.localdate()),
        "timezone_name": timezone.get_current_timezone_name(),
        "route_cards": route_cards, "unrouted": routes.counts[""],
        "device": _device_view(device_tier_figures(start=period.start, end=period.end, bucket=period.bucket,
                                                   language=period.language), f"{period_query}&bucket={period.bucket}"),
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
            "not_reaching_model": _not_reaching_model(spend.not_reaching_model, spend.escalations),
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
