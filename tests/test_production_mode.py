"""End to end in production mode: PostgreSQL, Redis, a real Celery worker and daphne.

The servers run as separate processes configured only by environment variables, the
way they are deployed. A message the router escalates (route `llm`) is answered by the
Celery worker process and must reach the customer's socket in the daphne process
through the Redis channel layer; a routine one is answered by daphne itself. The
streamed LLM answer is checked for each provider (Gemini, and an OpenAI-compatible
server the shop hosts), switched by the worker's environment alone.
"""
from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid

import pytest

from tests.conftest import service_missing
from tests.fakes.gemini import Reply
from tests.fakes.llm import MODELS, PROVIDERS
from tests.production_stack import (
    LLM_ANSWER,
    LLM_QUESTION,
    METRICS_TOKEN,
    ROUTINE_QUESTION,
    Stack,
    ask,
    assert_saved_once_with_one_reply,
    connect,
    next_event,
    production_stack,
    quiet,
    require_postgres,
    require_redis,
    send_message,
    session_cookie,
    until,
)

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13
PERSONAL = " You can reach me at jan.devries@mailbox.test or +31 6 1234 5678."


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, run_artifacts: None):  # type: ignore[no-untyped-def]
    require_postgres()
    require_redis(REDIS_HOST, REDIS_PORT)
    import redis

    redis_client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    try:
        redis_client.flushdb()
    except redis.RedisError as exc:
        service_missing(f"Redis on {REDIS_HOST}:{REDIS_PORT} not usable: {exc}")
    try:
        with production_stack(
            tmp_path_factory.mktemp("production"), redis_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            llm_default=Reply.text(LLM_ANSWER, prompt_tokens=1200, output_tokens=60, delay_s=0.02),
        ) as stack:
            yield stack
    finally:
        redis_client.flushdb()
        redis_client.close()


@pytest.mark.timeout(240)
async def test_llm_reply_from_worker_and_local_reply_from_daphne(stack: Stack) -> None:
    cookie = session_cookie(stack)
    llm_client_id, local_client_id = str(uuid.uuid4()), str(uuid.uuid4())
    async with connect(stack, cookie) as ws:
        history = await next_event(ws, 15)
        assert history["type"] == "history" and history["messages"] == []

        llm_id, llm_end, _ = await ask(ws, LLM_QUESTION, stack, llm_client_id)
        assert llm_end["route"] == "llm", f"{llm_end}\n{stack.logs()}"

        local_id, local_end, _ = await ask(ws, ROUTINE_QUESTION, stack, local_client_id)
        assert local_end["route"] == "local", local_end
        assert local_end["text"]

    # The escalated reply was produced by the worker process, not by daphne.
    # The worker logs in the project's JSON lines (#13 item 5), not Celery's own format.
    task_lines = [json.loads(line)["message"] for line in stack.worker_log.read_text(errors="replace").splitlines()
                  if line.startswith("{") and "Task support.tasks.escalation_answer[" in line]
    assert any(line.rstrip().endswith("received") for line in task_lines), stack.logs()
    assert any(" succeeded in " in line for line in task_lines), stack.logs()

    assert assert_saved_once_with_one_reply(stack, llm_client_id, LLM_QUESTION) == llm_id
    assert assert_saved_once_with_one_reply(stack, local_client_id, ROUTINE_QUESTION) == local_id
    routes = dict(stack.sql("SELECT id, route FROM support_message WHERE id IN (%s, %s)", (llm_id, local_id)))
    assert routes == {llm_id: "llm", local_id: "local"}


@pytest.mark.timeout(240)
async def test_healthz_answers_while_a_customer_is_chatting(stack: Stack) -> None:
    """The health check's channel-layer probe is read while a chat socket waits on the same process's layer.

    It used a channel of its own kind ("healthz."), which channels_redis reads only under the process's one receive
    lock; an open chat socket holds that lock reading the process's own channel, so /healthz hung for as long as
    anyone chatted, and a load balancer would take every process with customers out of service."""
    def healthz() -> tuple[int, dict]:
        request = urllib.request.Request(stack.base_url + "/healthz", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())

    cookie = session_cookie(stack)
    async with connect(stack, cookie) as ws:
        assert (await next_event(ws, 15))["type"] == "history"
        for _ in range(2):
            status, body = await asyncio.to_thread(healthz)
            assert status == 200 and body["checks"]["channel_layer"]["status"] == "ok", body
        # and the socket still works
        _, end, _ = await ask(ws, ROUTINE_QUESTION, stack, str(uuid.uuid4()))
        assert end["route"] == "local"


