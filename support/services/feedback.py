"""Feedback loops: customers rate replies and conversations; ops relabel misrouted messages.

Customer ratings (`feedback_record`) carry the tier that produced the rated reply, so
satisfaction can be compared per route. Ops labels (`route_label_set`) correct the
router's decision on a customer message; `route_label_pairs` hands them to training
(`python manage.py train_router`).
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from rag.router.policy import INTENT_ROUTES
from support.services.language import lazy_text
from support.models import NOT_ROUTED_REASONS, Feedback, Message, RouteLabel

log = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 1000
REPLY_SCORES = (1, -1)
CONVERSATION_SCORES = range(1, 6)


def _score(value: object, allowed: tuple[int, ...] | range, what: str) -> int:
    # bool is an int in Python: `true` from JSON is not a score.
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise ValueError(f"A {what} rating must be one of {', '.join(str(s) for s in allowed)}.")
    return value


def _comment(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(gettext_lazy("The comment must be text."))
    value = value.strip()
    if len(value) > MAX_COMMENT_CHARS:
        raise ValueError(lazy_text(gettext_lazy("Comments can be at most %(limit)s characters."), limit=MAX_COMMENT_CHARS))
    return value


def _reply_route(reply: Message) -> str:
    """The tier that produced a reply: recorded on the reply, else the route of the message it answers."""
    if reply.author == Message.Author.AGENT:
        return Message.Route.HUMAN
    return reply.route or (reply.in_reply_to.route if reply.in_reply_to else "")


@transaction.atomic
def feedback_record(
    *, conversation_id: uuid.UUID, reply_id: int | None = None, score: int, comment: str = ""
) -> Feedback:
    """Save a customer's rating: of one reply (`reply_id`, score +1/-1) or of the conversation (1-5).

    Rating the same reply, or the conversation, again updates the earlier rating.
    Raises PermissionDenied for a reply that is not an assistant or staff reply of this
    conversation, ValueError for a bad score or comment.
    """
    comment = _comment(comment)
    if reply_id is None:
        score = _score(score, CONVERSATION_SCORES, "conversation")
        existing = (Feedback.objects.select_for_update()
                    .filter(conversation_id=conversation_id, kind=Feedback.Kind.CONVERSATION).first())
        if existing is not None:
            existing.score, existing.comment = score, comment
            existing.save(update_fields=["score", "comment"])
            return existing
        return Feedback.objects.create(conversation_id=conversation_id, kind=Feedback.Kind.CONVERSATION,
                                       score=score, comment=comment)

    if isinstance(reply_id, bool) or not isinstance(reply_id, int):
        raise ValueError("reply_id must be a message id.")
    score = _score(score, REPLY_SCORES, "reply")
    reply = (Message.objects.select_related("in_reply_to")
             .filter(id=reply_id, conversation_id=conversation_id,
                     author__in=[Message.Author.BOT, Message.Author.AGENT]).first())
    if reply is None:
        raise PermissionDenied(gettext_lazy("You can only rate replies in this conversation."))
    if reply.author == Message.Author.BOT and reply.in_reply_to_id is None:
        raise ValueError(gettext_lazy("Only replies can be rated, not notices such as an agent joining."))
    if reply.status == Message.Status.STREAMING:
        raise ValueError(gettext_lazy("This reply is not finished yet."))
    values = {"conversation_id": conversation_id, "score": score, "comment": comment, "route": _reply_route(reply)}
    try:
        with transaction.atomic():
            feedback, _ = Feedback.objects.update_or_create(message=reply, kind=Feedback.Kind.REPLY, defaults=values)
    except IntegrityError:  # rated twice at the same moment (two tabs): the later one wins
        feedback = Feedback.objects.get(message=reply, kind=Feedback.Kind.REPLY)
        for name, value in values.items():
            setattr(feedback, name, value)
        feedback.save()
    return feedback


def feedback_receive(*, conversation_id: uuid.UUID, event: dict[str, Any],
                     earlier: Sequence[uuid.UUID] = ()) -> Feedback:
    """A `feedback` event from the chat socket: `reply_id` rates a reply, `conversation: true` the conversation.

    `earlier`: the ended conversations the socket showed before the customer's question started this
    one; their replies are still on screen, above the "New conversation" line, and may be rated.
    """
    rates_conversation = event.get("conversation") is True
    reply_id = event.get("reply_id")
    if rates_conversation == (reply_id is not None):
        raise ValueError(gettext_lazy("Rate either one reply (reply_id) or the conversation (conversation: true)."))
    if not rates_conversation and earlier and isinstance(reply_id, int) and not isinstance(reply_id, bool):
        where = (Message.objects.filter(id=reply_id, conversation_id__in=[conversation_id, *earlier])
                 .values_list("conversation_id", flat=True).first())
        conversation_id = where or conversation_id
    return feedback_record(conversation_id=conversation_id, reply_id=None if rates_conversation else reply_id,
                           score=event.get("score"),  # type: ignore[arg-type]
                           comment=event.get("comment") or "")


def routed_by_the_router(message: Message) -> bool:
    """A customer message the router read: a label on any other (NOT_ROUTED_REASONS, or a text kept on the customer's
    device) would teach the router something no customer wrote to it."""
    return (message.author == Message.Author.CUSTOMER and bool(message.text)
            and message.reason not in NOT_ROUTED_REASONS)


def route_label_set(*, message_id: int, intent: str, route: str | None = None, user: AbstractBaseUser) -> RouteLabel:
    """Ops' label on a customer message: the intent it should have had and its route.

    The route defaults to the shop policy's route for the intent. Raises ValueError for
    an unknown intent or route, or a message that is not the customer's;
    Message.DoesNotExist for an unknown message.
    """
    if intent not in INTENT_ROUTES:
        raise ValueError(f"Unknown intent {intent[:40]!r}.")
    route = route or INTENT_ROUTES[intent]
    if route not in Message.Route.values:
        raise ValueError(f"Unknown route {route[:20]!r}.")
    if not user.has_perm("support.add_routelabel"):
        raise PermissionDenied("You can't label messages.")
    message = Message.objects.get(id=message_id)
    if message.author != Message.Author.CUSTOMER:
        raise ValueError("Only customer messages are routed, so only they can be labelled.")
    if not routed_by_the_router(message):
        raise ValueError("The router never read this message (an answer to the assistant's question, a request from "
                         "the order's page, or a text kept on the customer's device), so it can't be labelled.")
    if (message.intent == "get_refund" and message.route == Message.Route.HUMAN and route != Message.Route.HUMAN
            and not user.has_perm("support.decide_large_refund")):
        # Refunds stay with people: what the router handed to a person as a refund request is taught as something
        # else by a supervisor only, or one label would teach it to answer refund demands (session 30's probe).
        raise PermissionDenied("Only a supervisor can label a refund request the router handed to a person as "
                               "something else.")
    previous = RouteLabel.objects.filter(message=message).values_list("intent", "route", "labelled_by_id").first()
    label, _ = RouteLabel.objects.update_or_create(
        message=message, defaults={"intent": intent, "route": route, "labelled_by": user}
    )
    # The training data's history: who taught what, and what it replaced (the row keeps the latest only).
    log.info("route label set", extra={"message_id": message.id, "intent": intent, "route": route,
                                       "labelled_by": user.pk, "replaced": previous})
    return label


def route_label_pairs() -> list[tuple[str, str]]:
    """(message text, intent) for every ops label on a message the router read, for training the router."""
    labels = RouteLabel.objects.exclude(message__reason__in=NOT_ROUTED_REASONS).order_by("id")
    return [
        (text, intent)
        for text, intent in labels.values_list("message__text", "intent")
        if text and text.strip() and intent in INTENT_ROUTES
    ]
