"""A reply email's link to a visitor's chat opens it signed out only, and a visitor's socket never speaks for an account.

Found by a security review (session 14): a visitor who gave their own address got an emailed link to
their conversation. Opened by a signed-in customer (or by a browser that then signed in), it made that
browser adopt the visitor's conversation into the customer's account, while the visitor's socket, still
open, read the replies about the customer's orders and could change them (address, cancellation).
Through the real ASGI app and Django's views.
"""
from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from support.models import Conversation, Message
from support.services.away import reply_link_token
from tests.conftest import chat_socket, closed_with, session_cookie_for
from tests.support.test_conversations import connected, say, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


async def visitor_with_link() -> tuple[str, object, str, str]:
    """A visitor who asked something: their browser's cookie, open socket, conversation id and the link a
    reply email would carry."""
    cookie = await database_sync_to_async(session_cookie_for)(None)
    socket, history = await connected(cookie)
    await say(socket, "hello, do you ship to Ireland?")
    conversation_id = history["conversation_id"]
    return cookie, socket, conversation_id, f"/chat/return/{reply_link_token(conversation_id=uuid.UUID(conversation_id))}/"


def cookie_of(client: Client) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def still_a_visitors(conversation_id: str) -> bool:
    conversation = await database_sync_to_async(Conversation.objects.get)(id=conversation_id)
    return conversation.customer_id is None


async def test_a_signed_in_customer_following_a_visitors_link_is_told_why_and_keeps_their_own_chat(make_customer):
    alice = await database_sync_to_async(make_customer)("alice", "Alice")
    _, visitor_socket, visitors, link = await visitor_with_link()
    browser = Client()
    await database_sync_to_async(browser.force_login)(alice)

    page = await database_sync_to_async(browser.get)(link)

    assert page.status_code == 403
    assert "started without signing in" in page.content.decode()
    socket, history = await connected(cookie_of(browser))
    assert history["conversation_id"] != visitors
    assert await still_a_visitors(visitors)
    await socket.disconnect()
    # the visitor's socket answers as before, about nobody's orders
    assert "sign in" in (await say(visitor_socket, "where is my order?")).lower()
    await visitor_socket.disconnect()


async def test_a_browser_that_opened_a_visitors_link_and_then_signed_in_does_not_take_the_chat_along(make_customer):
    alice = await database_sync_to_async(make_customer)("alice", "Alice")
    _, visitor_socket, visitors, link = await visitor_with_link()
    browser = Client()
    opened = await database_sync_to_async(browser.post)(link)
    assert opened.status_code == 302 and opened["Location"] == "/?chat=open"
    socket, history = await connected(cookie_of(browser))
    assert history["conversation_id"] == visitors  # signed out, the link opens the visitor's chat
    await socket.disconnect()

    socket, history = await connected(await sign_in(cookie_of(browser), alice))

    assert history["conversation_id"] != visitors
    assert await still_a_visitors(visitors)
    await socket.disconnect()
    await visitor_socket.disconnect()


async def test_the_visitor_who_started_the_chat_follows_its_link_in_the_same_browser_and_signs_in_with_it(make_customer):
    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    cookie, socket, visitors, link = await visitor_with_link()
    await socket.disconnect()
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
    assert (await database_sync_to_async(browser.get)(link)).status_code == 302

    socket, signed_in = await connected(await sign_in(cookie_of(browser), dan))

    assert signed_in["conversation_id"] == visitors  # their own chat comes along
    await socket.disconnect()


async def test_when_a_visitor_signs_in_their_chat_comes_along_and_their_visitor_sockets_close(make_customer):
    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    cookie, visitor_socket, visitors, _ = await visitor_with_link()

    socket, signed_in = await connected(await sign_in(cookie, dan))

    assert signed_in["conversation_id"] == visitors  # started in this browser: adopted
    closed = await visitor_socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}
    await socket.disconnect()


