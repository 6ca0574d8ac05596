"""The two tiers as CSV (issue #19): the dashboard's device figures per day or hour, for a spreadsheet.

One row per bucket of the dashboard's period (same `from`, `to`, `bucket` and `language`
filters): customer messages, those answered on customers' devices and their share, widgets
that reported their assistant ready, fallbacks to the server, and version mismatches. The
period is at most a year of days (or a month of hours), so it is written whole.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse

from support.ops.access import ops_required
from support.ops.filters import DashboardFilterForm, filters_refused_as_text, period_from
from support.ops.selectors.device_tier import device_tier_rows

HEADER = ("period", "customer_messages", "answered_on_devices", "share_on_devices", "devices_ready",
          "device_fallbacks", "version_mismatches")


@ops_required
def device_tier_csv(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    form = DashboardFilterForm(request.GET)
    period = period_from(form)
    if period.errors:
        return filters_refused_as_text(form)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in device_tier_rows(start=period.start, end=period.end, bucket=period.bucket, language=period.language):
        writer.writerow((row.start.isoformat(), row.messages, row.on_device,
                         "" if row.share is None else f"{row.share:.4f}", row.ready, row.fallbacks, row.mismatches))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="device-tier.csv"'
    response["Cache-Control"] = "no-store"
    return response
