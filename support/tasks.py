"""Celery tasks: thin, by id, calling a service."""
from __future__ import annotations

import base64
import uuid

import numpy as np
from celery import Task, shared_task

from support.services.escalation import escalation_answer_produce
from support.services.recovery import escalation_held


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def escalation_answer(self: Task, *, message_id: int, enqueued_at: float | None = None, vector: str | None = None) -> None:
    """Idempotent by message id: a redelivery never produces a second reply.

    The task runs only while it holds its message (support.services.recovery): queued under
    this task's id, it comes back from the broker after its worker died, or finds that the
    stranded-message sweep already gave the message its outcome and does nothing.
    """
    with escalation_held(message_id=message_id, task_id=self.request.id or str(uuid.uuid4())) as held:
        if not held:
            return
        embedding = np.frombuffer(base64.b64decode(vector), dtype=np.float32) if vector else None
        escalation_answer_produce(message_id=message_id, enqueued_at=enqueued_at, vector=embedding)


@shared_task(acks_late=True)
def reply_email(*, conversation_id: str) -> None:
    """Email the team's unread replies to a customer who left (support.services.away); harmless if run twice:
    a second run finds nothing unread since the first email."""
    from support.services.away import reply_email_send

    reply_email_send(conversation_id=uuid.UUID(conversation_id))
