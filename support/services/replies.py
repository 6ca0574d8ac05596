"""Producing the assistant's reply to a saved customer message, streamed to the socket."""
from __future__ import annotations

import base64
import logging
import re
import time
import uuid
from datetime import timedelta
from typing import Any, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support import metrics, realtime
from support.db import commits_without_waiting_for_disk
from support.logs import conversation_context
from support.models import Conversation, Message
from support.services.away import notify_email_answer, notify_email_take
from support.services.handoff import handoff_request
from support.services.language import in_language, reply_language
from support.services.answers import (
    Answer,
    english_only_noted,
    greeting_answer,
    knowledge_answer,
    off_topic_answer,
)
from support.services.order_help import ORDER_INTENTS, order_answer, pending_answer
from support.services.routing import RouteDecision, decision_fields, message_route

log = logging.getLogger(__name__)

# Lazy: each is read in the language of the customer being answered (support.services.language).
FAILED_REPLY = _("Sorry, something went wrong while I was answering. Your message is saved; please try again in a moment.")
HANDOFF_REPLY = _(
    "I'm passing this to our support team, who will reply right here in this chat. Our team is available "
    "Monday to Friday 09:00-18:00 and Saturday 10:00-14:00 (Amsterdam time)."
)
REFUND_HANDOFF_REPLY = _(
    "Refunds are decided by a member of our support team, so I'm passing your request to them now. They'll "
    "reply right here. It helps if you tell them the order number, which items, and why."
)


def message_answer(*, message_id: int, holder: str = "") -> None:
    """Route a saved customer message and answer it; never leaves the customer without a reply.

    `holder`: the claim this runs under. The socket's own thread answers the message it just
    saved without claiming it (""); the stranded-message sweep passes its claim
    (support.services.recovery). Either way the outcome is recorded only if nobody else took
    the message over meanwhile, so a late original and the sweep never both answer.
    """
    started = time.perf_counter()
    message = Message.objects.select_related("conversation", "conversation__customer").get(id=message_id)
    with conversation_context(message.conversation_id), commits_without_waiting_for_disk(), \
            in_language(reply_language(message)):
        _message_answer(message, started, holder)


def _outcome_claimable(message_id: int, holder: str | None) -> QuerySet[Message]:
    """The message, if `holder` may record its outcome: it has none yet and nobody else holds it.

    None: the caller's hold is checked elsewhere (an escalation task holds its message, support.tasks).
    """
    messages = Message.objects.filter(id=message_id)
    return messages if holder is None else messages.filter(status=Message.Status.RECEIVED, answering_by=holder)


def _message_answer(message: Message, started: float, holder: str) -> None:
    message_id = message.id
    decision = None
    language = reply_language(message)
    try:
        conversation = message.conversation
        if conversation.status == Conversation.Status.WITH_AGENT:
            # A person is answering this conversation: the assistant stays quiet (an email address
            # it asked for before is still kept).
            notify_email_take(conversation=conversation, text=message.text)
            _outcome_claimable(message.id, holder).update(route="human", reason="conversation is with an agent",
                                                          status=Message.Status.ANSWERED, answering_until=None)
            return
        question = conversation.state.get("pending") or {}
        if question.get("kind") == "notify_email":
            answer = notify_email_answer(conversation=conversation, text=message.text)
        else:
            answer = pending_answer(conversation=conversation, text=message.text)
        if answer is not None:
            intent, route = question.get("intent", "follow_up"), "local"
            decision = {"route": route, "intent": intent, "reason": "answer to the assistant's question"}
        else:
            routed = message_route(message=message)
            decision = decision_fields(routed)
            if routed.route == "llm":
                from support.tasks import escalation_answer

                # Recorded before the task is queued: the worker reads the intent and reason. From
                # here the message is held by its task, by id, for as long as a task may wait in
                # the queue; past that, the stranded-message sweep hands it to staff.
                task_id = str(uuid.uuid4())
                queued_until = timezone.now() + timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT_S)
                if not _outcome_claimable(message.id, holder).update(**decision, answering_by=task_id,
                                                                     answering_until=queued_until):
                    log.info("message %s was taken over while it was routed; not queued", message_id)
                    return
                enqueued_at = time.time()
                # The message's embedding travels with the task, so the worker doesn't compute it again.
                vector = base64.b64encode(routed.vector.astype("float32").tobytes()).decode() if routed.vector is not None else None
                transaction.on_commit(lambda: escalation_answer.apply_async(
                    kwargs={"message_id": message.id, "enqueued_at": enqueued_at, "vector": vector}, task_id=task_id))
                return
            language = reply_language(message, routed=routed.language)
            with in_language(language):
                answer = _local_answer(conversation=conversation, decision=routed, text=message.text)
            if routed.route == "local" and routed.intent not in ORDER_INTENTS and routed.intent != "greeting":
                # A help-centre passage in English (it, pl, pt: no help pages yet): say so in their language. The assistant's
                # own texts (handoffs, order answers, questions) are already in it.
                answer = english_only_noted(answer, routed.language)
            intent, route = routed.intent, routed.route
            if route == "human" and not answer.handoff:
                # On the way to a person the assistant asked something itself ("Which order do you
                # mean?"): that reply is the local tier's, and its ratings count for it, not for people.
                route = "local"
        _conversation_state_save(conversation, answer)
    except Exception:
        log.exception("answering message %s failed", message_id)
        reply_fail(message=message, reply=None, decision=decision, holder=holder)
        return
    with in_language(language):
        reply_stream(message=message, route=route, intent=intent, answer=answer, started=started, decision=decision,
                     holder=holder)


