"""Structured logs: one JSON object a line, the conversation id on each, no personal data."""
from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from support.llm.pii import CARD, EMAIL

_conversation: contextvars.ContextVar[str] = contextvars.ContextVar("conversation_id", default="")

_SCRUB = [
    (EMAIL, "[EMAIL]"),
    (CARD, "[CARD]"),
    (re.compile(r"(?<![\w/.:-])(?:\+|00)?\d(?:[\s().-]?\d){7,14}(?![\w/])"), "[PHONE]"),
]


def scrub(text: str) -> str:
    for pattern, placeholder in _SCRUB:
        text = pattern.sub(placeholder, text)
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
