"""Typing indicators: the customer's reach the staff watching the conversation, an agent's the customer.

The sockets forward at most one indicator per conversation every TYPING_EVERY_S (the
widget and the console send no more often than that themselves), so a script sending
typing events in a loop cannot flood the staff console or the conversation's group.
"""
from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from support import events, realtime
from support.models import Conversation
from support.roles import can_work_handoffs

TYPING_EVERY_S = 2.0
# What the sockets allow: a little more often than the clients send, so that an event a
# well-behaved client sends exactly TYPING_EVERY_S after the last (its throttle's trailing
# call), arriving a few milliseconds early, is not dropped.
TYPING_ALLOWED_EVERY_S = TYPING_EVERY_S * 0.75


def _conversation_exists(conversation_id: uuid.UUID) -> None:
    if not Conversation.objects.filter(id=conversation_id).exists():
        raise Conversation.DoesNotExist(f"no conversation {conversation_id}")


def customer_typing(*, conversation_id: uuid.UUID) -> None:
    """The customer is typing: only staff watching the conversation hear it."""
    _conversation_exists(conversation_id)
    realtime.staff_send(conversation_id, events.typing(who="customer"))


def agent_typing(*, conversation_id: uuid.UUID, agent: AbstractBaseUser) -> None:
    """An agent is typing in a conversation: its customer (and every other socket of it) sees who.

    Only someone who may answer it now (who holds its claim, or a supervisor) shows as typing: the console's
    reply box is disabled until then, and a crafted socket of a colleague is not heard (no error: it is a
    keystroke, and a claim taken a moment ago is no mistake of the agent's)."""
    from support.services.handoff import handoff_held_by

    if not can_work_handoffs(agent):
        raise PermissionDenied("read-only console")
    _conversation_exists(conversation_id)
    if not handoff_held_by(conversation_id=conversation_id, agent=agent):
        return
    name = getattr(agent, "first_name", "") or agent.get_username()
    realtime.conversation_send(conversation_id, events.typing(who="agent", name=name))
