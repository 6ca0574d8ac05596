"""The dashboard's charts, laid out as inline SVG here and drawn by the template: no JavaScript, no CDN."""
from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shoppe.money import money_format
from support.ops.selectors.figures import ROUTE_LABELS, ROUTES, RouteFigures, SpendFigures

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


def bucket_label(key: datetime | date, bucket: str, short: bool = True) -> str:
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
    labels = [{"x": round(xs[i] + slot / 2, 2), "text": bucket_label(key, bucket)}
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
        label = bucket_label(b.start, bucket, short=False)
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
    chart["description"] = (f"Stacked bars, one per {unit}, from {bucket_label(routes.buckets[0].start, bucket, False)} "
                            f"to {bucket_label(routes.buckets[-1].start, bucket, False)}, of the share of customer "
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
        label = bucket_label(b.start, bucket, short=False)
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