@pytest.mark.timeout(240)
async def test_history_survives_reconnect_and_resend_is_idempotent(stack: Stack) -> None:
    cookie = session_cookie(stack)
    client_id = str(uuid.uuid4())
    async with connect(stack, cookie) as ws:
        assert (await next_event(ws, 15))["type"] == "history"
        message_id, end, _ = await ask(ws, ROUTINE_QUESTION, stack, client_id)
        conversation_rows = stack.sql("SELECT conversation_id FROM support_message WHERE id = %s", (message_id,))

    async with connect(stack, cookie) as ws:
        history = await next_event(ws, 15)
        assert history["type"] == "history"
        assert history["conversation_id"] == str(conversation_rows[0][0])
        items = history["messages"]
        assert [(m["id"], m["author"], m["client_id"]) for m in items] == [
            (message_id, "customer", client_id), (end["reply_id"], "bot", None),
        ]
        assert items[0]["text"] == ROUTINE_QUESTION and items[1]["text"] == end["text"]
        assert items[1]["status"] == "complete" and items[1]["in_reply_to"] == message_id

        # The widget resends after a reconnect: recognised, not saved or answered again.
        await send_message(ws, ROUTINE_QUESTION, client_id)
        events = await until(ws, lambda e: e["type"] in ("message.saved", "error"), timeout=15, stack=stack)
        assert events[-1]["type"] == "message.saved", events
        assert events[-1]["message_id"] == message_id and events[-1]["client_id"] == client_id
        extra = await quiet(ws, 1.5)
        assert not [e for e in extra if e["type"].startswith("reply.")], extra

    assert_saved_once_with_one_reply(stack, client_id, ROUTINE_QUESTION)
    count = stack.sql("SELECT count(*) FROM support_message WHERE conversation_id = %s", (conversation_rows[0][0],))
    assert count == [(2,)]


@pytest.mark.timeout(240)
async def test_a_nul_character_in_a_message_is_dropped_not_a_save_that_fails_for_ever(stack: Stack) -> None:
    """PostgreSQL cannot store NUL in text: the message failed to save ("Retrying…") and the widget resent it for
    ever. SQLite stores it, so only this stack shows it."""
    client_id = str(uuid.uuid4())
    async with connect(stack, session_cookie(stack)) as ws:
        assert (await next_event(ws, 15))["type"] == "history"
        await send_message(ws, "where is my\u0000 order?", client_id)
        events = await until(ws, lambda e: e["type"] in ("message.saved", "error"), timeout=15, stack=stack)
        assert events[-1]["type"] == "message.saved", events
    saved = stack.sql("SELECT text FROM support_message WHERE client_id = %s", (uuid.UUID(client_id),))
    assert saved == [("where is my order?",)]


@pytest.fixture(params=PROVIDERS)
def provider(request: pytest.FixtureRequest, stack: Stack) -> str:
    """The worker escalating to this provider's fake: LLM_PROVIDER and its server in the worker's environment."""
    stack.ensure_worker(**stack.provider_env(request.param))
    stack.llm_fakes[request.param].reset()
    return request.param


@pytest.mark.timeout(240)
async def test_an_llm_answer_streams_from_the_worker_through_redis_and_the_hop_is_cheap(stack: Stack,
                                                                                       provider: str) -> None:
    """The Celery hop: enqueue to first chunk at the socket, minus the LLM's own time to first token."""
    fake = stack.llm_fakes[provider]
    cookie = session_cookie(stack)
    first_chunk_at: dict[int, float] = {}
    async with connect(stack, cookie) as ws:
        assert (await next_event(ws, 15))["type"] == "history"
        for _ in range(20):
            message_id, end, events = await ask(ws, LLM_QUESTION, stack)
            assert end["route"] == "llm" and end["text"] == "".join(LLM_ANSWER), f"{end}\n{stack.logs()}"
            assert sum(e["type"] == "reply.chunk" for e in events) >= 2
            first_chunk_at[message_id] = next(e["_received_at"] for e in events if e["type"] == "reply.chunk")
        await ask(ws, LLM_QUESTION + PERSONAL, stack)  # still a question for the LLM with contact details added
    rows = stack.sql(
        "SELECT message_id, extract(epoch from enqueued_at), first_token_ms, outcome, input_tokens, output_tokens, "
        "cost_eur, provider, model FROM support_escalationlog WHERE message_id = ANY(%s)", (list(first_chunk_at),))
    assert len(rows) == 20 and {r[3] for r in rows} == {"answered"}
    assert {(r[7], r[8]) for r in rows} == {(provider, MODELS[provider])} and len(fake.requests) == 21
    assert {(r[4], r[5]) for r in rows} == {(1200, 60)}
    overheads = sorted((first_chunk_at[r[0]] - float(r[1])) * 1000 - r[2] for r in rows)
    p50, p95 = overheads[len(overheads) // 2], overheads[int(len(overheads) * 0.95) - 1]
    parts = stack.sql("SELECT message_id, queue_ms, first_token_ms, first_chunk_sent_ms, extract(epoch from enqueued_at) "
                      "FROM support_escalationlog WHERE message_id = ANY(%s) ORDER BY queue_ms", (list(first_chunk_at),))
    print("\nqueue ms, time to first token ms, first chunk sent ms, socket delivery ms:",
          [(round(q, 1), round(t, 1), round(f, 1), round((first_chunk_at[m] - float(e)) * 1000 - f, 1))
           for m, q, t, f, e in parts][:10])
    print(f"\n{provider}: Celery hop overhead with Redis (enqueue to first chunk at the socket, minus time to first "
          f"token): p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(overheads)} escalations")
    assert p50 <= 150, overheads  # a sanity bound; the figure itself is reported
    # nothing personal or secret went to the model
    assert all(r.api_key == "test-key" and r.stream for r in fake.requests)
    assert "[EMAIL_1]" in fake.requests[-1].body_text and "[PHONE_1]" in fake.requests[-1].body_text
    assert not [r for r in fake.requests for secret in ("jan.devries@mailbox.test", "1234 5678")
                if secret in r.body_text]
