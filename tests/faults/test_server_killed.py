"""Drill: the server is killed (SIGKILL) while it answers a customer, and started again.

A customer is never left waiting in silence: every message saved but left without an
outcome by a process that died gets exactly one (an answer, or a handoff with a message
to the customer), within `STRANDED_MESSAGE_AFTER_S + STRANDED_MESSAGE_SWEEP_S` of the
restart (support.services.recovery), never a second one later.

* Embedded mode (`make run`: SQLite, the in-memory broker and channel layer, a worker
  thread inside daphne): the escalations in flight die with the process, their task with
  them. One customer waits for the LLM's first token, another has seen the first words.
* Production mode, daphne and the worker killed together while the LLM is thinking: the
  task is still in Redis and comes back after the visibility timeout, after the sweep
  has already handed the question off; it must not answer a second time.
* Daphne killed while it answers a routine question locally, in both modes: the database
  holds the reply's INSERT (a trigger sleeps, or keeps SQLite busy, on it), so the kill
  lands there, seen from outside.
"""
from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.faults.servers import EmbeddedSite, daphne_kill, daphne_start, pg_execute
from tests.fakes.gemini import FakeGemini, Reply
from tests.production_stack import (
    LLM_QUESTION,
    ROUTINE_QUESTION,
    Stack,
    connect,
    next_event,
    quiet,
    send_message,
    session_cookie,
    until,
)

AFTER_S, SWEEP_S = 3.0, 1.0  # a short STRANDED_MESSAGE_AFTER_S and STRANDED_MESSAGE_SWEEP_S for the drills
SWEEP_ENV = {"STRANDED_MESSAGE_AFTER_S": str(AFTER_S), "STRANDED_MESSAGE_SWEEP_S": str(SWEEP_S)}
MARGIN_S = 8.0  # the sweep's own work (a local answer, a handoff) and the socket, on a busy 2-core machine
WORKER_LOST_TEXT = "Sorry, I lost my train of thought."
SLOW_ANSWER = [f"Part {n} of a long and careful answer, sent slowly. " for n in range(1, 40)]


async def wait_until(check: Callable[[], bool], *, timeout: float, what: str, logs: Callable[[], str]) -> float:
    """Poll `check` until it holds (the sockets stay served meanwhile); the time it did."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}\n{logs()}")
        await asyncio.sleep(0.1)
    return time.time()


def finished(sql: Callable[..., list[tuple[Any, ...]]], message_id: int) -> Callable[[], bool]:
    return lambda: sql("SELECT status FROM support_message WHERE id = %s", (message_id,)) == [("answered",)]


class Customer:
    """One visitor: their session, their open socket, and every event it received."""

    def __init__(self, site: Any) -> None:
        self.site, self.cookie, self.client_id = site, session_cookie(site), str(uuid.uuid4())
        self.ws: Any = None
        self.events: list[dict[str, Any]] = []
        self.message_id = 0

    async def open(self) -> dict[str, Any]:
        self.ws = await connect(self.site, self.cookie)
        history = await next_event(self.ws, 15)
        assert history["type"] == "history", history
        return history

    async def ask(self, text: str) -> None:
        await send_message(self.ws, text, self.client_id)
        saved = await self.wait(lambda e: e["type"] == "message.saved" and e["client_id"] == self.client_id, 15)
        self.message_id = saved["message_id"]

    async def wait(self, done: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
        return (await until(self.ws, done, timeout=timeout, stack=self.site, seen=self.events))[-1]

    async def drain(self, seconds: float) -> None:
        self.events += await quiet(self.ws, seconds)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def outcomes_seen(self) -> list[str]:
        """What the socket was told about this message's end: replies that ended, and handoffs."""
        return [e["type"] for e in self.events
                if e["type"] == "handoff" or (e["type"] == "reply.end" and e.get("in_reply_to") == self.message_id)]


def assert_one_outcome(sql: Callable[..., list[tuple[Any, ...]]], customer: Customer, *, history: dict[str, Any],
                       reply_text: str | None = None, partial: bool = False) -> str:
    """In the database and in a new socket's history: the message answered once, with one complete reply."""
    assert sql("SELECT status FROM support_message WHERE id = %s", (customer.message_id,)) == [("answered",)]
    replies = sql("SELECT status, text FROM support_message WHERE in_reply_to_id = %s ORDER BY id",
                  (customer.message_id,))
    assert [s for s, _ in replies] == (["failed"] if partial else []) + ["complete"], replies
    complete = replies[-1][1]
    if reply_text is not None:
        assert reply_text in complete, replies
    shown = [m for m in history["messages"] if m["in_reply_to"] == customer.message_id]
    assert [m["status"] for m in shown] == [s for s, _ in replies], history
    # Live, the socket was told at most once (it may have been closed when the outcome came: then the history tells).
    assert customer.outcomes_seen().count("reply.end") <= 1 and customer.outcomes_seen().count("handoff") <= 1, \
        customer.events
    return complete


