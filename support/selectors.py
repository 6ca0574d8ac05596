"""Reads of conversations, shaped for the widget."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from support.hours import support_next_opening, support_open, support_opening_words
from support.models import Conversation, Handoff, Message


def conversation_ended_q(now: datetime | None = None) -> Q:
    """Conversations that are over: closed (resolved, or followed by another), or left idle.

    Idle means the assistant holds it (nobody is waiting for or with staff: a customer whose
    question waits for an away team keeps their conversation however long it takes) and
    nothing happened for CONVERSATION_IDLE_HOURS. The customer's next question starts a new one.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.CONVERSATION_IDLE_HOURS)
    return Q(status=Conversation.Status.CLOSED) | Q(status=Conversation.Status.BOT, updated_at__lt=cutoff)


def conversation_has_ended(*, conversation_id: uuid.UUID) -> bool:
    return Conversation.objects.filter(conversation_ended_q(), id=conversation_id).exists()


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


class TeamLine(TypedDict):
    """Who is on the conversation and whether the team is in, for the widget's status and away lines."""
    handoff: str | None  # "queued", "claimed" or None (the assistant has it)
    agent: str | None    # the first name of the colleague holding it
    open: bool           # within SUPPORT_HOURS now
    back: str            # when the team is next in ("tomorrow at 09:00"), "" while open


def conversation_team(*, conversation_id: uuid.UUID) -> TeamLine:
    # Sent with the history so a reload shows "Chatting with Sam" again instead of nothing.
    handoff = (Handoff.objects.filter(conversation_id=conversation_id)
               .exclude(status=Handoff.Status.RESOLVED).select_related("claimed_by").first())
    agent = None
    if handoff is not None and handoff.claimed_by_id:
        agent = handoff.claimed_by.first_name or handoff.claimed_by.get_username()
    is_open = support_open()
    return TeamLine(handoff=handoff.status if handoff else None, agent=agent, open=is_open,
                    back="" if is_open else support_opening_words(support_next_opening()))
