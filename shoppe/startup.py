"""What a process does once at start: the chat's thread pool, the embedded Celery worker and getting
the assistant ready.

A server process (`shoppe.asgi`) calls `server_start`; a standalone worker (`celery -A shoppe
worker`) gets the assistant ready through the worker signals below, connected when Django
loads the storefront app (`shoppe.apps`). The Celery app itself is `shoppe.celery`.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from celery.signals import worker_process_init, worker_ready
from django.conf import settings
from django.db import connection

from shoppe.celery import app
from shoppe.readiness import readiness

log = logging.getLogger(__name__)


def rag_warm_up(*, device: bool = False) -> None:
    """Get the assistant ready while the process serves: the help-centre index and the router
    built if they are missing or stale (the router trains on a fresh clone), loaded and warm.

    Until the router is loaded the process is starting (`shoppe.readiness`): /healthz says so and
    the chat holds what customers send, answering it when this is done. Built artifacts that are
    current are reused, so every start after the first only loads them. With `device` (the
    server, not a worker) the device assistant (rag/device/) is then built if it is stale, after
    the chat is ready: until it is, widgets send every message to the server.
    """
    from rag.answerability import answer_check_get
    from rag.index import INDEX_LANGUAGES, index_get
    from rag.router.decide import router_warm_up
    from rag.router.language_words import language_words_build, language_words_get
    from rag.router.serving import router_get, routers_trained_if_stale
    from rag.section_choice import section_choice_get

    failed = False
    try:
        readiness.step("building the help-centre index in every language (and the check of its answers) and training "
                       "the routers where they are missing or stale, side by side (reused when nothing changed)")
        side_by_side([help_centre_build, language_words_build, *routers_trained_if_stale()])
        readiness.step("loading the router")
        router = router_get()
        readiness.step("warming up")
        router_warm_up(router)
        for language in INDEX_LANGUAGES:
            index_get(language)
        answer_check_get()
        section_choice_get()
        language_words_get()
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
    if device and not failed:
        _device_build()


def help_centre_build() -> None:
    """The help-centre index in every language, then the check of its answers trained on it (rag/answerability.py),
    while the routers train beside them."""
    from rag.answerability import answer_check_build
    from rag.index import index_build
    from rag.section_choice import section_choice_build

    index_build()
    answer_check_build()
    section_choice_build()


def side_by_side(jobs: list) -> list:
    """Run `jobs` in threads of their own and wait for all; their results in order, the first failure raised.

    A fresh clone builds the help index and trains both routers: each spends long stretches on one core
    (embedding thousands of exemplars) while the other waits, so together they finish sooner. Each
    thread closes its own database connection.
    """
    def run(job):  # type: ignore[no-untyped-def]
        try:
            return job()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=max(1, len(jobs)), thread_name_prefix="rag-build") as pool:
        return [done.result() for done in [pool.submit(run, job) for job in jobs]]


def _device_build() -> None:
    from rag.device.build import device_build

    try:
        device_build(if_stale=True)
    except Exception:  # the chat works without it: widgets fall back to the server
        log.exception("building the device assistant failed; widgets use the server")
    finally:
        connection.close()


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
    if settings.RAG_WARM_UP and not _embedded_started.is_set():
        threading.Thread(target=rag_warm_up, name="rag-warm-up", daemon=True).start()


def _serving_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop that will serve this process's sockets, known before any socket connects.

    daphne (`make run`, production) creates its loop when its server module is imported, before
    it loads this application, and sizes that loop's pool there itself when `ASGI_THREADS` is
    set; a server that loads the application inside its running loop (uvicorn) runs that one.
    """
    daphne_server = sys.modules.get("daphne.server")
    if daphne_server is not None:
        return daphne_server.twisted_loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def chat_threads_size(loop: asyncio.AbstractEventLoop) -> None:
    """The threads that save and answer messages (`SERVER_THREADS`), as the loop's default pool.

    Sized on purpose: more threads take the GIL from the event loop that relays every event
    (32 made replies wait seconds for delivery on 2 cores); 8 keeps both busy.
    """
    loop.set_default_executor(ThreadPoolExecutor(max_workers=settings.SERVER_THREADS, thread_name_prefix="chat"))


def websocket_close_patience() -> None:
    """Under daphne: wait WEBSOCKET_CLOSE_HANDSHAKE_S for a browser to answer a closing frame.

    A socket the server refuses is accepted and closed at once with its code (4401 signed out, 4403 not
    yours, 4429 too many connections: support/sockets.py), and the browser answers the closing frame from
    its page's main thread. Autobahn, under daphne, waits 1 s for that answer, then resets the connection;
    a page still busy loading (a phone, the device model being read, a loaded CI machine) answered later,
    the reset threw away the unread close frame, and the widget saw 1006 instead of the code and tried
    again (tests/test_socket_close_codes.py, with a page held busy for 2.5 s). Daphne's command line has no
    option for it, so its WebSocket factory is given the option here, before daphne builds it.
    """
    daphne_server = sys.modules.get("daphne.server")
    if daphne_server is None:
        return  # not served by daphne (a test's in-process communicator, a management command)
    factory = daphne_server.WebSocketFactory
    if getattr(factory, "close_patience_given", False):
        return
    built = factory.__init__

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        built(self, *args, **kwargs)
        self.setProtocolOptions(closeHandshakeTimeout=settings.WEBSOCKET_CLOSE_HANDSHAKE_S)

    factory.__init__ = __init__
    factory.close_patience_given = True


def server_start(*, embedded_worker: bool) -> None:
    from support.logs import access_log_scrubbed

    access_log_scrubbed()
    websocket_close_patience()
    loop = _serving_loop()
    if loop is not None:
        chat_threads_size(loop)
    if settings.RAG_WARM_UP:
        readiness.begin()  # before anything that waits for it (the sweep) starts
    # The event loop relays every socket event but holds the GIL only briefly; worker
    # threads (routing, the database) hold it for longer. With Python's default 5 ms
    # switch interval the loop waited up to 5 ms for each turn, and under load it, not
    # the CPU, was what made replies slow.
    sys.setswitchinterval(settings.SERVER_GIL_SWITCH_INTERVAL_S)
    if embedded_worker:
        start_embedded_worker(concurrency=settings.CELERY_EMBEDDED_CONCURRENCY)
    # Finish what a process that died left unanswered, now and periodically; after the
    # embedded worker is consuming, so that a question the sweep queues finds a worker.
    from support.services.recovery import stranded_messages_sweep_start

    stranded_messages_sweep_start()
    if settings.RAG_WARM_UP:
        threading.Thread(target=rag_warm_up, kwargs={"device": True}, name="rag-warm-up", daemon=True).start()