def _local_answer(*, conversation: Conversation, decision: RouteDecision, text: str) -> Answer:
    if decision.route == "off_topic":
        return off_topic_answer()
    if decision.route == "human" and decision.intent == "get_refund":
        # The assistant collects what a refund needs; a person decides.
        answer = order_answer(conversation=conversation, intent="get_refund", text=text)
        return answer if answer.pending or answer.handoff else Answer(str(REFUND_HANDOFF_REPLY), handoff="refund")
    if decision.route == "human":
        return Answer(str(HANDOFF_REPLY), handoff=decision.intent)
    if decision.intent == "greeting":
        first_name = conversation.customer.first_name if conversation.customer_id else None
        return greeting_answer(text=text, first_name=first_name)
    if decision.intent in ORDER_INTENTS:
        return order_answer(conversation=conversation, intent=decision.intent, text=text)
    return knowledge_answer(intent=decision.intent, vector=decision.vector, text=text, language=decision.language)


def _conversation_state_save(conversation: Conversation, answer: Answer) -> None:
    state = dict(conversation.state)
    state.pop("pending", None)
    if answer.pending:
        state["pending"] = answer.pending
    if state != conversation.state:  # most answers ask nothing back: no write
        Conversation.objects.filter(id=conversation.id).update(state=state, updated_at=timezone.now())


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
                 decision: dict[str, Any] | None = None, holder: str | None = None) -> Message | None:
    """Save `answer` whole, then stream it to the conversation's sockets.

    The answer is complete before it is sent (only the LLM's replies are produced
    piece by piece, in `escalation`), so it is saved first, in one transaction with
    the customer's message marked answered (and the routing `decision` recorded on
    it, in the same write), and its start, chunks and end travel in one hop: a reply
    on screen is always a reply in the history.

    The message is marked first, on the condition that `holder` may still give it its
    outcome (see `message_answer`): if another process did, nothing is saved or sent and
    None is returned.
    """
    conversation_id = message.conversation_id
    reply = None
    try:
        with transaction.atomic():
            if not _outcome_claimable(message.id, holder).update(status=Message.Status.ANSWERED, answering_until=None,
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
        _reply_deliver(message=message, reply=reply, answer=answer, route=route, intent=intent)
        if answer.handoff:
            handoff_request(conversation_id=conversation_id, reason=answer.handoff, message=answer.text,
                            trigger_message_id=message.id, intent=intent, order_id=answer.handoff_order_id)
    except Exception:
        log.exception("replying to message %s failed", message.id)
        reply_fail(message=message, reply=reply, decision=decision, holder=holder)
    return reply


def _reply_deliver(*, message: Message, reply: Message, answer: Answer, route: str, intent: str) -> None:
    """Send a saved reply to the conversation's open sockets, in one hop.

    The reply is already saved, so a socket layer that is down (Redis restarting)
    does not fail it: the customer's widget reconnects and finds it in the history.
    """
    try:
        realtime.conversation_send(
            message.conversation_id,
            {"type": "reply.start", "reply_id": reply.id, "in_reply_to": message.id},
            *({"type": "reply.chunk", "reply_id": reply.id, "text": chunk} for chunk in chunks_of(answer.text)),
            {"type": "reply.end", "reply_id": reply.id, "in_reply_to": message.id, "route": route,  # type: ignore[typeddict-item]
             "intent": intent, "sources": answer.sources, "text": answer.text},
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
            if not _outcome_claimable(message.id, holder).update(**failed):
                return  # another process gave the message its outcome
            reply = Message.objects.create(
                conversation_id=message.conversation_id, author=Message.Author.BOT, in_reply_to=message,
                status=Message.Status.FAILED, text=str(FAILED_REPLY),
            )
        else:  # saved by `reply_stream` with the message's outcome, so this process holds it
            Message.objects.filter(id=reply.id).update(status=Message.Status.FAILED, text=str(FAILED_REPLY))
            Message.objects.filter(id=message.id).update(**failed)
    try:
        realtime.conversation_send(message.conversation_id, {"type": "reply.failed", "reply_id": reply.id, "message": str(FAILED_REPLY)})
    except Exception:
        log.exception("could not tell conversation %s that a reply failed", message.conversation_id)