async def test_a_visitors_socket_whose_chat_became_an_accounts_cannot_send(make_customer):
    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    cookie = await database_sync_to_async(session_cookie_for)(None)
    visitor_socket, history = await connected(cookie)
    # adopted without the close event reaching this socket (another server process, a lost event)
    await database_sync_to_async(Conversation.objects.filter(id=history["conversation_id"]).update)(customer=dan)

    await visitor_socket.send_json_to({"type": "customer.message", "text": "where is my order?",
                                       "client_id": str(uuid.uuid4())})

    assert await visitor_socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    saved = Message.objects.filter(conversation_id=history["conversation_id"], text="where is my order?").exists
    assert not await database_sync_to_async(saved)()


async def test_a_reply_link_opened_in_another_browser_takes_the_chat_away_from_whoever_started_it():
    """The address a visitor gives for replies may be someone else's. Whoever opens the emailed link owns the
    chat from then on, alone: the visitor who started it is closed out before the person with the link proves an
    order in it (found by a review, session 15: the starter's socket read the order's details and could ask to
    change its address)."""
    starters_cookie, starters_socket, conversation_id, link = await visitor_with_link()
    link_holder = Client()
    # a GET only asks (mail scanners follow links): nothing changes for the starter
    asked = await database_sync_to_async(link_holder.get)(link)
    assert asked.status_code == 200 and "closes it in any other browser" in asked.content.decode()
    assert await say(starters_socket, "and to Belgium?")
    opened = await database_sync_to_async(link_holder.post)(link)
    assert opened.status_code == 302 and opened["Location"] == "/?chat=open"
    # the starter's open socket is closed
    assert (await starters_socket.receive_output(timeout=5))["type"] == "websocket.close"
    # and cannot come back to it: a new socket of that browser starts afresh, asking for it by id is refused
    socket, history = await connected(starters_cookie)
    assert history["conversation_id"] != conversation_id
    await socket.disconnect()
    refused = chat_socket(starters_cookie, query=f"conversation={conversation_id}")
    assert await closed_with(refused) == 4403
    # the browser with the link has the chat, and the starter's messages stay in it for them to see
    socket, history = await connected(cookie_of(link_holder))
    assert history["conversation_id"] == conversation_id
    assert "hello, do you ship to Ireland?" in [m["text"] for m in history["messages"]]
    assert await say(socket, "do you ship to Belgium?")
    await socket.disconnect()


async def test_the_browser_that_started_the_chat_keeps_it_when_it_opens_its_own_link():
    cookie, socket, conversation_id, link = await visitor_with_link()
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
    assert (await database_sync_to_async(browser.get)(link)).status_code == 302
    assert await say(socket, "and to Belgium?")  # still open, still answered
    await socket.disconnect()
    conversation = await database_sync_to_async(Conversation.objects.get)(id=conversation_id)
    assert conversation.link_owner == ""


async def test_a_reply_link_to_an_ended_chat_never_joins_the_chat_its_visitor_went_on_to():
    """Found in session 29 (a helper's review of the guest order pages): the visitor's chat ended, their next question
    started the next one; then the ended chat's reply link was opened in another browser, and what that browser wrote
    went into the visitor's new conversation, which both browsers then shared (and the orders proved in it)."""
    from django.utils import timezone

    _, visitor_socket, ended, link = await visitor_with_link()
    await database_sync_to_async(Conversation.objects.filter(id=ended).update)(status=Conversation.Status.CLOSED,
                                                                                 closed_at=timezone.now())
    await say(visitor_socket, "one more thing, do you deliver on saturdays?")
    visitors_next = await database_sync_to_async(
        lambda: str(Message.objects.get(text="one more thing, do you deliver on saturdays?").conversation_id))()
    assert visitors_next != ended
    browser = Client()
    assert (await database_sync_to_async(browser.post)(link)).status_code == 302
    socket, history = await connected(cookie_of(browser))
    assert history["conversation_id"] == ended  # the ended chat the link names, not the one the visitor went on to

    await say(socket, "hi, is my parcel on its way?")

    holders = await database_sync_to_async(
        lambda: str(Message.objects.get(text="hi, is my parcel on its way?").conversation_id))()
    assert holders not in (visitors_next, ended)
    # and the visitor's conversation stays the visitor's alone: a reconnect of the link's browser does not open it
    await socket.disconnect()
    socket, history = await connected(cookie_of(browser))
    assert history["conversation_id"] != visitors_next
    await socket.disconnect()
    await visitor_socket.disconnect()
