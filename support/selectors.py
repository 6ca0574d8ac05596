"""Reads of conversations, shaped for the widget."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from support.hours import support_next_opening, support_open, support_opening_words
from support.conversation_language import ENGLISH
from support.events import PhotoItem
from support.models import AgentSettings, Conversation, Handoff, Message, Photo
from support.roles import staff_name


def conversation_ended_q(now: datetime | None = None) -> Q:
    """Conversations that are over: closed (resolved, or followed by another), or left idle.

    Idle means the assistant holds it (nobody is waiting for or with staff: a customer whose
    question waits for an away team keeps their conversation however long it takes) and
    nothing happened for CONVERSATION_IDLE_HOURS. The customer's next question starts a new one.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.CONVERSATION_IDLE_HOURS)
    return Q(status=Conversation.Status.CLOSED) | Q(status=Conversation.Status.BOT, updated_at__lt=cutoff)


def conversation_is_a_visitors(*, conversation_id: uuid.UUID | None, link_owner: str = "") -> bool:
    """Whether the conversation still belongs to no account (a visitor's browser session), nor, since its reply
    link was opened in another browser, to another browser than the one holding `link_owner`."""
    found = Conversation.objects.filter(id=conversation_id, customer__isnull=True).values_list("link_owner", flat=True)
    return any(link_owner_holds(owner, link_owner) for owner in found)


def link_owner_holds(owner: str, secret: str) -> bool:
    """Whether a browser holding `secret` owns a visitor's conversation whose `Conversation.link_owner` is `owner`:
    any browser of its session while no reply link took it over, else only the link's."""
    return not owner or constant_time_compare(owner, secret)


def conversation_has_ended(*, conversation_id: uuid.UUID) -> bool:
    return Conversation.objects.filter(conversation_ended_q(), id=conversation_id).exists()


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
    on_device: bool  # a help question answered on the customer's device, and that answer (issue #19)
    kept_on_device: bool  # DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER: its words stayed there (`text` is "")


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
            on_device=m.answered_on_device,
            kept_on_device=m.text_kept_on_device,
        )
        for m in reversed(list(newest.select_related("in_reply_to", "agent", "photo")))
    ]


def photo_serialize(photo: Photo) -> PhotoItem:
    """A photo as the widget and the console show it: its view's URL, never the file's."""
    return PhotoItem(id=str(photo.id), url=reverse("photo", args=[photo.id]), width=photo.width,
                     height=photo.height, llm_consent=photo.llm_consent)


def _photo(message: Message) -> PhotoItem | None:
    photo = getattr(message, "photo", None)  # the reverse one-to-one raises when there is none
    return photo_serialize(photo) if photo is not None else None


class TeamLine(TypedDict):
    """Who is on the conversation and whether the team is in, for the widget's status and away lines."""
    handoff: str | None  # "queued", "claimed" or None (the assistant has it)
    agent: str | None    # the first name of the colleague holding it
    open: bool           # within SUPPORT_HOURS now
    back: str            # when the team is next in ("tomorrow at 09:00"), "" while open
    back_at: str         # the same as ISO 8601 ("2026-12-05T09:00:00+01:00"), "" while open: the widget words it
                         # in the page's language (static/chat/team.js, whenBack)


def conversation_team(*, conversation_id: uuid.UUID) -> TeamLine:
    # Sent with the history so a reload shows "Chatting with Sam" again instead of nothing.
    handoff = (Handoff.objects.filter(conversation_id=conversation_id)
               .exclude(status=Handoff.Status.RESOLVED).select_related("claimed_by").first())
    agent = None
    if handoff is not None and handoff.claimed_by_id:
        agent = staff_name(handoff.claimed_by)
    is_open = support_open()
    opening = None if is_open else support_next_opening()
    return TeamLine(handoff=handoff.status if handoff else None, agent=agent, open=is_open,
                    back=support_opening_words(opening) if opening else "",
                    back_at=timezone.localtime(opening).isoformat() if opening else "")


# --- The customer's own past conversations (/account/conversations/) ---------------------------


class PastConversation(TypedDict):
    id: uuid.UUID
    started_at: datetime
    first_question: str
    status: str  # in the customer's words: "Open", "Waiting for our team", "Resolved by our team", "Ended"


def _status_words(conversation: Conversation, *, ended: bool, resolved: bool) -> str:
    if conversation.status == Conversation.Status.WAITING:
        return "Waiting for our team"
    if conversation.status == Conversation.Status.WITH_AGENT:
        return "With our team"
    if ended:
        return "Resolved by our team" if resolved else "Ended"
    return "Open"


def conversations_of_customer(*, user: AbstractBaseUser) -> list[PastConversation]:
    """The signed-in customer's conversations in which they asked something, newest first."""
    first_question = (Message.objects.filter(conversation=OuterRef("pk"), author=Message.Author.CUSTOMER)
                      .order_by("created_at", "id").values("text")[:1])
    rows = (Conversation.objects.filter(customer_id=user.pk)
            .annotate(first_question=Subquery(first_question),
                      resolved=Exists(Handoff.objects.filter(conversation=OuterRef("pk"), status=Handoff.Status.RESOLVED)),
                      ended=ExpressionWrapper(conversation_ended_q(), output_field=BooleanField()))
            .filter(first_question__isnull=False).order_by("-created_at"))
    return [PastConversation(id=c.id, started_at=c.created_at, first_question=c.first_question,
                             status=_status_words(c, ended=c.ended, resolved=c.resolved)) for c in rows]


def conversation_of_customer(*, user: AbstractBaseUser, conversation_id: uuid.UUID) -> PastConversation | None:
    """One of the customer's own conversations; None for anyone else's (which looks like none at all)."""
    if not user.is_authenticated:
        return None
    return next((c for c in conversations_of_customer(user=user) if c["id"] == conversation_id), None)


class TranscriptLine(TypedDict):
    who: str  # for the page, which translates it (templates/support/transcript_who.html)
    author: str  # Message.Author
    agent: str  # the team member's name; "" for the assistant, the customer, or a reply without one
    text: str
    at: datetime
    sources: list[dict[str, str]]


def conversation_transcript(*, conversation_id: uuid.UUID) -> list[TranscriptLine]:
    """What the customer saw, oldest first: their words, the assistant's and the team's (never staff notes)."""
    lines = []
    messages = (Message.objects.filter(conversation_id=conversation_id).exclude(status=Message.Status.STREAMING)
                .select_related("agent").order_by("created_at", "id"))
    for m in messages:
        agent = (m.agent.first_name or m.agent.get_username()) if m.author == Message.Author.AGENT and m.agent_id else ""
        if m.author == Message.Author.CUSTOMER:
            who = "You"
        elif m.author == Message.Author.AGENT:
            who = f"{agent or 'Our team'} (Example Shoppe)"
        else:
            who = "Example Shoppe assistant"
        lines.append(TranscriptLine(who=who, author=m.author, agent=agent, text=m.text, at=m.created_at,
                                    sources=m.sources))
    return lines


def agent_language(*, agent: AbstractBaseUser) -> str:
    """The language a staff member works in (their `AgentSettings`): English when they never chose one."""
    return AgentSettings.objects.filter(agent_id=agent.pk).values_list("language", flat=True).first() or ENGLISH