# --- embedded mode -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini(default=Reply.text(["Fine, thank you."])) as server:
        yield server


@pytest.fixture(scope="module")
def embedded_site(tmp_path_factory: pytest.TempPathFactory, gemini: FakeGemini,
                  run_artifacts: None) -> Iterator[EmbeddedSite]:
    # A first-token time-out longer than the drill: the stalled call is still waiting when the kill lands.
    site = EmbeddedSite.prepared(tmp_path_factory.mktemp("embedded"), env={
        "GEMINI_API_KEY": "test-key", "GEMINI_BASE_URL": gemini.base_url, "GEMINI_FIRST_TOKEN_TIMEOUT_S": "60",
        "GEMINI_TOTAL_TIMEOUT_S": "90", **SWEEP_ENV})
    site.start()
    try:
        yield site
    finally:
        site.stop()


@pytest.mark.timeout(240)
async def test_embedded_server_killed_mid_escalation_each_question_gets_exactly_one_handoff(
        embedded_site: EmbeddedSite, gemini: FakeGemini) -> None:
    site = embedded_site
    gemini.reset()
    gemini.script(Reply.stall([], seconds=120, rest=["Too late."]),  # no first token yet when the kill lands
                  Reply.text(SLOW_ANSWER, delay_s=0.5))             # streaming when the kill lands
    waiting, streaming = Customer(site), Customer(site)
    for customer in (waiting, streaming):
        await customer.open()
    await waiting.ask(LLM_QUESTION)
    await asyncio.to_thread(gemini.wait_for_requests, 1, 15)
    await streaming.ask(LLM_QUESTION)
    first_chunk = await streaming.wait(lambda e: e["type"] == "reply.chunk", 30)

    killed_at = site.kill()
    requests = gemini.requests
    assert len(requests) == 2 and not requests[1].completed, "the answer finished before the kill"
    site.start()
    ready_at = time.time()

    # The customers come back; what the history shows depends on whether the sweep came first.
    for customer in (waiting, streaming):
        customer.events.clear()
        await customer.open()
    bound = max(0.0, killed_at + AFTER_S - ready_at) + SWEEP_S + MARGIN_S
    answered = [await wait_until(finished(site.sql, c.message_id), timeout=bound,
                                 what=f"message {c.message_id} to be finished", logs=site.logs)
                for c in (waiting, streaming)]
    for customer in (waiting, streaming):
        await customer.drain(2 * SWEEP_S + 1)  # a further sweep or two: nothing more comes
        await customer.close()
    print(f"\nembedded daphne killed {killed_at - first_chunk['_received_at']:.2f} s after the first words; "
          f"up again {ready_at - killed_at:.1f} s later; both questions finished "
          f"{max(answered) - killed_at:.1f} s after the kill (bound: up + {bound:.1f} s)")

    for customer, partial in ((waiting, False), (streaming, True)):
        history = await customer.open()
        await customer.close()
        assert_one_outcome(site.sql, customer, history=history, reply_text=WORKER_LOST_TEXT, partial=partial)
        conversation = site.sql("SELECT conversation_id FROM support_message WHERE id = ?", (customer.message_id,))
        assert site.sql("SELECT reason, status FROM support_handoff WHERE conversation_id = ?",
                        conversation[0]) == [("llm_failure", "queued")]
        assert site.sql("SELECT outcome, handoff_reason FROM support_escalationlog WHERE message_id = ?",
                        (customer.message_id,)) == [("handed_off", "worker_lost")]
    assert len(gemini.requests) == 2, "a question was sent to the LLM again after the restart"


# SQLite allows no sleep and no recursive query in a trigger: a triple cross join of a thousand rows (10^9 steps)
# holds the reply's INSERT instead, inside the server's write transaction, until the kill.
SQLITE_SLOW_REPLY = """
CREATE TABLE drill_numbers (n INTEGER);
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000) INSERT INTO drill_numbers SELECT n FROM c;
CREATE TRIGGER drill_slow_reply BEFORE INSERT ON support_message WHEN NEW.author = 'bot'
BEGIN SELECT count(*) FROM drill_numbers a, drill_numbers b, drill_numbers c; END;
"""
SQLITE_SLOW_REPLY_GONE = "DROP TRIGGER IF EXISTS drill_slow_reply; DROP TABLE IF EXISTS drill_numbers;"


