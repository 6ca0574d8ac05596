"""The ops figures per customer language: traffic, routing quality, LLM share and satisfaction.

A customer message's language is `Message.language`, its conversation's when the router never read it (""); a reply's
is the language of the message it answers; a conversation's is the one staff see in the
console (support.conversation_language). Each figure is one grouped query over the period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from typing import TypeVar

from django.db.models import Avg, Case, CharField, Count, F, Model, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from support.conversation_language import ENGLISH, LANGUAGE_NAMES, conversation_language_subquery
from support.models import Feedback, Message, RouteLabel

ROUTES = ("local", "llm", "human", "off_topic")
LANGUAGE_CODES = tuple(LANGUAGE_NAMES)  # en, nl, de, fr, es, it, pl, pt

_Row = TypeVar("_Row", bound=Model)


def language_q(field: str, language: str) -> Q:
    """Rows whose `field` is `language` (English: also "" for a message recorded before languages were)."""
    if language == ENGLISH:
        return Q(**{f"{field}__in": ["", ENGLISH]})
    return Q(**{field: language})


def in_conversation_language(rows: QuerySet[_Row], language: str,
                             conversation_field: str = "conversation_id") -> QuerySet[_Row]:
    """The rows (handoffs, ratings) whose conversation is in `language`, as the console shows it."""
    rows = rows.alias(filter_language=conversation_language_subquery(conversation_field))
    if language == ENGLISH:  # no customer message in another language
        return rows.filter(filter_language__isnull=True)
    return rows.filter(filter_language=language)


def _counted_language() -> Case:
    """A customer message's language as the table counts it: the router's reading of it, and for a message the
    router never read (an answer to the assistant's question, "3", "ja", an email address; whatever was written
    while staff held the chat), recorded as "", its conversation's (session 35's walkthrough: with not a word of
    English written, "English" had 13 messages and the most handed to people)."""
    return Case(When(language="", then=Coalesce(conversation_language_subquery("conversation_id"), Value(ENGLISH))),
                default=F("language"), output_field=CharField())


def messages_in_language(messages: QuerySet[Message], language: str) -> QuerySet[Message]:
    """The customer `messages` in `language` as the table counts them (`_counted_language`)."""
    return messages.annotate(counted_language=_counted_language()).filter(counted_language=language)


def _code(value: str | None) -> str:
    return (value or ENGLISH).lower()


@dataclass
class LanguageRow:
    language: str
    label: str
    messages: int = 0
    routes: dict[str, int] | None = None
    labelled: int = 0  # messages ops labelled (RouteLabel)
    labelled_right: int = 0  # of those, the router's route was the label's
    reply_ratings: int = 0
    reply_up: int = 0
    conversation_ratings: int = 0
    conversation_average: float | None = None

    @property
    def llm_share(self) -> float | None:
        return (self.routes or {}).get("llm", 0) / self.messages if self.messages else None

    def share(self, route: str) -> float | None:
        return (self.routes or {}).get(route, 0) / self.messages if self.messages else None

    @property
    def routing_accuracy(self) -> float | None:
        return self.labelled_right / self.labelled if self.labelled else None

    @property
    def reply_share_up(self) -> float | None:
        return self.reply_up / self.reply_ratings if self.reply_ratings else None


def language_figures(*, start: datetime, end: datetime, language: str = "") -> list[LanguageRow]:
    """One row per language with customer messages or ratings in [start, end), the most traffic first."""
    rows: dict[str, LanguageRow] = {}

    def row(code: str | None) -> LanguageRow:
        key = _code(code)
        return rows.setdefault(key, LanguageRow(key, LANGUAGE_NAMES.get(key, key), routes={r: 0 for r in ROUTES}))

    messages = Message.objects.filter(author=Message.Author.CUSTOMER, created_at__gte=start, created_at__lt=end)
    replies = Feedback.objects.filter(kind=Feedback.Kind.REPLY, created_at__gte=start, created_at__lt=end)
    labels = RouteLabel.objects.filter(message__created_at__gte=start, message__created_at__lt=end)
    conversations = (Feedback.objects.filter(kind=Feedback.Kind.CONVERSATION, created_at__gte=start, created_at__lt=end)
                     .annotate(conversation_language=conversation_language_subquery("conversation_id")))
    messages = messages.annotate(counted_language=_counted_language())
    if language:
        messages = messages.filter(counted_language=language)
        replies = replies.filter(language_q("message__in_reply_to__language", language))
        labels = labels.filter(language_q("message__language", language))
        conversations = (conversations.filter(conversation_language=language) if language != ENGLISH
                         else conversations.filter(conversation_language__isnull=True))

    counts = {route: Count("id", filter=Q(route=route)) for route in ROUTES}
    for found in messages.order_by().values("counted_language").annotate(n=Count("id"), **counts):
        target = row(found["counted_language"])
        target.messages += found["n"]
        for route in ROUTES:
            target.routes[route] += found[route]  # type: ignore[index]
    for found in (labels.order_by().values("message__language")
                  .annotate(n=Count("id"), right=Count("id", filter=Q(route=F("message__route"))))):
        target = row(found["message__language"])
        target.labelled += found["n"]
        target.labelled_right += found["right"]
    for found in (replies.order_by().values("message__in_reply_to__language")
                  .annotate(n=Count("id"), up=Count("id", filter=Q(score__gt=0)))):
        target = row(found["message__in_reply_to__language"])
        target.reply_ratings += found["n"]
        target.reply_up += found["up"]
    for found in (conversations.order_by().values("conversation_language")
                  .annotate(n=Count("id"), average=Avg("score"))):
        target = row(found["conversation_language"])
        total = target.conversation_ratings + found["n"]
        previous = (target.conversation_average or 0) * target.conversation_ratings
        target.conversation_average = (previous + (found["average"] or 0) * found["n"]) / total
        target.conversation_ratings = total
    return sorted(rows.values(), key=lambda r: (-r.messages, LANGUAGE_CODES.index(r.language)
                                                if r.language in LANGUAGE_CODES else 99, r.language))

