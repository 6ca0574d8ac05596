"""Handing a conversation to the support team."""
from __future__ import annotations

import uuid

from support import realtime
from support.models import Conversation


def handoff_request(*, conversation_id: uuid.UUID, reason: str, message: str) -> None:
    """Queue the conversation for staff and tell the customer what happens next."""
    Conversation.objects.filter(id=conversation_id).exclude(status=Conversation.Status.WITH_AGENT).update(
        status=Conversation.Status.WAITING
    )
    realtime.conversation_send(conversation_id, {"type": "handoff", "status": "queued", "message": message})
