"""Structured logs: one JSON object a line, the conversation id on each, no personal data."""
from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote_plus

from daphne.access import AccessLogGenerator

from support.llm.pii import personal_data_replace_all

_conversation: contextvars.ContextVar[str] = contextvars.ContextVar("conversation_id", default="")


def _scrub_plain(text: str) -> str:
    """Personal data as support.llm.pii defines it (the one definition the LLM's redactor uses too), each
    kind replaced by its name: every card-shaped number, not only those with a valid checksum."""
    return personal_data_replace_all(text, lambda kind, value: f"[{kind}]")


def scrub(text: str) -> str:
    """`text` with emails, IBANs, card and phone numbers, addresses and postcodes replaced by placeholders,
    also where a URL encodes them.

    A path or query string in a log line hides an email as `carol%40example.test` and spaces
    as `+`: when decoding (up to twice, for double encoding) reveals personal data, the
    decoded, scrubbed text is logged instead.
    """
    text = _scrub_plain(text)
    decoded = text
    for _ in range(2):
        if "%" not in decoded and "+" not in decoded:
            break
        decoded = unquote_plus(decoded)
        cleaned = _scrub_plain(decoded)
        if cleaned != decoded:
            return cleaned
    return text


@contextmanager
def conversation_context(conversation_id: object) -> Iterator[None]:
    """Every log line inside names this conversation (also across sync_to_async threads)."""
    token = _conversation.set(str(conversation_id))
    try:
        yield
    finally:
        _conversation.reset(token)


class ConversationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "conversation_id", ""):
            record.conversation_id = _conversation.get()
        return True


class StartingHealthCheckFilter(logging.Filter):
    """`/healthz`'s 503 while the process is starting (its assistant getting ready) is what a load balancer polls for
    until it may send traffic: logged as information, not as an error. A 503 of a process that is not starting (a
    database down) stays an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        from shoppe.readiness import readiness

        match = getattr(getattr(record, "request", None), "resolver_match", None)
        if getattr(record, "status_code", None) == 503 and getattr(match, "url_name", "") == "healthz" \
                and readiness.starting:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "conversation_id": getattr(record, "conversation_id", "") or _conversation.get(),
            "message": scrub(record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """LOG_FORMAT=plain: the same scrubbing as the JSON lines, over the whole line and its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class ScrubbedAccessLog(AccessLogGenerator):
    """daphne's access log (NCSA lines on stdout), with the request line scrubbed.

    Paths and query strings carry what visitors type (`/help/?q=…`). daphne writes this
    log straight to a stream, not through `logging`, so it gets the scrubber here; only the
    request part, so the status and size are never taken for a phone number.
    """

    def write_entry(self, host: Any, date: Any, request: str, *args: Any, **kwargs: Any) -> None:
        super().write_entry(host, date, scrub(request), *args, **kwargs)


def access_log_scrubbed() -> None:
    """Under daphne's command line, make the access log it is about to create a ScrubbedAccessLog.

    daphne imports the application (shoppe.asgi, which calls this) before it builds its
    server and the access logger from the name in `daphne.cli`; there is no setting for it.
    """
    import sys

    cli = sys.modules.get("daphne.cli")
    if cli is not None and getattr(cli, "AccessLogGenerator", None) is AccessLogGenerator:
        cli.AccessLogGenerator = ScrubbedAccessLog
