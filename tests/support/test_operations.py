"""Operating the service: health checks, Prometheus metrics, structured logs without personal data."""
from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from channels.db import database_sync_to_async

from support import health
from support.logs import ConversationFilter, JsonFormatter
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import connected, send, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


def test_healthz_reports_each_part_and_fails_when_one_is_down(client, monkeypatch, settings):
    from rag.index import index_get

    index_get()
    # The details are for the token's holder and staff (#13 item 12); see the tests below.
    settings.METRICS_TOKEN = "s3cret"
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer s3cret"
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
    settings.METRICS_TOKEN = ""  # the embedded default: open to this machine (the test client is 127.0.0.1)
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


# --- who sees what (#13 item 12) ---------------------------------------------------------------------------

OUTSIDE = "203.0.113.9"  # a caller on another machine (TEST-NET-3)


def _layer_down() -> str:
    raise ConnectionError("Redis refused the connection at redis://:hunter2@10.0.0.5:6379")


def test_anonymous_callers_learn_only_up_or_down(client, monkeypatch, settings):
    from rag.index import index_get

    index_get()
    settings.METRICS_TOKEN = "s3cret"
    up = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert up.status_code == 200 and up.json() == {"status": "ok"}
    monkeypatch.setitem(health.CHECKS, "channel_layer", _layer_down)
    down = client.get("/healthz", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer wrong")
    assert down.status_code == 503 and down.json() == {"status": "unavailable"}
    assert b"hunter2" not in down.content and b"Redis" not in down.content


def test_staff_and_the_token_get_the_details(client, monkeypatch, settings):
    from django.contrib.auth.models import User

    settings.METRICS_TOKEN = "s3cret"
    monkeypatch.setitem(health.CHECKS, "channel_layer", _layer_down)
    with_token = client.get("/healthz", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer s3cret")
    assert with_token.status_code == 503
    assert with_token.json()["checks"]["channel_layer"]["status"].startswith("fail: ConnectionError")
    client.force_login(User.objects.create_user("olivia", "olivia@example-shoppe.test", "pw", is_staff=True))
    as_staff = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert as_staff.status_code == 503 and set(as_staff.json()["checks"]) == set(health.CHECKS)


def test_a_customer_session_gets_no_details(client, settings, make_customer):
    settings.METRICS_TOKEN = "s3cret"
    client.force_login(make_customer())
    assert "checks" not in client.get("/healthz", REMOTE_ADDR=OUTSIDE).json()


def test_metrics_without_a_token_are_for_this_machine_and_staff_only(client, settings):
    from django.contrib.auth.models import User

    settings.METRICS_TOKEN = ""  # embedded mode: production refuses to start without one
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR=OUTSIDE)
    assert refused.status_code == 403 and b"shoppe_" not in refused.content
    client.force_login(User.objects.create_user("olivia", "olivia@example-shoppe.test", "pw", is_staff=True))
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 200


def test_metrics_with_a_token_need_it_whoever_asks(client, settings):
    from django.contrib.auth.models import User

    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cre").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="s3cret").status_code == 401
    client.force_login(User.objects.create_user("olivia", "olivia@example-shoppe.test", "pw", is_staff=True))
    assert client.get("/metrics").status_code == 401
    scraped = client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer s3cret")
    assert scraped.status_code == 200 and b"shoppe_messages_routed_total" in scraped.content


async def test_logs_are_json_with_the_conversation_and_no_personal_data(monkeypatch):
    from support.services import replies

    def broken(*, intent, vector, text, language="en", meaning=None):  # an error whose message carries what the customer typed
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


def test_plain_logs_are_scrubbed_too():
    # LOG_FORMAT=plain (for a terminal) once printed messages and tracebacks as they were.
    from django.conf import settings

    from support.logs import PlainFormatter

    formatter = PlainFormatter(settings.LOGGING["formatters"]["plain"]["format"])
    try:
        raise ValueError("no order for jane.doe@mailbox.test")
    except ValueError:
        record = logging.LogRecord("support", logging.ERROR, __file__, 1, "GET %s",
                                   ("/help/?q=jane%40mailbox.test+4111111111111111",), exc_info=sys.exc_info())
    record.conversation_id = ""
    line = formatter.format(record)
    assert "jane" not in line and "4111111111111111" not in line
    assert "[EMAIL]" in line and "[CARD]" in line
