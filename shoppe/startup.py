"""What a server process does once at start: the embedded worker and warming the models."""
from __future__ import annotations

import gc
import logging
import sys
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
    # The models and the app are loaded for good: keep the garbage collector from
    # scanning them again on every collection, which under load cost more than routing.
    gc.collect()
    gc.freeze()


def server_start(*, embedded_worker: bool) -> None:
    from support.logs import access_log_scrubbed

    access_log_scrubbed()
    # The event loop relays every socket event but holds the GIL only briefly; worker
    # threads (routing, the database) hold it for longer. With Python's default 5 ms
    # switch interval the loop waited up to 5 ms for each turn, and under load it, not
    # the CPU, was what made replies slow.
    sys.setswitchinterval(settings.SERVER_GIL_SWITCH_INTERVAL_S)
    if embedded_worker:
        from shoppe.celery import start_embedded_worker

        start_embedded_worker(concurrency=settings.CELERY_EMBEDDED_CONCURRENCY)
    # Finish what a process that died left unanswered, now and periodically; after the
    # embedded worker is consuming, so that a question the sweep queues finds a worker.
    from support.services.recovery import stranded_messages_sweep_start

    stranded_messages_sweep_start()
    if settings.RAG_WARM_UP:
        threading.Thread(target=rag_warm_up, name="rag-warm-up", daemon=True).start()
