"""Which conversation a socket joins when a visitor signs in (#13 item 2), through the real ASGI app.

A visitor's conversation becomes the account's on sign-in only when nothing in it was
proven by someone else: on a shared computer, the next person to sign in must not
inherit a stranger's order details.
"""
from __future__ import annotations

import io
import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from support.models import Conversation, Handoff
from tests.conftest import chat_socket, closed_with, session_cookie_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


async def connected(cookie: str, query: str = ""):  # type: ignore[no-untyped-def]
    socket = chat_socket(cookie, query=query)
    ok, _ = await socket.connect(timeout=10)
    assert ok
    history = await socket.receive_json_from(timeout=10)
    assert history["type"] == "history"
    return socket, history


async def say(socket, text: str) -> str:  # type: ignore[no-untyped-def]
    await socket.send_json_to({"type": "customer.message", "text": text, "client_id": str(uuid.uuid4())})
    while (event := await socket.receive_json_from(timeout=20))["type"] != "reply.end":
        pass
    return event["text"]


async def sign_in(cookie: str, user) -> str:  # type: ignore[no-untyped-def]
    """Sign `user` in in the browser holding `cookie` (Django's login keeps the session's data)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
    await database_sync_to_async(client.force_login)(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def visitor_proves(order) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A visitor proves `order` with its number and email; their cookie and conversation id."""
    cookie = await database_sync_to_async(session_cookie_for)(None)
    socket, history = await connected(cookie)
    await say(socket, f"Where is order {order.number}?")
    assert f"Order {order.number} is" in await say(socket, f"{order.number} {order.email}")
    await socket.disconnect()
    return cookie, history["conversation_id"]


async def test_signing_in_does_not_hand_a_visitors_proven_order_to_another_account(make_customer, make_guest_order):
    erins = await database_sync_to_async(make_guest_order)("erin@example.test")
    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    cookie, visitors = await visitor_proves(erins)
    # when Dan signs in on the same browser
    dans_cookie = await sign_in(cookie, dan)
    socket, history = await connected(dans_cookie)
    # then he starts afresh: nothing of the visitor's thread, which stays the visitor's
    assert history["conversation_id"] != visitors and history["messages"] == []
    await socket.disconnect()
    old = await database_sync_to_async(Conversation.objects.get)(id=visitors)
    assert old.customer_id is None
    assert not await database_sync_to_async(Conversation.objects.filter(customer=dan, id=visitors).exists)()
    # and asking for it by id is refused (accepted, then closed with 4403)
    refused = chat_socket(dans_cookie, query=f"conversation={visitors}")
    assert await closed_with(refused) == 4403


async def test_a_thread_holding_another_customers_order_stays_anonymous_in_the_console(make_customer, make_order):
    """The issue's case: a visitor had proven Bob's order 10030 (before guest-only proofs) and asked for a refund."""
    from support.services.handoff import handoff_request, handoff_serialize

    bob = await database_sync_to_async(make_customer)("bob", "Bob")
    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    bobs = await database_sync_to_async(make_order)(bob, status="delivered", number=10030)
    cookie = await database_sync_to_async(session_cookie_for)(None)
    socket, history = await connected(cookie)
    await socket.disconnect()
    visitors = history["conversation_id"]

    def proven_and_handed_off() -> Handoff:
        Conversation.objects.filter(id=visitors).update(state={"verified_orders": [bobs.number]})
        return handoff_request(conversation_id=uuid.UUID(visitors), reason="refund", message="Passing this on.",
                               intent="get_refund", order_id=bobs.id)
    handoff = await database_sync_to_async(proven_and_handed_off)()

    socket, history = await connected(await sign_in(cookie, dan))
    assert history["conversation_id"] != visitors
    await socket.disconnect()
    packet = await database_sync_to_async(
        lambda: handoff_serialize(Handoff.objects.select_related("conversation__customer").get(id=handoff.id)))()
    assert packet["customer"] == "Visitor" and packet["order"] == 10030


async def test_a_visitor_who_proved_their_own_guest_order_keeps_the_thread_when_they_sign_in(
        make_customer, make_guest_order):
    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    dans_guest_order = await database_sync_to_async(make_guest_order)("dan@example.test")
    cookie, visitors = await visitor_proves(dans_guest_order)
    socket, history = await connected(await sign_in(cookie, dan))
    assert history["conversation_id"] == visitors and history["messages"]
    await socket.disconnect()
    assert (await database_sync_to_async(Conversation.objects.get)(id=visitors)).customer_id == dan.pk


async def test_signing_in_drops_the_visitors_address_for_replies(make_customer):
    """On a shared computer the team's replies about the account's orders must not go to the address the visitor
    before gave for replies: the adopted conversation's replies go to the account's own address."""
    from support.services.away import reply_email_recipient

    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    cookie = await database_sync_to_async(session_cookie_for)(None)
    socket, history = await connected(cookie)
    await say(socket, "how long does delivery take?")  # a conversation in which nothing was said is not adopted
    await socket.disconnect()
    visitors = history["conversation_id"]
    await database_sync_to_async(Conversation.objects.filter(id=visitors).update)(
        notify_email="stranger@example.test", state={"pending": {"kind": "notify_email", "intent": "notify_email"}})
    socket, history = await connected(await sign_in(cookie, dan))
    assert history["conversation_id"] == visitors  # adopted: it proved nothing
    await socket.disconnect()
    adopted = await database_sync_to_async(Conversation.objects.select_related("customer").get)(id=visitors)
    assert adopted.notify_email == "" and "pending" not in adopted.state
    assert await database_sync_to_async(reply_email_recipient)(adopted) == "dan@example.test"


