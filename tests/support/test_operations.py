"""Operating the service: health checks, Prometheus metrics, structured logs without personal data."""
from __future__ import annotations

import io
import json
import logging

import pytest
from channels.db import database_sync_to_async

from support import health
from support.logs import ConversationFilter, JsonFormatter
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import connected, send, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


def test_healthz_reports_each_part_and_fails_when_one_is_down(client, monkeypatch):
    from rag.index import index_get

    index_get()
    ok = client.get("/healthz")
    body = ok.json()
    assert ok.status_code == 200 and body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "broker", "local_models"}
    assert "passages" in body["checks"]["local_models"]["status"]

    def layer_down() -> str:
        raise ConnectionError("Redis refused the connection")

    monkeypatch.setitem(health.CHECKS, "channel_layer", layer_down)
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json()["checks"]["channel_layer"]["status"].startswith("fail: ConnectionError")


async def test_metrics_count_routes_and_show_the_queue(async_client, settings):
    socket, _ = await connected(await database_sync_to_async(session_cookie_for)(None))
    await send(socket, "which payment methods do you accept?")
    await until(socket, "reply.end")
    await socket.disconnect()
    text = (await async_client.get("/metrics")).content.decode()
    routed = [line for line in text.splitlines() if line.startswith('shoppe_messages_routed_total{route="local"}')]
    assert routed and float(routed[0].split()[-1]) >= 1
    assert 'shoppe_reply_seconds_bucket{le="0.005",route="local"}' in text or 'shoppe_reply_seconds_count{route="local"}' in text
    assert "shoppe_handoffs_queued 0.0" in text
    settings.METRICS_TOKEN = "s3cret"
    assert (await async_client.get("/metrics")).status_code == 401
    assert (await async_client.get("/metrics", headers={"Authorization": "Bearer s3cret"})).status_code == 200


async def test_logs_are_json_with_the_conversation_and_no_personal_data(monkeypatch):
    from support.services import replies

    def broken(*, intent, vector, text):  # an error whose message carries what the customer typed
        raise RuntimeError(f"could not answer {text!r}")

    monkeypatch.setattr(replies, "knowledge_answer", broken)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ConversationFilter())
    logging.getLogger().addHandler(handler)
    try:
        socket, history = await connected(await database_sync_to_async(session_cookie_for)(None))
        await send(socket, "what payment methods? mail me at jane.doe@mailbox.test or +31 6 1234 5678, "
                           "card 4111 1111 1111 1111")
        await until(socket, "reply.failed")
        await socket.disconnect()
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    failure = [line for line in lines if "answering message" in line["message"]]
    assert failure and failure[0]["conversation_id"] == history["conversation_id"]
    everything = stream.getvalue()
    for secret in ["jane.doe@mailbox.test", "1234 5678", "4111 1111 1111 1111"]:
        assert secret not in everything
    assert "[EMAIL]" in everything and "[CARD]" in everything
