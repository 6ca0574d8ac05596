"""Whether this process's assistant can answer yet, and waiting until it can.

A server process serves pages as soon as it starts. Its assistant needs the help-centre
index and the router loaded and warm, which takes seconds when they are built, and on a
fresh clone a minute or more while the router trains (`shoppe.startup.rag_warm_up`). Until
then the process is *starting*: `/healthz` answers 503 `starting`, and the chat socket saves
what customers send, tells them it is getting ready, and answers each message once it is
(`support.consumers`).

A process that loads nothing up front (`RAG_WARM_UP=0`, the test process) is never
starting: its first message loads the models itself, as it always did.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Literal, TypedDict

log = logging.getLogger(__name__)

GETTING_READY = "Getting ready… Your message is saved and I'll answer it in a moment."


class ReadinessStatus(TypedDict):
    state: Literal["starting", "ready"]
    step: str  # what a starting process is doing ("training the router"); "" once ready
    seconds: float  # how long it has been starting, or how long it took


class Readiness:
    """Starting or ready, for one process; safe to read from any thread or event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settled = threading.Event()
        self._settled.set()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._step = ""
        self._began = 0.0
        self._took = 0.0

    @property
    def starting(self) -> bool:
        return not self._settled.is_set()

    def begin(self) -> None:
        """The process starts getting its assistant ready: from now on it is starting."""
        with self._lock:
            self._settled.clear()
            self._began, self._took, self._step = time.monotonic(), 0.0, "starting"

    def step(self, doing: str) -> None:
        """What the starting process is doing now, for /healthz and the log."""
        with self._lock:
            self._step = doing
        log.info("getting the assistant ready: %s", doing)

    def settle(self, *, failed: bool = False) -> None:
        """Ready (or failed to get ready): every message held for this answers now, and nothing waits any more.

        A failed start settles too, so that no customer waits in silence: each held message is
        answered or gets the failure notice (`support.services.replies`).
        """
        with self._lock:
            if self._settled.is_set():
                return
            self._took = time.monotonic() - self._began
            self._step = ""
            self._settled.set()
            waiters, self._waiters = self._waiters, []
        if not failed:
            log.info("the assistant is ready to chat, %.1f s after the server started getting it ready", self._took)
        for loop, future in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, future)
            except RuntimeError:  # that event loop is closed: nobody is waiting there any more
                pass

    def wait(self, timeout: float | None = None) -> bool:
        """Block until ready; whether it is."""
        return self._settled.wait(timeout)

    async def wait_async(self) -> None:
        """Until ready, without holding a thread: many sockets may wait during start-up."""
        if self._settled.is_set():
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._settled.is_set():
                return
            self._waiters.append((loop, future))
        await future

    def status(self) -> ReadinessStatus:
        with self._lock:
            if self._settled.is_set():
                return {"state": "ready", "step": "", "seconds": round(self._took, 1)}
            return {"state": "starting", "step": self._step, "seconds": round(time.monotonic() - self._began, 1)}


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


readiness = Readiness()
