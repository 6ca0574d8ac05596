"""#14 item 5: `make run` serves at once, says when it can answer, and answers what was asked meanwhile.

The real `make run` (the venv is already installed, so its install step is skipped with
`make -o .venv/.installed`) on a data dir of its own, with the embedded defaults. A thread
polls `/healthz` from the moment make starts; a visitor opens the chat as soon as a page is
served and asks a routine question. Printed: seconds from `make run` to the first page, to
`/healthz` 200 and to the answer.

Two start-ups: a fresh, empty data dir (the index is built and the router trained while the
site serves), and one whose router and index are already built (every later `make run`).
The ONNX export of the encoder is shared with the test run (SHOPPE_MODEL_DIR), as it is
between runs of a clone.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser import Tab, _server_env
from tests.production_stack import REPO, seed_local_models
from tools.processes import free_port

QUESTION = "Which payment methods do you accept?"
READY_WITHIN_S = 30.0  # a newcomer is chatting within 30 s of `make run` (router and index already built)


@dataclass
class StartUp:
    """One `make run`, watched from outside: every /healthz answer and when things happened."""

    data_dir: Path
    port: int
    began: float = 0.0
    proc: subprocess.Popen[bytes] | None = None
    health: list[tuple[float, int, dict]] = field(default_factory=list)  # (seconds, status, body)
    page_at: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / "make-run.log"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def start(self, env: dict[str, str]) -> None:
        self.began = time.monotonic()
        with open(self.log, "wb") as out:
            # A session of its own: stopping it stops make and the daphne it runs, nothing else.
            self.proc = subprocess.Popen(["make", "-o", ".venv/.installed", "run", f"PORT={self.port}"],
                                         cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        threading.Thread(target=self._watch, daemon=True).start()

    def seconds(self) -> float:
        return time.monotonic() - self.began

    def _watch(self) -> None:
        while not self._stop.is_set():
            status, body = _get(self.base + "/healthz")
            if status:
                self.health.append((self.seconds(), status, body))
            if self.page_at is None and _get(self.base + "/")[0] == 200:
                self.page_at = self.seconds()
            if status == 200 and self.page_at is not None:
                return
            time.sleep(0.1)

    @property
    def ready_at(self) -> float | None:
        return next((t for t, status, _ in self.health if status == 200), None)

    def wait(self, what: str, check, timeout: float) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not check():
            assert self.proc is not None
            if self.proc.poll() is not None:
                pytest.fail(f"make run exited with {self.proc.returncode} before {what}:\n{self.output()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {timeout:.0f} s:\n{self.output()[-4000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def replies_to(self, message_id: int) -> list[str]:
        with sqlite3.connect(self.data_dir / "db.sqlite3", timeout=10) as db:
            return [row[0] for row in db.execute(
                "SELECT status FROM support_message WHERE in_reply_to_id = ? ORDER BY id", (message_id,))]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read()
            return response.status, _json(body)
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())
    except OSError:
        return 0, {}


def _json(body: bytes) -> dict:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@dataclass
class Visit:
    getting_ready: bool = False  # the widget was told the assistant is getting ready
    told_ready_at: float | None = None
    saved_at: float | None = None
    answered_at: float | None = None
    message_id: int | None = None
    answer: dict = field(default_factory=dict)


async def _visitor_asks(start: StartUp, timeout: float) -> Visit:
    """A visitor opens the chat (no sign-in) and asks; every event until the answer."""
    import websockets

    visit = Visit()
    url = start.base.replace("http://", "ws://") + "/ws/chat/"
    async with websockets.connect(url, origin=start.base, open_timeout=10) as ws:
        async def next_event() -> dict:
            return json.loads(await asyncio.wait_for(ws.recv(), timeout))

        assert (await next_event())["type"] == "history"
        await ws.send(json.dumps({"type": "customer.message", "text": QUESTION, "client_id": str(uuid.uuid4())}))
        while visit.answered_at is None:
            event = await next_event()
            if event["type"] == "assistant.status":
                visit.getting_ready = visit.getting_ready or not event["ready"]
                if event["ready"]:
                    visit.told_ready_at = start.seconds()
            elif event["type"] == "message.saved":
                visit.saved_at, visit.message_id = start.seconds(), event["message_id"]
            elif event["type"] in ("reply.end", "reply.failed"):
                visit.answered_at, visit.answer = start.seconds(), event
    return visit


def _browser_asks(tab: Tab, folder: Path) -> None:
    """While the server starts: the widget says it is getting ready, and keeps what is asked."""
    from playwright.sync_api import expect

    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    expect(page.locator(".chat-status")).to_have_text("Getting ready…")
    page.locator("#chat-input").fill("How long does delivery take?")
    page.keyboard.press("Enter")
    mine = page.locator("li.chat-customer")
    expect(mine).to_have_count(1)
    expect(mine).not_to_have_class(re.compile(r"\bis-pending\b"))  # saved by the server
    expect(page.locator("p.chat-typing")).to_contain_text("Getting ready")
    tab.shot(folder, "start-up-1-getting-ready")


def _browser_answered(tab: Tab, folder: Path) -> None:
    from playwright.sync_api import expect

    page = tab.page
    reply = page.locator("li.chat-bot[data-route]").last
    expect(reply).to_be_visible(timeout=30_000)
    expect(reply.locator(".chat-text")).to_contain_text("deliver")
    expect(page.locator(".chat-status")).not_to_have_text("Getting ready…")
    tab.shot(folder, "start-up-2-answered")
    assert not tab.errors, tab.errors
    assert not tab.csp_violations, tab.csp_violations


def _run(data_dir: Path, *, timeout: float, browser=None,  # type: ignore[no-untyped-def]
         screenshots: Path | None = None) -> tuple[StartUp, Visit]:
    start = StartUp(data_dir=data_dir, port=free_port())
    env = _server_env(data_dir)
    env.pop("RAG_WARM_UP", None)
    env.pop("STRANDED_MESSAGE_SWEEP_S", None)
    tab = None
    try:
        start.start(env)
        start.wait("page", lambda: start.page_at is not None, timeout)
        if browser is not None:
            tab = Tab(browser, start.base)
            _browser_asks(tab, screenshots)  # type: ignore[arg-type]
        # On a thread of its own: Playwright's sync API keeps an event loop on this one.
        with ThreadPoolExecutor(1) as visitor:
            visit = visitor.submit(asyncio.run, _visitor_asks(start, timeout)).result()
        start.wait("/healthz 200", lambda: start.ready_at is not None, timeout)
        if tab is not None:
            _browser_answered(tab, screenshots)  # type: ignore[arg-type]
        time.sleep(1.0)  # long enough for a second answer to show up, if there were one
        replies = start.replies_to(visit.message_id)  # type: ignore[arg-type]
    finally:
        if tab is not None:
            tab.context.close()
        start.stop()
    print(f"\n{data_dir.name}: first page {start.page_at:.1f} s, message saved {visit.saved_at:.1f} s, "
          f"/healthz 200 {start.ready_at:.1f} s, answered {visit.answered_at:.1f} s after `make run`")
    assert replies == ["complete"], (replies, start.output()[-3000:])
    assert visit.answer["type"] == "reply.end" and "PayPal" in visit.answer["text"], visit.answer
    assert "left without an outcome" not in start.output(), "the sweep took a message this process held"
    return start, visit


# About 90 s on an idle 2-core machine (both routers are trained); the limits leave room for a busy one
# (the router trained in 452 s here with the load average at 10). It runs with SHOPPE_SLOW_TESTS=1
# (`make test-slow`): in `make test` it would take the suite past its 20-minute budget; the readiness
# itself (pages at once, 503 "starting", messages held and answered once) is in tests/shoppe/test_readiness.py
# and in the test below, which starts from trained artifacts.
@pytest.mark.skipif(os.environ.get("SHOPPE_SLOW_TESTS") != "1", reason="slow: a fresh clone's start-up trains both "
                    "routers (about 90 s); run with SHOPPE_SLOW_TESTS=1 (make test-slow)")
@pytest.mark.timeout(660)
def test_a_fresh_make_run_serves_at_once_says_starting_and_answers_what_was_asked_meanwhile(
        tmp_path: Path, browser, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "fresh-clone"
    data_dir.mkdir()
    start, visit = _run(data_dir, timeout=600, browser=browser, screenshots=screenshots)

    # pages are served while the router trains
    starting = [(t, body) for t, status, body in start.health if status == 503]
    assert starting and starting[0][1] == {"status": "starting"}, start.health[:3]
    assert start.page_at is not None and start.ready_at is not None and start.page_at < starting[-1][0]
    # the question was asked while it started: saved at once, told to wait, answered once ready
    assert visit.getting_ready and visit.saved_at is not None and visit.saved_at < starting[-1][0]
    assert visit.answered_at is not None and visit.answered_at > starting[-1][0]
    assert visit.told_ready_at is not None
    # and /healthz never went back to starting once ready
    assert all(status == 200 for t, status, _ in start.health if t >= start.ready_at)


@pytest.mark.timeout(180)
def test_a_make_run_with_the_router_already_trained_is_ready_to_chat_within_30_s(
        tmp_path: Path, run_artifacts: None) -> None:
    data_dir = tmp_path / "trained"
    data_dir.mkdir()
    seed_local_models(data_dir)  # the router and index a previous run built
    router = data_dir / "router"
    assert router.is_dir() and any(router.iterdir()), "no trained router to start from"
    trained = {f.name: f.stat().st_mtime_ns for f in router.iterdir()}
    start, visit = _run(data_dir, timeout=120)

    assert start.ready_at is not None and start.ready_at <= READY_WITHIN_S, start.ready_at
    assert visit.answered_at is not None and visit.answered_at <= READY_WITHIN_S + 5, visit.answered_at
    assert {f.name: f.stat().st_mtime_ns for f in router.iterdir()} == trained, "the router was trained again"
