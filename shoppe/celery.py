"""The Celery app. Production: `celery -A shoppe worker`; embedded: a thread in the server."""
from __future__ import annotations

import logging
import os
import threading

from celery import Celery
from celery.signals import task_prerun, worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoppe.settings")
log = logging.getLogger(__name__)

app = Celery("shoppe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_embedded_started = threading.Event()
_embedded_ready = threading.Event()
EMBEDDED_READY_TIMEOUT_S = 30.0


def start_embedded_worker(*, concurrency: int) -> None:
    """Run a worker in a daemon thread of this process (embedded mode only), and wait until it consumes.

    Only meaningful with the in-memory broker, where producer and worker must share
    the process. Safe to call more than once.

    Waiting means the server's first escalation finds a worker, and the worker's start-up
    (it creates loggers and imports modules) is over before the process does anything else:
    code that walks the logging registry on another thread, as pytest does around each
    test, would otherwise see it change under it.
    """
    if _embedded_started.is_set():
        return
    _embedded_started.set()

    def run() -> None:  # built inside the thread: its start-up touches the database, never from an event loop
        app.Worker(
            pool="threads",
            concurrency=concurrency,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            loglevel="WARNING",
            redirect_stdouts=False,
        ).start()

    threading.Thread(target=run, name="celery-embedded-worker", daemon=True).start()
    if not _embedded_ready.wait(EMBEDDED_READY_TIMEOUT_S):
        log.warning("the embedded Celery worker was not ready after %.0f s; escalations wait for it",
                    EMBEDDED_READY_TIMEOUT_S)


@worker_ready.connect
def _embedded_worker_ready(**kwargs: object) -> None:
    if _embedded_started.is_set():
        _embedded_ready.set()


@worker_process_init.connect
@worker_ready.connect
def _warm_up_worker(**kwargs: object) -> None:
    """A standalone worker loads the local models before its first task, like the server."""
    from django.conf import settings

    if settings.RAG_WARM_UP and not _embedded_started.is_set():
        from shoppe.startup import rag_warm_up

        threading.Thread(target=rag_warm_up, name="rag-warm-up", daemon=True).start()


@task_prerun.connect
def _database_connection_checked(**kwargs: object) -> None:
    """Before each task, on its thread: drop a connection that is broken or past CONN_MAX_AGE.

    Celery's own handling would close it after every task (CELERY_DB_REUSE_MAX), and a new
    PostgreSQL connection costs more than the rest of the hop to the LLM.
    """
    from django.db import close_old_connections

    close_old_connections()
