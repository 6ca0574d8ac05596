"""Drill: the Celery worker is killed (SIGKILL) in the middle of LLM calls, and a new one started.

Two customers are waiting on the worker when it dies: one whose reply is streaming (the
customer has seen the first words), one whose request is still waiting for the model's
first token. The task is `acks_late`, so Redis hands it to the next worker once its
visibility timeout has passed; the EscalationLog row the first delivery wrote tells the
new worker that an earlier one died, and it hands the question to staff instead of
asking the LLM again.

For each message: exactly one complete reply (here the handoff message) or one handoff,
never two replies and never none, and the customer's socket sees a consistent end: the
half-streamed reply marked failed, then the handoff.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from tests.fakes.gemini import Reply
from tests.production_stack import (
    LLM_QUESTION,
    Stack,
    connect,
    next_event,
    quiet,
    send_message,
    session_cookie,
    until,
)

# GEMINI_TOTAL_TIMEOUT_S and CELERY_REDELIVERY_MARGIN_S set the Redis visibility timeout
# (shoppe/settings.py): 2 * 2 + 8 = 12 s, still three times the longest a task may take.
# The first-token time-out is long enough that the stalled request is still waiting when the worker dies.
KILL_ENV = {"GEMINI_TOTAL_TIMEOUT_S": "2", "GEMINI_FIRST_TOKEN_TIMEOUT_S": "5", "CELERY_REDELIVERY_MARGIN_S": "8"}
VISIBILITY_TIMEOUT_S = int(2 * float(KILL_ENV["GEMINI_TOTAL_TIMEOUT_S"])
                           + float(KILL_ENV["CELERY_REDELIVERY_MARGIN_S"]))
RESTORE_SWEEP_S = 2  # how often a worker looks for tasks of dead workers (shoppe/celery.py)
MARGIN_S = 10  # a new worker's start-up and the handoff itself, on a busy 2-core machine

SLOW_ANSWER = [f"Part {n} of a long and careful answer, sent slowly. " for n in range(1, 13)]  # 12 x 0.25 s
WORKER_LOST_TEXT = "Sorry, I lost my train of thought."


class Customer:
    """One visitor's socket, and every event it received."""

    def __init__(self, ws: Any) -> None:
        self.ws, self.events, self.client_id = ws, [], str(uuid.uuid4())
        self.sent_at = 0.0

    async def send(self, text: str) -> None:
        await send_message(self.ws, text, self.client_id)
        self.sent_at = time.time()

    async def wait(self, stack: Stack, event_type: str, timeout: float) -> dict[str, Any]:
        return (await until(self.ws, lambda e: e["type"] == event_type, timeout=timeout, stack=stack,
                            seen=self.events))[-1]


