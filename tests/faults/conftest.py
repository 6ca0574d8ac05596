"""One production stack for all the fault drills: its own PostgreSQL database, a private
`redis-server` (which the drills may kill and restart), a Celery worker (which they may
kill and replace) and daphne, with a fake LLM server per provider (Gemini's, and an
OpenAI-compatible one) whose answers each drill scripts.

The LLM settings are small, so that failures end within seconds; each drill states the
bounds it checks against them. The drills are the slow tier (`make test-slow`).
"""
from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

from tests.conftest import service_missing, slow
from tests.fakes.gemini import Reply
from tests.production_stack import (
    LLM_ANSWER,
    LLM_QUESTION,
    RedisServer,
    Stack,
    ask,
    connect,
    free_port,
    next_event,
    production_stack,
    require_postgres,
    session_cookie,
)

# Every process of the stack (daphne and the first worker) gets these. Under the GEMINI_* names
# deployments used before LLM_PROVIDER (still read, for every provider, where no LLM_* name is set),
# so that the drills that start a worker with other GEMINI_* values override them.
LLM_ENV = {
    "GEMINI_FIRST_TOKEN_TIMEOUT_S": "1.0",
    "GEMINI_MAX_RETRIES": "2",
    "GEMINI_RETRY_BASE_S": "0.25",
    "GEMINI_RETRY_MAX_S": "0.5",
    "GEMINI_TOTAL_TIMEOUT_S": "4",
}


@pytest.fixture(scope="package")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Not the machine's shared Redis: this one is killed and restarted by the drills."""
    require_postgres()
    if not RedisServer.available():
        service_missing("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(port=free_port(), log_path=tmp_path_factory.mktemp("redis") / "redis.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer, run_artifacts: None) -> Iterator[Stack]:
    with production_stack(tmp_path_factory.mktemp("faults"), redis_url=redis_server.url(0), db_prefix="shoppe_faults",
                          llm_default=Reply.text(LLM_ANSWER, delay_s=0.02), env=LLM_ENV) as stack:
        asyncio.run(_warm_up(stack))
        yield stack


async def _warm_up(stack: Stack) -> None:
    """One escalation end to end first, so that no drill's clock includes a process's first-call costs."""
    async with connect(stack, session_cookie(stack)) as ws:
        assert (await next_event(ws, 15))["type"] == "history"
        await ask(ws, LLM_QUESTION, stack)
    for fake in stack.llm_fakes.values():
        fake.reset()


def warm_worker_for(stack: Stack, provider: str) -> None:
    """A worker escalating to `provider`'s fake, warmed up by one escalation if it is a new one."""
    before = stack.worker
    stack.ensure_worker(**stack.provider_env(provider))
    if stack.worker is not before:
        asyncio.run(_warm_up(stack))


@pytest.fixture(autouse=True)
def _fresh_fake(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each drill scripts the fake itself; what one left behind never reaches the next."""
    yield
    if "stack" in request.fixturenames:
        stack: Stack = request.getfixturevalue("stack")
        for fake in stack.llm_fakes.values():
            fake.reset()
            fake.default = Reply.text(LLM_ANSWER, delay_s=0.02)


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    """Every fault drill is in the slow tier: together they take about four minutes."""
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(slow)
