"""Reads of conversations, shaped for the widget."""
from __future__ import annotations

import uuid
from typing import TypedDict

from django.conf import settings

from support.models import Message


class HistoryItem(TypedDict):
    id: int
    author: str
    text: str
    status: str
    client_id: str | None
    in_reply_to: int | None
    route: str
    intent: str
    sources: list[dict[str, str]]
    created_at: str


def conversation_history(*, conversation_id: uuid.UUID) -> list[HistoryItem]:
    """The conversation's last messages, oldest first."""
    newest = Message.objects.filter(conversation_id=conversation_id).order_by("-created_at", "-id")[
        : settings.CHAT_HISTORY_LIMIT
    ]
    return [
        HistoryItem(
            id=m.id,
            author=m.author,
            text=m.text,
            status=m.status,
            client_id=str(m.client_id) if m.client_id else None,
            in_reply_to=m.in_reply_to_id,
            route=m.route if m.author == Message.Author.CUSTOMER else (m.in_reply_to.route if m.in_reply_to else ""),
            intent=m.intent,
            sources=m.sources,
            created_at=m.created_at.isoformat(),
        )
        for m in reversed(list(newest.select_related("in_reply_to")))
    ]