@pytest.mark.timeout(150)
async def test_a_worker_killed_mid_stream_leaves_one_reply_or_one_handoff_per_message(stack: Stack) -> None:
    stack.ensure_worker(**KILL_ENV)
    stack.gemini.script(Reply.stall([], seconds=30, rest=["Too late."]),    # no first token yet
                        Reply.text(SLOW_ANSWER, delay_s=0.25))              # streaming when the worker dies
    async with connect(stack, session_cookie(stack)) as ws_a, connect(stack, session_cookie(stack)) as ws_b:
        waiting, streaming = Customer(ws_a), Customer(ws_b)
        for customer in (waiting, streaming):
            assert (await next_event(customer.ws, 15))["type"] == "history"

        await waiting.send(LLM_QUESTION)
        await waiting.wait(stack, "message.saved", timeout=15)
        await asyncio.to_thread(stack.gemini.wait_for_requests, 1, 15)
        await streaming.send(LLM_QUESTION)
        first_chunk = await streaming.wait(stack, "reply.chunk", timeout=30)

        killed_at = stack.kill_worker()
        partial_id = first_chunk["reply_id"]
        requests = stack.gemini.requests
        assert len(requests) == 2 and not requests[1].completed, "the answer finished before the worker was killed"
        stack.start_worker(**KILL_ENV)  # the supervisor restarts it at once
        restarted_at = time.time()

        bound = VISIBILITY_TIMEOUT_S + RESTORE_SWEEP_S + MARGIN_S
        handoffs = await asyncio.gather(*(c.wait(stack, "handoff", timeout=c.sent_at + bound - time.time())
                                          for c in (waiting, streaming)))
        for customer in (streaming, waiting):
            customer.events += await quiet(customer.ws, 2.0)  # nothing else follows

    waits = [round(h["_received_at"] - c.sent_at, 1) for h, c in zip(handoffs, (waiting, streaming))]
    print(f"\nworker killed {killed_at - first_chunk['_received_at']:.3f} s after the first words reached the socket; "
          f"new worker ready {restarted_at - killed_at:.1f} s later; handoff {waits[0]} s after sending (no first "
          f"token yet) and {waits[1]} s (mid-stream); bound: visibility timeout {VISIBILITY_TIMEOUT_S} s + sweep "
          f"{RESTORE_SWEEP_S} s + {MARGIN_S} s")
    assert max(waits) <= bound

    # The fake saw each request once: the new worker did not ask the LLM again.
    assert len(stack.gemini.requests) == 2, stack.gemini.requests
    assert requests[1].events_sent < len(SLOW_ANSWER) and not requests[1].completed

    # The socket of the reply that was streaming: its start, some text, failed, then one handoff reply.
    events = streaming.events
    types = [(e["type"], e.get("reply_id")) for e in events if e["type"] != "message.saved"]
    assert types[0] == ("reply.start", partial_id) and ("reply.chunk", partial_id) in types
    failed = [e for e in events if e["type"] == "reply.failed"]
    assert [e["reply_id"] for e in failed] == [partial_id], events
    assert WORKER_LOST_TEXT in failed[0]["message"]
    for customer in (streaming, waiting):
        # One handoff reply; after the handoff only the assistant's question of where to email the
        # team's reply (a visitor has no address, #15 item 11).
        ends = [e for e in customer.events if e["type"] == "reply.end" and e.get("intent") != "notify_email"]
        assert len(ends) == 1 and ends[0]["reply_id"] != partial_id and WORKER_LOST_TEXT in ends[0]["text"], \
            customer.events
        types = [e["type"] for e in customer.events]
        assert types.count("handoff") == 1, customer.events
        after = customer.events[types.index("handoff") + 1:]
        assert [e.get("intent") for e in after if e["type"] == "reply.end"] in ([], ["notify_email"]), customer.events
        assert {e["type"] for e in after} <= {"reply.start", "reply.chunk", "reply.end"}, customer.events
    # The socket of the request still waiting for its first token: no text before the handoff reply.
    handoff_reply = next(e["reply_id"] for e in waiting.events if e["type"] == "reply.end")
    email_question = {e["reply_id"] for e in waiting.events if e["type"] == "reply.end" and e.get("intent") == "notify_email"}
    assert {e["reply_id"] for e in waiting.events if e["type"].startswith("reply.")} == {handoff_reply} | email_question, \
        waiting.events

    # The database: each message saved once, exactly one complete reply, one handoff, one log row.
    for customer, partial in ((streaming, "failed"), (waiting, None)):
        rows = stack.sql("SELECT id, conversation_id, status FROM support_message WHERE client_id = %s",
                         (uuid.UUID(customer.client_id),))
        assert len(rows) == 1, rows
        message_id, conversation_id, status = rows[0]
        assert status == "answered", rows
        replies = stack.sql("SELECT status, text FROM support_message WHERE in_reply_to_id = %s ORDER BY id",
                            (message_id,))
        complete = [text for s, text in replies if s == "complete"]
        assert len(complete) == 1 and WORKER_LOST_TEXT in complete[0], replies
        assert [s for s, _ in replies] == ([partial] if partial else []) + ["complete"], replies
        assert stack.sql("SELECT outcome, handoff_reason, error_class FROM support_escalationlog WHERE message_id = %s",
                         (message_id,)) == [("handed_off", "worker_lost", "WorkerLost")]
        assert stack.sql("SELECT reason, status FROM support_handoff WHERE conversation_id = %s",
                         (conversation_id,)) == [("llm_failure", "queued")]

