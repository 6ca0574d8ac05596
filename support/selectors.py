"""Reads of conversations, shaped for the widget."""
from __future__ import annotations

import uuid
from typing import TypedDict

from django.conf import settings

from support.hours import support_next_opening, support_open, support_opening_words
from support.models import Handoff, Message
from support.realtime import PhotoItem
from support.roles import staff_name


class HistoryItem(TypedDict):
    id: int
    # "customer", "bot", "agent", or "system": a line about who is in the chat ("Sam joined the chat.")
    author: str
    agent: str | None  # on a staff message: who wrote it, by first name (shown with their initials)
    text: str
    status: str
    client_id: str | None
    in_reply_to: int | None
    route: str
    intent: str
    sources: list[dict[str, str]]
    created_at: str
    photo: PhotoItem | None  # a photo the customer attached (the message's text is its caption)


def conversation_history(*, conversation_id: uuid.UUID) -> list[HistoryItem]:
    """The conversation's last messages, oldest first."""
    newest = Message.objects.filter(conversation_id=conversation_id).order_by("-created_at", "-id")[
        : settings.CHAT_HISTORY_LIMIT
    ]
    return [
        HistoryItem(
            id=m.id,
            author="system" if m.is_team_line else m.author,
            agent=(staff_name(m.agent) if m.agent_id else "Our team") if m.author == Message.Author.AGENT else None,
            text=m.text,
            status=m.status,
            client_id=str(m.client_id) if m.client_id else None,
            in_reply_to=m.in_reply_to_id,
            route=m.route if m.author == Message.Author.CUSTOMER else (m.in_reply_to.route if m.in_reply_to else ""),
            intent=m.intent,
            sources=m.sources,
            created_at=m.created_at.isoformat(),
            photo=_photo(m),
        )
        for m in reversed(list(newest.select_related("in_reply_to", "agent", "photo")))
    ]


def _photo(message: Message) -> PhotoItem | None:
    from support.services.photos import photo_serialize

    photo = getattr(message, "photo", None)  # the reverse one-to-one raises when there is none
    return photo_serialize(photo) if photo is not None else None


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
        agent = staff_name(handoff.claimed_by)
    is_open = support_open()
    return TeamLine(handoff=handoff.status if handoff else None, agent=agent, open=is_open,
                    back="" if is_open else support_opening_words(support_next_opening()))
