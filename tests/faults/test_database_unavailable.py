"""Drill: PostgreSQL refuses the chat for a moment.

The database stops accepting connections and every open one is cut (as in a
failover or a restart). A customer who sends a message then gets an `error` event
with `retry_after_ms` instead of a lost message; resending it with the same
client_id, as the widget does after that delay, saves it once and answers it once.
"""
from __future__ import annotations

import asyncio
import time
import uuid

import psycopg

from tests.production_stack import (
    ROUTINE_QUESTION,
    Stack,
    assert_saved_once_with_one_reply,
    connect,
    next_event,
    send_message,
    session_cookie,
    until,
)

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _database_reachable(dbname: str, reachable: bool) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS {"true" if reachable else "false"}')
        if not reachable:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (dbname,))


async def test_a_message_sent_while_the_database_is_down_is_resent_and_answered_once(stack: Stack) -> None:
    cookie = session_cookie(stack)
    async with connect(stack, cookie) as ws:
        assert (await next_event(ws, 15))["type"] == "history"
        client_id = str(uuid.uuid4())
        # given the database goes away
        _database_reachable(stack.dbname, False)
        try:
            await send_message(ws, ROUTINE_QUESTION, client_id)
            # then the customer is told it was not saved, and when to try again
            events = await until(ws, lambda e: e["type"] in ("error", "message.saved"), timeout=20, stack=stack)
            error = events[-1]
            assert error["type"] == "error" and error["code"] == "unavailable", events
            assert error["client_id"] == client_id and error["retry_after_ms"] > 0
        finally:
            # when the database is back
            _database_reachable(stack.dbname, True)
        down_at = time.monotonic()
        # the widget resends after retry_after_ms, with the same client_id (twice, as a flaky network might)
        for _ in range(20):
            await send_message(ws, ROUTINE_QUESTION, client_id)
            events = await until(ws, lambda e: e["type"] in ("error", "message.saved"), timeout=20, stack=stack)
            if events[-1]["type"] == "message.saved":
                break
            await asyncio.sleep(error["retry_after_ms"] / 1000)
        else:
            raise AssertionError(f"still not saved after the database came back: {events}")
        await until(ws, lambda e: e["type"] == "reply.end", timeout=20, stack=stack)
        await send_message(ws, ROUTINE_QUESTION, client_id)
        again = await until(ws, lambda e: e["type"] == "message.saved", timeout=20, stack=stack)
        print(f"\ndatabase back -> message saved and answered in {time.monotonic() - down_at:.2f} s")
    # and nothing is lost or doubled
    assert again[-1]["client_id"] == client_id
    assert_saved_once_with_one_reply(stack, client_id, ROUTINE_QUESTION)
