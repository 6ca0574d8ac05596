"""The escalation log at /ops/escalations/: every LLM escalation and every handoff to staff, as a page and as CSV.

Both views validate the query string with `LogFilterForm` (support.ops.filters; a bad
value answers 400) and read through support.ops.selectors.escalation_log. The CSV is
written in chunks as it streams, under WSGI or ASGI.
"""
from __future__ import annotations

import csv
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from rag.router.policy import INTENT_ROUTES
from support.conversation_language import LANGUAGE_NAMES
from support.models import EscalationLog, Handoff
from support.ops.access import ops_required
from support.ops.filters import LogFilterForm, filters_refused, filters_refused_as_text, params_without
from support.ops.selectors.escalation_log import LogFilters, MergedLog, log_querysets, log_stream, model_choices

log = logging.getLogger(__name__)

PAGE_SIZE = 50
CSV_ROWS_PER_WRITE = 500  # rows joined into one chunk of the response


@ops_required
def escalation_list(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    form = LogFilterForm(request.GET)
    if not form.is_valid():
        return filters_refused(request, form, url=reverse("ops_escalations"), what="escalation log")
    filters = LogFilters.from_form(form)
    escalations, handoffs = log_querysets(filters=filters)
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
        "models": model_choices(selected=filters.model),
        "outcome_groups": [("LLM escalations", EscalationLog.Outcome.choices), ("Handoffs", Handoff.Status.choices)],
        "handoff_reasons": Handoff.Reason.choices,
        "csv_query": params_without(request.GET, {"page"}),
    })


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


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
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
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
    escalations, handoffs = log_querysets(filters=LogFilters.from_form(form))
    # The header and the first rows are read here: both queries run before anything is sent.
    chunks = csv_guarded(_started(csv_chunks(log_stream(escalations=escalations, handoffs=handoffs)), 2))
    content: Iterator[str] | AsyncIterator[str] = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="escalations.csv"'
    response["Cache-Control"] = "no-store"
    return response
