"""Celery tasks: thin, by id, calling a service."""
from __future__ import annotations

import base64

import numpy as np
from celery import shared_task

from support.services.escalation import escalation_answer_produce


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalation_answer(*, message_id: int, enqueued_at: float | None = None, vector: str | None = None) -> None:
    """Idempotent by message id: a redelivery never produces a second reply."""
    embedding = np.frombuffer(base64.b64decode(vector), dtype=np.float32) if vector else None
    escalation_answer_produce(message_id=message_id, enqueued_at=enqueued_at, vector=embedding)
