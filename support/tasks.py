"""Celery tasks: thin, by id, each calling its service (imported in the task body, so that the
services that queue a task import this module without importing the one that runs it)."""
from __future__ import annotations

import uuid

from celery import Task, shared_task


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def escalation_answer(self: Task, *, message_id: int, enqueued_at: float | None = None) -> None:
    """Idempotent by message id: a redelivery never produces a second reply.

    The task runs only while it holds its message (support.services.recovery): queued under
    this task's id, it comes back from the broker after its worker died, or finds that the
    stranded-message sweep already gave the message its outcome and does nothing.
    """
    from support.services.escalation import escalation_answer_produce
    from support.services.recovery import escalation_held

    with escalation_held(message_id=message_id, task_id=self.request.id or str(uuid.uuid4())) as held:
        if held:
            escalation_answer_produce(message_id=message_id, enqueued_at=enqueued_at)


@shared_task(acks_late=True)
def reply_email(*, conversation_id: str) -> None:
    """Email the team's unread replies to a customer who left (support.services.away); harmless if run twice:
    a second run finds nothing unread since the first email."""
    from support.services.away import reply_email_send

    reply_email_send(conversation_id=uuid.UUID(conversation_id))
