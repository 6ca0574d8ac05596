"""Celery tasks: thin, by id, calling a service."""
from __future__ import annotations

from celery import shared_task

from support.services.escalation import escalation_answer_produce


@shared_task(acks_late=True, max_retries=3)
def escalation_answer(*, message_id: int) -> None:
    escalation_answer_produce(message_id=message_id)
