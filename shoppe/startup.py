"""What a server process does once at start: the embedded worker and warming the models."""
from __future__ import annotations

import logging
import threading

from django.conf import settings

log = logging.getLogger(__name__)


def rag_warm_up() -> None:
    """Load the encoder, the router and the index, so the first customer doesn't wait."""
    from rag.index import index_get
    from rag.router.decide import router_get

    try:
        router_get().decide("where is my order?")
        index_get()
    except Exception:  # the site still serves pages; the chat reports its own errors
        log.exception("warming up the local models failed")


def server_start(*, embedded_worker: bool) -> None:
    if embedded_worker:
        from shoppe.celery import start_embedded_worker

        start_embedded_worker(concurrency=settings.CELERY_EMBEDDED_CONCURRENCY)
    if settings.RAG_WARM_UP:
        threading.Thread(target=rag_warm_up, name="rag-warm-up", daemon=True).start()
