"""A browser session is made only when something needs one: the chat, not a page view."""
from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from tests.conftest import chat_socket

PAGES = {"/": 200, "/products/": 200, "/help/": 200, "/help/shipping-and-delivery/": 200, "/account/login/": 200,
         "/healthz": 200, "/metrics": 200, "/no-such-page/": 404}


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_a_cookieless_page_view_makes_no_session(path: str, request: pytest.FixtureRequest) -> None:
    if path == "/healthz":  # healthy: Django stores no session for a 5xx response anyway
        from rag.index import index_get

        request.getfixturevalue("local_models")
        index_get()
    # given a visitor with no cookies at all
    client = Client()
    # when they fetch a page
    response = client.get(path)
    # then no session is stored and none is offered to the browser
    assert response.status_code == PAGES[path]
    assert Session.objects.count() == 0
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def _chat_token(client: Client) -> str:
    """The CSRF token the chat widget sends, as the storefront page gives it."""
    page = client.get("/").content.decode()
    match = re.search(r'data-csrf-token="([^"]+)"', page)
    assert match, "the chat widget carries no CSRF token"
    return match.group(1)


@pytest.mark.django_db
def test_opening_the_chat_makes_the_visitors_session_once() -> None:
    client = Client(enforce_csrf_checks=True)
    token = _chat_token(client)
    assert Session.objects.count() == 0
    # when the visitor opens the chat
    opened = client.post("/chat/session/", HTTP_X_CSRFTOKEN=token)
    # then their browser holds a stored session
    assert opened.status_code == 204
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=key).exists()
    # and opening it again (another tab, a reload) keeps that one
    again = client.post("/chat/session/", HTTP_X_CSRFTOKEN=token)
    assert again.status_code == 204 and client.cookies[settings.SESSION_COOKIE_NAME].value == key
    assert Session.objects.count() == 1


@pytest.mark.django_db
def test_the_chat_session_needs_the_pages_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/")
    assert client.post("/chat/session/").status_code == 403
    assert Session.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("local_models")
async def test_an_anonymous_visitors_chat_survives_a_reload() -> None:
    # given a first-time visitor who opens the chat
    client = Client(enforce_csrf_checks=True)
    token = await database_sync_to_async(_chat_token)(client)
    opened = await database_sync_to_async(client.post)("/chat/session/", HTTP_X_CSRFTOKEN=token)
    assert opened.status_code == 204
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    socket = chat_socket(cookie)
    assert (await socket.connect(timeout=10))[0]
    history = await socket.receive_json_from(timeout=10)
    # when they send a message
    await socket.send_json_to({"type": "customer.message", "text": "how long does delivery take?",
                               "client_id": "7d3c9d8e-8f7a-4b1e-9a57-3f4f4b6f3a11"})
    while (await socket.receive_json_from(timeout=15))["type"] != "message.saved":
        pass
    await socket.disconnect()
    # then after a reload (a new socket, the same browser) the conversation is still theirs
    again = chat_socket(cookie)
    assert (await again.connect(timeout=10))[0]
    reloaded = await again.receive_json_from(timeout=10)
    assert reloaded["conversation_id"] == history["conversation_id"]
    assert reloaded["messages"][0]["text"] == "how long does delivery take?"
    await again.disconnect()
