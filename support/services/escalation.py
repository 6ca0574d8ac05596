"""Answers for messages the router sends to the managed LLM.

Until the Gemini tier is wired in, the customer is told a specialist will follow up,
and the conversation is queued for staff.
"""
from __future__ import annotations

import time

from support.models import Conversation, Message
from support.services.answers import Answer
from support.services.replies import LLM_PENDING_REPLY, reply_stream


def escalation_answer_produce(*, message_id: int) -> None:
    started = time.perf_counter()
    message = Message.objects.select_related("conversation").get(id=message_id)
    if message.replies.filter(status=Message.Status.COMPLETE).exists():
        return  # already answered: a redelivered task must not answer twice
    Conversation.objects.filter(id=message.conversation_id).update(status=Conversation.Status.WAITING)
    reply_stream(message=message, route="llm", intent=message.intent, answer=Answer(LLM_PENDING_REPLY, handoff="queued"), started=started)
