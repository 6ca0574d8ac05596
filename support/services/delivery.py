"""Delivering the assistant's replies: saved first, then streamed to the conversation's sockets.

The local tier (`support.services.replies`) and the LLM tier (`support.services.escalation`)
both end here: a complete answer is saved with the customer's message marked answered and
sent in one hop (`reply_stream`); a reply that could not be produced becomes the failure
notice (`reply_fail`), so nobody waits in silence.
"""
from __future__ import annotations

import logging
import re
import time
from typing import Any, Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from support import events, metrics, realtime
from support.models import Message
from support.services.answers import Answer
from support.services.handoff import handoff_request

log = logging.getLogger(__name__)

# Lazy: read in the language of the customer being answered (support.services.language).
FAILED_REPLY = _("Sorry, something went wrong while I was answering. Your message is saved; please try again in a moment.")


def outcome_claimable(message_id: int, holder: str | None) -> QuerySet[Message]:
    """The message, if `holder` may record its outcome: it has none yet and nobody else holds it.

    None: the caller's hold is checked elsewhere (an escalation task holds its message, support.tasks).
    """
    messages = Message.objects.filter(id=message_id)
    return messages if holder is None else messages.filter(status=Message.Status.RECEIVED, answering_by=holder)


def chunks_of(text: str, *, size: int = 120) -> Iterable[str]:
    """Split a reply into pieces of about `size` characters, at word boundaries."""
    piece = ""
    for word in re.findall(r"\S+\s*", text):
        piece += word
        if len(piece) >= size:
            yield piece
            piece = ""
    if piece:
        yield piece


def reply_stream(*, message: Message, route: str, intent: str, answer: Answer, started: float,
                 decision: dict[str, Any] | None = None, holder: str | None = None,
                 request_message_id: int | None = None) -> Message | None:
    """Save `answer` whole, then stream it to the conversation's sockets.

    The answer is complete before it is sent (only the LLM's replies are produced
    piece by piece, in `escalation`), so it is saved first, in one transaction with
    the customer's message marked answered (and the routing `decision` recorded on
    it, in the same write), and its start, chunks and end travel in one hop: a reply
    on screen is always a reply in the history.

    The message is marked first, on the condition that `holder` may still give it its
    outcome (see `message_answer`): if another process did, nothing is saved or sent and
    None is returned. A handoff the answer starts is the request's, `request_message_id` (the message that began an
    exchange of questions, such as a refund's "which items?" and "shall I send it?"), else `message`'s.
    """
    conversation_id = message.conversation_id
    reply = None
    try:
        with transaction.atomic():
            if not outcome_claimable(message.id, holder).update(status=Message.Status.ANSWERED, answering_until=None,
                                                                 **(decision or {})):
                log.warning("message %s was answered or taken over by another process; this reply is dropped",
                            message.id)
                return None
            reply = Message.objects.create(
                conversation_id=conversation_id, author=Message.Author.BOT, status=Message.Status.COMPLETE,
                in_reply_to=message, intent=intent, route=route, text=answer.text, sources=answer.sources,
                reply_latency_ms=round((time.perf_counter() - started) * 1000, 3),
            )
        metrics.REPLY_LATENCY.labels(route).observe(reply.reply_latency_ms / 1000)
        reply_deliver(message=message, reply=reply, answer=answer, route=route, intent=intent)
        if answer.handoff:
            handoff_request(conversation_id=conversation_id, reason=answer.handoff, message=answer.text,
                            trigger_message_id=request_message_id or message.id, intent=intent,
                            order_id=answer.handoff_order_id)
    except Exception:
        log.exception("replying to message %s failed", message.id)
        reply_fail(message=message, reply=reply, decision=decision, holder=holder)
    return reply


def reply_deliver(*, message: Message, reply: Message, answer: Answer, route: str, intent: str) -> None:
    """Send a saved reply to the conversation's open sockets, in one hop.

    The reply is already saved, so a socket layer that is down (Redis restarting)
    does not fail it: the customer's widget reconnects and finds it in the history.
    """
    try:
        realtime.conversation_send(
            message.conversation_id,
            events.reply_start(reply_id=reply.id, in_reply_to=message.id),
            *(events.reply_chunk(reply_id=reply.id, text=chunk) for chunk in chunks_of(answer.text)),
            events.reply_end(reply_id=reply.id, in_reply_to=message.id, route=route, intent=intent,
                             sources=answer.sources, text=answer.text),
        )
    except Exception:
        log.warning("reply %s to message %s is saved but could not be sent live; it is in the history",
                    reply.id, message.id, exc_info=True)


def reply_fail(*, message: Message, reply: Message | None, decision: dict[str, Any] | None = None,
               holder: str | None = None) -> None:
    """Mark a reply as failed and tell the customer, so nobody waits in silence (the `decision` is kept for ops).

    The failure notice is the message's outcome (status `failed`): the stranded-message sweep
    leaves it alone, and the customer sends the question again if they want.
    """
    failed = {"status": Message.Status.FAILED, "answering_until": None, **(decision or {})}
    with transaction.atomic():
        if reply is None:
            if not outcome_claimable(message.id, holder).update(**failed):
                return  # another process gave the message its outcome
            reply = Message.objects.create(
                conversation_id=message.conversation_id, author=Message.Author.BOT, in_reply_to=message,
                status=Message.Status.FAILED, text=str(FAILED_REPLY),
            )
        else:  # saved by `reply_stream` with the message's outcome, so this process holds it
            Message.objects.filter(id=reply.id).update(status=Message.Status.FAILED, text=str(FAILED_REPLY))
            Message.objects.filter(id=message.id).update(**failed)
    try:
        realtime.conversation_send(message.conversation_id, events.reply_failed(reply_id=reply.id, message=str(FAILED_REPLY)))
    except Exception:
        log.exception("could not tell conversation %s that a reply failed", message.conversation_id)
