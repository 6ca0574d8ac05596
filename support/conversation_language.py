"""Which language a conversation is in, for staff: the console's badge, its canned responses, ops.

A customer message records the language it was written in (`Message.language`, set by the
router: "" or "en" for English). Short messages ("ok", an order number) and data ("10038
erin@example.test", an email address proving a guest order) read as English whatever they are
written in, so a conversation's language is that of the latest customer message that tells it:
TELLING_LENGTH characters or more, and a language the router was sure of (its
`language_probability` score; a message recorded before that score counts by its length). English
included: a customer who asked in Dutch and goes on in English is in English. With none, the latest
other than English; else English.
"""
from __future__ import annotations

import uuid

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Length, NullIf

from rag.router.languages import LANGUAGE_CERTAINTY, LANGUAGE_PROBABILITY
from support.models import CannedResponse, Conversation, Language, Message

ENGLISH = "en"
LANGUAGE_NAMES = dict(Language.choices)
TELLING_LENGTH = 20  # characters: "ok", "10026", "yes please" are shorter


def language_code(value: str | None) -> str:
    """A message's language as a code: "" (not recorded) is English."""
    return (value or ENGLISH).lower()


def _other_than_english() -> Q:
    return Q(author=Message.Author.CUSTOMER) & ~Q(language="") & ~Q(language=ENGLISH)


def language_sure() -> Q:
    """Messages whose language the router was sure of (`language_probability`), or recorded before it said."""
    sure = Q(**{f"scores__{LANGUAGE_PROBABILITY}__gte": LANGUAGE_CERTAINTY})
    return sure | Q(**{f"scores__{LANGUAGE_PROBABILITY}__isnull": True})


def _tells_the_language() -> Q:
    return (Q(author=Message.Author.CUSTOMER, text_length__gte=TELLING_LENGTH) & ~Q(language="")
            & language_sure())


def _latest(messages: QuerySet[Message]) -> QuerySet[Message]:
    return messages.annotate(text_length=Length("text")).order_by("-created_at", "-id")


def conversation_language(conversation_id: uuid.UUID | str) -> str:
    """The conversation's language, by the rule above, in one query (`conversation_language_subquery`)."""
    found = (Conversation.objects.filter(id=conversation_id)
             .annotate(customer_language=conversation_language_subquery("id"))
             .values_list("customer_language", flat=True).first())
    return language_code(found)


def conversation_language_subquery(conversation_field: str = "conversation_id") -> NullIf:
    """The rule above as a subquery annotating rows that name a conversation (NULL: English)."""
    messages = _latest(Message.objects.filter(conversation_id=OuterRef(conversation_field)))
    told = Subquery(messages.filter(_tells_the_language()).values("language")[:1])
    other = Subquery(messages.filter(_other_than_english()).values("language")[:1])
    return NullIf(Coalesce(told, other), Value(ENGLISH))


def canned_for(language: str) -> list[dict]:
    """The active canned responses, the conversation's language first, then English, then the rest."""
    language = language_code(language)
    rank = {language: 0, ENGLISH: 1}
    canned: QuerySet[CannedResponse] = CannedResponse.objects.filter(active=True)
    rows = sorted(canned, key=lambda c: (rank.get(c.language, 2), c.language, c.title))
    return [{"id": c.id, "title": c.title, "text": c.text, "language": c.language} for c in rows]