async def test_an_account_whose_address_is_not_confirmed_does_not_take_a_guest_orders_thread(
        make_customer, make_guest_order):
    """Anyone can sign up with (or change to) someone else's address: a visitor's thread that proved a guest order
    placed with it comes along on sign-in only once the account's owner confirmed the address (review, session 15)."""
    from shoppe.models import Customer

    dan = await database_sync_to_async(make_customer)("dan", "Dan")
    await database_sync_to_async(Customer.objects.filter(user=dan).update)(email_confirmed_at=None)
    dans_guest_order = await database_sync_to_async(make_guest_order)("dan@example.test")
    cookie, visitors = await visitor_proves(dans_guest_order)
    socket, history = await connected(await sign_in(cookie, dan))
    assert history["conversation_id"] != visitors
    await socket.disconnect()
    assert (await database_sync_to_async(Conversation.objects.get)(id=visitors)).customer_id is None


# --- sockets that say nothing ----------------------------------------------------------------------------------
def _sessions() -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.count()


def _aged_past_the_idle_hours(conversation_ids: list[str]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    then = timezone.now() - timedelta(hours=settings.CONVERSATION_IDLE_HOURS, minutes=5)
    Conversation.objects.filter(id__in=conversation_ids).update(created_at=then, updated_at=then)


async def test_a_socket_opened_without_a_cookie_stores_no_session_and_still_chats():
    """Session 30's probe: every socket a script opens without a cookie stored a session no browser could hold."""
    before = await database_sync_to_async(_sessions)()
    socket, _ = await connected("")
    assert "deliver" in (await say(socket, "how long does delivery take?")).lower()
    await socket.disconnect()
    assert await database_sync_to_async(_sessions)() == before


async def test_the_conversations_sockets_opened_and_left_are_deleted_once_ended():
    """Session 30's probe: each socket opened without a cookie started a conversation that stayed for ever."""
    from django.core.management import call_command

    from support.models import DeviceStatus

    # given three sockets opened without a cookie and closed without a word, one of them after its device report
    left = []
    for n in range(3):
        socket, history = await connected("")
        if n == 0:
            await socket.send_json_to({"type": "device.status", "state": "fallback", "reason": "no-wasm",
                                       "version": "", "load_ms": None})
            assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        left.append(history["conversation_id"])
    # and a visitor who asked something, one whose chat is still open though nothing was said, and a fresh one
    talked, talked_history = await connected(await database_sync_to_async(session_cookie_for)(None))
    await say(talked, "how long does delivery take?")
    await talked.disconnect()
    still_open, open_history = await connected(await database_sync_to_async(session_cookie_for)(None))
    await database_sync_to_async(_aged_past_the_idle_hours)(
        [*left, talked_history["conversation_id"], open_history["conversation_id"]])
    fresh, fresh_history = await connected("")
    await fresh.disconnect()
    # when the sweep runs (here its command)
    told = io.StringIO()
    await database_sync_to_async(call_command)("delete_empty_conversations", stdout=told)
    assert told.getvalue().strip() == "3 empty conversation(s) deleted"
    # then the ended empty ones are gone, and the rest stay
    remaining = set(map(str, await database_sync_to_async(
        lambda: list(Conversation.objects.values_list("id", flat=True)))()))
    assert remaining == {talked_history["conversation_id"], open_history["conversation_id"],
                         fresh_history["conversation_id"]}
    # the widget's report stays for ops, without its conversation
    report = await database_sync_to_async(DeviceStatus.objects.get)()
    assert (report.conversation_id, report.reason) == (None, "no-wasm")
    await still_open.disconnect()


async def test_a_browser_whose_empty_conversation_was_deleted_chats_in_a_new_one():
    from support.services.conversations import empty_conversations_delete

    # given a visitor who opened the chat and left without a word, long enough ago for it to have ended
    cookie = await database_sync_to_async(session_cookie_for)(None)
    socket, first = await connected(cookie)
    await socket.disconnect()
    await database_sync_to_async(_aged_past_the_idle_hours)([first["conversation_id"]])
    assert await database_sync_to_async(empty_conversations_delete)() == 1
    # when they open the chat again in the same browser
    socket, again = await connected(cookie)
    # then they are in a new conversation, which takes their question and stays theirs
    assert again["conversation_id"] != first["conversation_id"] and again["messages"] == []
    assert "deliver" in (await say(socket, "how long does delivery take?")).lower()
    await socket.disconnect()
    socket, resumed = await connected(cookie)
    assert resumed["conversation_id"] == again["conversation_id"] and len(resumed["messages"]) == 2
    await socket.disconnect()