@pytest.mark.timeout(180)
async def test_embedded_server_killed_mid_local_answer_the_question_is_answered_once(
        embedded_site: EmbeddedSite) -> None:
    site = embedded_site
    site.execute(SQLITE_SLOW_REPLY)
    try:
        customer = Customer(site)
        await customer.open()
        await customer.ask(ROUTINE_QUESTION)
        # From outside: after the message is saved, the only writer is the reply's transaction, held by the trigger.
        held_since: list[float] = []

        def reply_held() -> bool:
            if not site.writer_busy():
                held_since.clear()
                return False
            held_since.append(time.monotonic())
            return held_since[-1] - held_since[0] >= 0.5

        await wait_until(reply_held, timeout=30, what="the reply's write transaction", logs=site.logs)
        assert site.sql("SELECT count(*) FROM support_message WHERE in_reply_to_id = ?", (customer.message_id,)) \
            == [(0,)]
        killed_at = site.kill()
        await customer.close()
    finally:
        if site.daphne is not None:  # the drill failed before the kill: the trigger would hold the server for ever
            site.kill()
        site.execute(SQLITE_SLOW_REPLY_GONE)
    assert site.sql("SELECT status FROM support_message WHERE id = ?", (customer.message_id,)) == [("received",)]
    site.start()
    ready_at = time.time()

    bound = max(0.0, killed_at + AFTER_S - ready_at) + SWEEP_S + MARGIN_S
    finished_at = await wait_until(finished(site.sql, customer.message_id), timeout=bound,
                                   what="the question to be answered", logs=site.logs)
    customer.events.clear()
    history = await customer.open()
    await customer.drain(2 * SWEEP_S + 1)
    await customer.close()
    print(f"\nembedded daphne killed mid-answer; up {ready_at - killed_at:.1f} s later; answered "
          f"{finished_at - killed_at:.1f} s after the kill (bound: up + {bound:.1f} s)")
    assert_one_outcome(site.sql, customer, history=history)
    assert site.sql("SELECT route FROM support_message WHERE in_reply_to_id = ?", (customer.message_id,)) \
        == [("local",)], "answered by the local tier, as it would have been"


# --- production mode -----------------------------------------------------------------------

# The worker's first-token time-out outlasts the drill; its visibility timeout (2 x 3 + 20 = 26 s) is far longer than
# the sweep takes, so the sweep finishes the question first and the task Redis gives back must not answer again.
WORKER_ENV = {**SWEEP_ENV, "GEMINI_FIRST_TOKEN_TIMEOUT_S": "20", "GEMINI_TOTAL_TIMEOUT_S": "3",
              "CELERY_REDELIVERY_MARGIN_S": "20"}
VISIBILITY_TIMEOUT_S = 2 * 3 + 20


@pytest.fixture(scope="module")
def _swept_daphne(stack: Stack) -> Iterator[None]:
    """The stack's daphne with short sweep settings for these drills, and back to the stack's own after them."""
    daphne_kill(stack)
    daphne_start(stack, **SWEEP_ENV)
    yield
    if stack.daphne is not None and stack.daphne.poll() is None:
        daphne_kill(stack)
    daphne_start(stack)


@pytest.fixture
def swept_stack(stack: Stack, _swept_daphne: None) -> Stack:
    if stack.daphne is None or stack.daphne.poll() is not None:  # a drill before failed between kill and start
        daphne_start(stack, **SWEEP_ENV)
    return stack


def _task_deliveries(log: Path) -> list[str]:
    return re.findall(r"Task support\.tasks\.escalation_answer\[([0-9a-f-]+)\] received", log.read_text(errors="replace"))


