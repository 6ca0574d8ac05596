"""Producing the assistant's reply to a saved customer message, streamed to the socket."""
from __future__ import annotations

import base64
import logging
import re
import time
from typing import Iterable

from django.db import transaction
from django.utils import timezone

from support import metrics, realtime
from support.logs import conversation_context
from support.models import Conversation, Message
from support.services.handoff import handoff_request
from support.services.answers import Answer, greeting_answer, knowledge_answer, off_topic_answer
from support.services.order_help import ORDER_INTENTS, order_answer, pending_answer
from support.services.routing import RouteDecision, message_route

log = logging.getLogger(__name__)

FAILED_REPLY = "Sorry, something went wrong while I was answering. Your message is saved; please try again in a moment."
HANDOFF_REPLY = (
    "I'm passing this to our support team, who will reply right here in this chat. Our team is available "
    "Monday to Friday 09:00-18:00 and Saturday 10:00-14:00 (Amsterdam time)."
)
REFUND_HANDOFF_REPLY = (
    "Refunds are decided by a member of our support team, so I'm passing your request to them now. They'll "
    "reply right here. It helps if you tell them the order number, which items, and why."
)


def message_answer(*, message_id: int) -> None:
    """Route a saved customer message and answer it; never leaves the customer without a reply."""
    started = time.perf_counter()
    message = Message.objects.select_related("conversation", "conversation__customer").get(id=message_id)
    with conversation_context(message.conversation_id):
        _message_answer(message, started)


def _message_answer(message: Message, started: float) -> None:
    message_id = message.id
    try:
        conversation = message.conversation
        if conversation.status == Conversation.Status.WITH_AGENT:
            # A person is answering this conversation: the assistant stays quiet.
            Message.objects.filter(id=message.id).update(route="human", reason="conversation is with an agent",
                                                         status=Message.Status.ANSWERED)
            return
        question = conversation.state.get("pending") or {}
        answer = pending_answer(conversation=conversation, text=message.text)
        if answer is not None:
            intent, route = question.get("intent", "follow_up"), "local"
            Message.objects.filter(id=message.id).update(
                route=route, intent=intent, reason="answer to the assistant's question"
            )
        else:
            decision = message_route(message=message)
            if decision.route == "llm":
                from support.tasks import escalation_answer

                enqueued_at = time.time()
                # The message's embedding travels with the task, so the worker doesn't compute it again.
                vector = base64.b64encode(decision.vector.astype("float32").tobytes()).decode() if decision.vector is not None else None
                transaction.on_commit(lambda: escalation_answer.delay(message_id=message.id, enqueued_at=enqueued_at,
                                                                      vector=vector))
                return
            answer = _local_answer(conversation=conversation, decision=decision, text=message.text)
            intent, route = decision.intent, decision.route
        _conversation_state_save(conversation, answer)
    except Exception:
        log.exception("answering message %s failed", message_id)
        reply_fail(message=message, reply=None)
        return
    reply_stream(message=message, route=route, intent=intent, answer=answer, started=started)


def _local_answer(*, conversation: Conversation, decision: RouteDecision, text: str) -> Answer:
    if decision.route == "off_topic":
        return off_topic_answer()
    if decision.route == "human" and decision.intent == "get_refund":
        # The assistant collects what a refund needs; a person decides.
        answer = order_answer(conversation=conversation, intent="get_refund", text=text)
        return answer if answer.pending or answer.handoff else Answer(REFUND_HANDOFF_REPLY, handoff="refund")
    if decision.route == "human":
        return Answer(HANDOFF_REPLY, handoff=decision.intent)
    if decision.intent == "greeting":
        first_name = conversation.customer.first_name if conversation.customer_id else None
        return greeting_answer(text=text, first_name=first_name)
    if decision.intent in ORDER_INTENTS:
        return order_answer(conversation=conversation, intent=decision.intent, text=text)
    return knowledge_answer(intent=decision.intent, vector=decision.vector, text=text)


def _conversation_state_save(conversation: Conversation, answer: Answer) -> None:
    state = dict(conversation.state)
    state.pop("pending", None)
    if answer.pending:
        state["pending"] = answer.pending
    Conversation.objects.filter(id=conversation.id).update(state=state, updated_at=timezone.now())


def chunks_of(text: str, *, size: int = 48) -> Iterable[str]:
    """Split a reply into pieces of about `size` characters, at word boundaries."""
    piece = ""
    for word in re.findall(r"\S+\s*", text):
        piece += word
        if len(piece) >= size:
            yield piece
            piece = ""
    if piece:
        yield piece


def reply_stream(*, message: Message, route: str, intent: str, answer: Answer, started: float) -> Message:
    """Stream `answer` to the conversation and save it whole when it ends."""
    conversation_id = message.conversation_id
    reply = Message.objects.create(
        conversation_id=conversation_id, author=Message.Author.BOT, status=Message.Status.STREAMING,
        in_reply_to=message, intent=intent, route=route,
    )
    try:
        realtime.conversation_send(conversation_id, {"type": "reply.start", "reply_id": reply.id, "in_reply_to": message.id})
        for chunk in chunks_of(answer.text):
            realtime.conversation_send(conversation_id, {"type": "reply.chunk", "reply_id": reply.id, "text": chunk})
        with transaction.atomic():
            reply.text, reply.sources, reply.status = answer.text, answer.sources, Message.Status.COMPLETE
            reply.reply_latency_ms = round((time.perf_counter() - started) * 1000, 3)
            reply.save(update_fields=["text", "sources", "status", "reply_latency_ms"])
            metrics.REPLY_LATENCY.labels(route).observe(reply.reply_latency_ms / 1000)
            Message.objects.filter(id=message.id).update(status=Message.Status.ANSWERED)
        realtime.conversation_send(conversation_id, {
            "type": "reply.end", "reply_id": reply.id, "in_reply_to": message.id, "route": route,  # type: ignore[typeddict-item]
            "intent": intent, "sources": answer.sources, "text": answer.text,
        })
        if answer.handoff:
            handoff_request(conversation_id=conversation_id, reason=answer.handoff, message=answer.text,
                            trigger_message_id=message.id, intent=intent, order_id=answer.handoff_order_id)
    except Exception:
        log.exception("streaming reply %s failed", reply.id)
        reply_fail(message=message, reply=reply)
    return reply


def reply_fail(*, message: Message, reply: Message | None) -> None:
    """Mark a reply as failed and tell the customer, so nobody waits in silence."""
    if reply is None:
        reply = Message.objects.create(
            conversation_id=message.conversation_id, author=Message.Author.BOT, in_reply_to=message,
            status=Message.Status.FAILED, text=FAILED_REPLY,
        )
    else:
        Message.objects.filter(id=reply.id).update(status=Message.Status.FAILED, text=FAILED_REPLY)
    Message.objects.filter(id=message.id).update(status=Message.Status.RECEIVED)
    try:
        realtime.conversation_send(message.conversation_id, {"type": "reply.failed", "reply_id": reply.id, "message": FAILED_REPLY})
    except Exception:
        log.exception("could not tell conversation %s that a reply failed", message.conversation_id)
