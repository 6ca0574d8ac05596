"""What a server process does once at start: the embedded worker and getting the assistant ready."""
from __future__ import annotations

import gc
import logging
import sys
import threading

from django.conf import settings
from django.db import connection

from shoppe.readiness import readiness

log = logging.getLogger(__name__)


def rag_warm_up() -> None:
    """Get the assistant ready while the process serves: the help-centre index and the router
    built if they are missing or stale (the router trains on a fresh clone), loaded and warm.

    Until this returns the process is starting (`shoppe.readiness`): /healthz says so and the
    chat holds what customers send, answering it when this is done. Built artifacts that are
    current are reused, so every start after the first only loads them.
    """
    from rag.index import INDEX_LANGUAGES, index_build, index_get
    from rag.router.decide import router_get

    failed = False
    try:
        readiness.step("building the help-centre index in every language (reused when nothing changed)")
        index_build()
        readiness.step("loading the router (trained first if it is missing or stale)")
        router = router_get()
        readiness.step("warming up")
        router.decide("where is my order?")
        router.decide("Wo ist meine Bestellung?")  # the other languages' router and its encoder too
        for language in INDEX_LANGUAGES:
            index_get(language)
    except Exception:  # the site still serves pages; the chat reports its own errors
        failed = True
        log.exception("getting the local models ready failed; each message will try to load them itself")
    finally:
        connection.close()  # this thread's, opened to read the staff's help articles
        readiness.settle(failed=failed)
    # The models and the app are loaded for good: keep the garbage collector from
    # scanning them again on every collection, which under load cost more than routing.
    gc.collect()
    gc.freeze()


def server_start(*, embedded_worker: bool) -> None:
    from support.logs import access_log_scrubbed

    access_log_scrubbed()
    if settings.RAG_WARM_UP:
        readiness.begin()  # before anything that waits for it (the sweep) starts
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
