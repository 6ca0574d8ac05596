from __future__ import annotations

from celery import shared_task

from rag.index import index_build


@shared_task(acks_late=True)
def knowledge_index_rebuild() -> str:
    return index_build().name
