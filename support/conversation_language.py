"""Which language a conversation is in, for staff: the console's badge, its canned responses, ops.

A customer message records the language it was written in (`Message.language`, set by the
router: "" or "en" for English). Short messages ("ok", an order number) read as English, so a
conversation's language is the latest customer message's language other than English, and
English when there is none.
"""
from __future__ import annotations

import uuid

from django.db.models import OuterRef, Q, QuerySet, Subquery

from support.models import CannedResponse, Language, Message

ENGLISH = "en"
LANGUAGE_NAMES = dict(Language.choices)


def language_code(value: str | None) -> str:
    """A message's language as a code: "" (not recorded) is English."""
    return (value or ENGLISH).lower()


def _other_than_english() -> Q:
    return Q(author=Message.Author.CUSTOMER) & ~Q(language="") & ~Q(language=ENGLISH)


def conversation_language(conversation_id: uuid.UUID | str) -> str:
    latest = (Message.objects.filter(_other_than_english(), conversation_id=conversation_id)
              .order_by("-created_at", "-id").values_list("language", flat=True).first())
    return language_code(latest)


def conversation_language_subquery(conversation_field: str = "conversation_id") -> Subquery:
    """The same, as a subquery annotating rows that name a conversation (NULL: English)."""
    return Subquery(Message.objects.filter(_other_than_english(), conversation_id=OuterRef(conversation_field))
                    .order_by("-created_at", "-id").values("language")[:1])


def canned_for(language: str) -> list[dict]:
    """The active canned responses, the conversation's language first, then English, then the rest."""
    language = language_code(language)
    rank = {language: 0, ENGLISH: 1}
    canned: QuerySet[CannedResponse] = CannedResponse.objects.filter(active=True)
    rows = sorted(canned, key=lambda c: (rank.get(c.language, 2), c.language, c.title))
    return [{"id": c.id, "title": c.title, "text": c.text, "language": c.language} for c in rows]
