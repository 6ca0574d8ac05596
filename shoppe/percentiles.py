"""Percentiles, one definition for every figure: PERCENTILE_CONT in SQL and the same interpolation in Python.

The ops dashboard and people figures, the router evaluation (`evaluate_router`), the load run
(`make load`) and the bench (`make bench`) all use it, so their p50/p95/p99 can be compared: the
value at fraction × (n − 1) of the sorted values, interpolated between its two neighbours (numpy's
default, "linear"), not the nearest rank. It lives in the project package, beside `shoppe.money`, so
that the router (`rag`) uses it without depending on the support app.
"""
from __future__ import annotations

import math
from typing import Any

from django.db.models import Aggregate, FloatField


class Percentile(Aggregate):
    """PostgreSQL's PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY expression): interpolated, like numpy's default."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("a percentile is a fraction between 0 and 1")
        super().__init__(expression, fraction=repr(fraction), **extra)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PERCENTILE_CONT of already sorted values, in Python (the SQLite fallback)."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)