@pytest.mark.timeout(240)
async def test_production_server_and_worker_killed_mid_escalation_one_handoff_and_the_redelivered_task_stays_quiet(
        swept_stack: Stack) -> None:
    stack = swept_stack
    stack.ensure_worker(**WORKER_ENV)
    stack.gemini.script(Reply.stall([], seconds=120, rest=["Too late."]))
    customer = Customer(stack)
    await customer.open()
    await customer.ask(LLM_QUESTION)
    await asyncio.to_thread(stack.gemini.wait_for_requests, 1, 15)
    delivered_at = time.time()
    task_id = _task_deliveries(stack.worker_log)[-1]

    killed_at = daphne_kill(stack)  # the whole machine, as it were: daphne and the worker at once
    stack.kill_worker()
    await customer.close()
    daphne_start(stack, **SWEEP_ENV)
    ready_at = time.time()
    stack.start_worker(wait=False, **WORKER_ENV)

    bound = max(0.0, killed_at + AFTER_S - ready_at) + SWEEP_S + MARGIN_S
    finished_at = await wait_until(finished(stack.sql, customer.message_id), timeout=bound,
                                   what="the question to be finished", logs=stack.logs)
    assert finished_at < delivered_at + VISIBILITY_TIMEOUT_S, "finished by the redelivery, not the sweep"
    # Redis gives the task back after its visibility timeout; the new worker takes it and does nothing.
    await asyncio.to_thread(stack.wait_worker_ready)
    await wait_until(lambda: task_id in _task_deliveries(stack.worker_log) and not stack.tasks_in_flight(),
               timeout=delivered_at + VISIBILITY_TIMEOUT_S + 10 - time.time(), what="the task to be redelivered",
               logs=stack.logs)
    customer.events.clear()
    history = await customer.open()
    await customer.drain(2 * SWEEP_S + 1)
    await customer.close()
    print(f"\nproduction daphne and worker killed; daphne up {ready_at - killed_at:.1f} s later; question finished "
          f"{finished_at - killed_at:.1f} s after the kill (bound: up + {bound:.1f} s); the task came back "
          f"{time.time() - delivered_at:.0f} s after its first delivery and stayed quiet")

    assert_one_outcome(stack.sql, customer, history=history, reply_text=WORKER_LOST_TEXT)
    assert stack.sql("SELECT outcome, handoff_reason FROM support_escalationlog WHERE message_id = %s",
                     (customer.message_id,)) == [("handed_off", "worker_lost")]
    assert stack.sql("SELECT h.reason FROM support_handoff h JOIN support_message m "
                     "ON m.conversation_id = h.conversation_id WHERE m.id = %s", (customer.message_id,)) \
        == [("llm_failure",)]
    assert len(stack.gemini.requests) == 1, "the question was sent to the LLM again"


# The database stalls on the assistant's reply (never on the customer's own message).
SLOW_REPLY_INSERT = [
    "CREATE OR REPLACE FUNCTION drill_slow_reply() RETURNS trigger AS $$ "
    "BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER drill_slow_reply BEFORE INSERT ON support_message "
    "FOR EACH ROW WHEN (NEW.author = 'bot') EXECUTE FUNCTION drill_slow_reply()",
]
IN_REPLY_INSERT = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                   "AND state = 'active' AND query LIKE 'INSERT%%'")


@pytest.mark.timeout(180)
async def test_production_server_killed_mid_local_answer_the_question_is_answered_once(swept_stack: Stack) -> None:
    stack = swept_stack
    for statement in SLOW_REPLY_INSERT:
        pg_execute(stack, statement)
    try:
        customer = Customer(stack)
        await customer.open()
        await customer.ask(ROUTINE_QUESTION)
        # From outside: daphne's connection is inside the reply's INSERT, held by the trigger.
        await wait_until(lambda: bool(stack.sql(IN_REPLY_INSERT)), timeout=15, what="the reply's INSERT",
                         logs=stack.logs)
        killed_at = daphne_kill(stack)
        await customer.close()
        # PostgreSQL notices a dead client only when it next talks to it: end its session, as the
        # server's `client_connection_check_interval` or TCP keepalives would.
        for (pid,) in stack.sql(IN_REPLY_INSERT):
            stack.sql("SELECT pg_terminate_backend(%s)", (pid,))
    finally:
        pg_execute(stack, "DROP TRIGGER IF EXISTS drill_slow_reply ON support_message")
        pg_execute(stack, "DROP FUNCTION IF EXISTS drill_slow_reply()")
    assert stack.sql("SELECT status FROM support_message WHERE id = %s", (customer.message_id,)) == [("received",)]
    daphne_start(stack, **SWEEP_ENV)
    ready_at = time.time()

    bound = max(0.0, killed_at + AFTER_S - ready_at) + SWEEP_S + MARGIN_S
    finished_at = await wait_until(finished(stack.sql, customer.message_id), timeout=bound,
                                   what="the question to be answered", logs=stack.logs)
    customer.events.clear()
    history = await customer.open()
    await customer.drain(2 * SWEEP_S + 1)
    await customer.close()
    print(f"\nproduction daphne killed mid-answer; up {ready_at - killed_at:.1f} s later; answered "
          f"{finished_at - killed_at:.1f} s after the kill (bound: up + {bound:.1f} s)")
    assert_one_outcome(stack.sql, customer, history=history)
    assert stack.sql("SELECT route FROM support_message WHERE in_reply_to_id = %s", (customer.message_id,)) \
        == [("local",)], "answered by the local tier, as it would have been"
