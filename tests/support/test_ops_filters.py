"""The ops filters (dashboard, escalation log, CSV): a value the pages can't use is refused with a 400 that says why.

Dates far outside the shop's life (year 1, year 9999) once overflowed inside the query,
and inside the CSV's streaming response, where daphne could no longer report it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.http import StreamingHttpResponse
from django.urls import reverse

from support.models import Conversation, Message
from support.ops import escalations as log_views
from tests.support.test_human_tier import staff

pytestmark = pytest.mark.django_db

PAGES = ["/ops/", "/ops/escalations/"]
CSV = "/ops/escalations.csv"

# What an ops user (or someone editing the address bar) can send, and what the answer must say.
BAD_PERIODS = [
    ({"from": "0001-01-01"}, "2000-01-01"),
    ({"to": "9999-12-31"}, "2100-12-31"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, "2100-12-31"),
    ({"from": "yesterday"}, "YYYY-MM-DD"),
    ({"to": "2025-02-30"}, "YYYY-MM-DD"),
    ({"from": "2025-03-10", "to": "2025-03-01"}, "after"),
]
BAD_LOG_FILTERS = [
    ({"route": "email"}, "route"),
    ({"outcome": "exploded"}, "outcome"),
    ({"intent": "world_domination"}, "intent"),
    ({"min_cost": "lots"}, "euros"),
    ({"min_cost": "-1"}, "euros"),
    ({"max_cost": "1e400"}, "euros"),
    ({"max_cost": "NaN"}, "euros"),
    ({"q": "x" * 201}, "200"),
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ops(db) -> User:  # type: ignore[no-untyped-def]
    return staff("olivia", "Ops", "Olivia")


@pytest.fixture
def signed_in(client, ops):  # type: ignore[no-untyped-def]
    client.force_login(ops)
    return client


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("params", "says"), BAD_PERIODS)
def test_a_page_refuses_a_bad_period_with_a_readable_message(signed_in, url, params, says):  # type: ignore[no-untyped-def]
    response = signed_in.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert says in page
    assert 'role="alert"' in page  # announced, not just printed


@pytest.mark.parametrize(("params", "says"), BAD_PERIODS + BAD_LOG_FILTERS)
def test_the_csv_refuses_a_bad_filter_with_a_text_message_before_streaming(signed_in, params, says):  # type: ignore[no-untyped-def]
    response = signed_in.get(CSV, params)
    assert response.status_code == 400
    assert not isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/plain")
    assert says in response.content.decode()


@pytest.mark.parametrize(("params", "says"), BAD_LOG_FILTERS)
def test_the_log_refuses_a_bad_filter_with_a_readable_message(signed_in, params, says):  # type: ignore[no-untyped-def]
    response = signed_in.get(reverse("ops_escalations"), params)
    assert response.status_code == 400
    assert says in response.content.decode()


def test_the_dashboard_refuses_an_unknown_bucket(signed_in):  # type: ignore[no-untyped-def]
    response = signed_in.get("/ops/", {"bucket": "week"})
    assert response.status_code == 400 and "day or hour" in response.content.decode()


def test_the_dashboard_refuses_a_start_after_today_when_no_end_is_given(signed_in):  # type: ignore[no-untyped-def]
    response = signed_in.get("/ops/", {"from": "2100-01-01"})
    assert response.status_code == 400 and "after the end date" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # the ASGI handler saves the session on another thread
async def test_the_csv_over_asgi_refuses_year_one_before_the_response_starts(async_client, ops):  # type: ignore[no-untyped-def]
    # Under ASGI the CSV streams; an error inside the stream comes after the 200 has gone out.
    await async_client.aforce_login(ops)
    response = await asyncio.wait_for(async_client.get(CSV, {"from": "0001-01-01"}), timeout=30)
    assert response.status_code == 400 and "2000-01-01" in response.content.decode()


def test_what_was_typed_is_shown_escaped(signed_in):  # type: ignore[no-untyped-def]
    response = signed_in.get(reverse("ops_escalations"), {"from": "<script>alert(1)</script>"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_refusal_offers_the_page_without_the_bad_filters(signed_in):  # type: ignore[no-untyped-def]
    response = signed_in.get(reverse("ops_escalations"), {"from": "0001-01-01", "route": "llm", "q": "lamp"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="/ops/escalations/?route=llm&amp;q=lamp"' in page


@pytest.mark.parametrize(("url", "params"), [
    ("/ops/", {"from": "2000-01-01", "to": "2000-01-31"}),
    ("/ops/", {"from": "2100-12-01", "to": "2100-12-31", "bucket": "hour"}),
    ("/ops/escalations/", {"from": "2000-01-01", "to": "2100-12-31", "min_cost": "0,5", "route": "llm"}),
    (CSV, {"from": "2000-01-01", "to": "2100-12-31", "outcome": "queued", "intent": "get_refund"}),
])
def test_the_edges_of_the_allowed_range_work(signed_in, url, params):  # type: ignore[no-untyped-def]
    response = signed_in.get(url, params)
    assert response.status_code == 200
    if url == CSV:
        assert b"".join(response.streaming_content).startswith(b"time,route,")


# --- the CSV's stream itself -------------------------------------------------------------------------------


def test_the_csv_reads_its_first_rows_before_the_response_starts(signed_in, monkeypatch):  # type: ignore[no-untyped-def]
    """A query that fails fails in the view, where Django answers 500, not half-way through a 200."""
    def broken(*args, **kwargs) -> Iterator[tuple]:  # type: ignore[type-arg]
        raise OverflowError("date value out of range")
        yield ()  # pragma: no cover - a generator, like the real one

    monkeypatch.setattr(log_views, "log_stream", broken)
    signed_in.raise_request_exception = False
    response = signed_in.get(CSV)
    assert response.status_code == 500
    assert not isinstance(response, StreamingHttpResponse)


def test_an_error_in_the_middle_of_the_stream_ends_it_with_a_note_instead_of_raising(caplog):  # type: ignore[no-untyped-def]
    def rows() -> Iterator[str]:
        yield "time,route\n"
        yield "2025-03-01,llm\n"
        raise OverflowError("date value out of range")

    with caplog.at_level(logging.ERROR, logger="support.ops.escalations"):
        chunks = list(log_views.csv_guarded(rows()))
    assert chunks[:2] == ["time,route\n", "2025-03-01,llm\n"]
    assert "incomplete" in chunks[-1]
    assert any("OverflowError" in (r.exc_text or "") or r.exc_info for r in caplog.records)


# --- labels (#13 item 11) ----------------------------------------------------------------------------------


def test_an_unknown_intent_is_not_echoed_as_html(signed_in):  # type: ignore[no-untyped-def]
    message = Message.objects.create(conversation=Conversation.objects.create(), author="customer", text="hi",
                                     status="answered", intent="greeting", route="local")
    attack = "<svg onload=alert(1)>"  # short: the message quotes at most 40 characters
    response = signed_in.post(reverse("ops_label", args=[message.id]), {"intent": attack})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert attack not in body
    assert "&lt;svg onload=alert(1)&gt;" in body and "Unknown intent" in body
