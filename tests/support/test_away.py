"""The team's replies reach a customer who is not looking: unread counts, and emails once they left.

Real sockets through the ASGI app, the real database, the embedded Celery worker of this
process, and a real SMTP server on loopback (tests/smtp.py).
"""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from support.logs import JsonFormatter
from support.models import Conversation, CustomerSocket, Handoff
from support.services.away import ASK_EMAIL, reply_link, unread_count
from support.services.handoff import agent_reply, handoff_claim
from support.services.presence import customer_connected
from tests.conftest import chat_socket, session_cookie_for
from tests.support.test_chat_socket import connected, send, until
from tests.support.test_human_tier import staff, team  # noqa: F401 - the team fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]
ALWAYS_OPEN = "mon-sun 00:00-24:00"
LINK = re.compile(r"https?://\S+/chat/return/\S+/")


def out_of_hours() -> str:
    tomorrow = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(timezone.localtime().weekday() + 1) % 7]
    return f"{tomorrow} 09:00-17:00"


@pytest.fixture
def log_records():  # type: ignore[no-untyped-def]
    """Every log record of the test (pytest's caplog loses its handler when the embedded Celery worker,
    started by the first import of the ASGI app, configures logging again)."""
    import shoppe.asgi  # noqa: F401 - the embedded worker is started and logging configured before we listen

    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    support = logging.getLogger("support")
    level = support.level
    logging.getLogger().addHandler(handler)
    support.setLevel(logging.DEBUG)
    yield records
    logging.getLogger().removeHandler(handler)
    support.setLevel(level)


async def with_sam(cookie: str, team, *, asks: str = "I want to talk to a person") -> tuple[object, dict, Handoff]:  # type: ignore[no-untyped-def]
    """A customer who asked for a person (in the words `asks`), and Sam holding the conversation."""
    socket, history = await connected(cookie)
    await send(socket, asks)
    await until(socket, "handoff")
    handoff = await database_sync_to_async(Handoff.objects.get)(conversation_id=history["conversation_id"])
    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=team["sam"])
    await until(socket, "agent.joined")
    return socket, history, handoff


async def sam_says(handoff: Handoff, team, text: str) -> None:  # type: ignore[no-untyped-def]
    await database_sync_to_async(agent_reply)(conversation_id=handoff.conversation_id, agent=team["sam"], text=text)


async def alice_with_sam(settings, make_customer, team) -> tuple[User, object, dict, Handoff]:  # type: ignore[no-untyped-def]
    """Alice, signed in, with Sam holding her chat (her user, socket, history, handoff); the team's replies are
    emailed at once when she has no socket left."""
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    settings.REPLY_EMAIL_DELAY_S = 0.0
    alice = await database_sync_to_async(make_customer)("alice")
    return (alice, *await with_sam(await database_sync_to_async(session_cookie_for)(alice), team))


async def test_replies_to_a_customer_who_left_arrive_in_one_email_with_a_link_back(settings, smtp_server, make_customer, team):
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    settings.REPLY_EMAIL_DELAY_S = 1.0  # a burst within this travels in one email
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history, handoff = await with_sam(await database_sync_to_async(session_cookie_for)(alice), team)
    # given the customer left the chat
    await socket.disconnect()
    assert not await database_sync_to_async(customer_connected)(conversation_id=handoff.conversation_id)
    # when Sam replies twice in a burst
    await sam_says(handoff, team, "Hi Alice, Sam here.")
    await sam_says(handoff, team, "Your replacement lamp ships tomorrow.")
    # then one email brings both, with a link back to the conversation
    [mail] = await asyncio.to_thread(smtp_server.wait_for, 1)
    assert mail.to == ["alice@example.test"]
    assert "Sam replied" in mail.subject or "2 new replies" in mail.subject
    assert "Hi Alice, Sam here." in mail.body and "Your replacement lamp ships tomorrow." in mail.body
    link = LINK.search(mail.body).group(0)  # type: ignore[union-attr]
    # and a third reply soon after waits for the next window: at most one email per 10 minutes
    await sam_says(handoff, team, "Anything else?")
    await asyncio.sleep(2)
    assert len(smtp_server.received) == 1
    conversation = await database_sync_to_async(Conversation.objects.get)(id=handoff.conversation_id)
    assert conversation.reply_email_due_at - conversation.reply_emailed_at >= timedelta(minutes=10)

    # The link opens the conversation for Alice, once she is signed in.
    def follow() -> tuple[int, str, int, str]:
        browser = Client()
        first = browser.get(link)
        browser.force_login(alice)
        second = browser.get(link)
        return first.status_code, first["Location"], second.status_code, second["Location"]

    first_status, first_to, status, to = await database_sync_to_async(follow)()
    assert first_status == 302 and "/account/login/" in first_to  # signed out: sign in first
    assert status == 302 and to == "/?chat=open"
    # Alice reconnects: three unread replies, until she looks at them
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    assert history["conversation_id"] == str(handoff.conversation_id) and history["unread"] == 3
    await socket.send_json_to({"type": "seen"})
    await until(socket, "seen")
    await socket.disconnect()
    _, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    assert history["unread"] == 0


async def test_no_email_while_the_customer_is_connected_and_one_when_they_leave_unread(settings, smtp_server, make_customer, team):
    alice, socket, history, handoff = await alice_with_sam(settings, make_customer, team)
    await sam_says(handoff, team, "Let me check that for you.")
    shown, _ = await until(socket, "agent.message")
    assert shown["text"] == "Let me check that for you."
    await asyncio.sleep(1.5)
    assert smtp_server.received == []  # connected: the widget's badge and title tell her
    # She closes the tab without having looked: the unread reply follows her by email.
    await socket.disconnect()
    [mail] = await asyncio.to_thread(smtp_server.wait_for, 1)
    assert "Let me check that for you." in mail.body


async def test_a_reply_she_saw_is_not_emailed(settings, smtp_server, make_customer, team):
    alice, socket, history, handoff = await alice_with_sam(settings, make_customer, team)
    await sam_says(handoff, team, "Done, it's on its way.")
    await until(socket, "agent.message")
    await socket.send_json_to({"type": "seen"})
    await until(socket, "seen")
    await socket.disconnect()
    await asyncio.sleep(1.5)
    assert smtp_server.received == []


async def test_seen_through_a_reply_reads_it_and_not_the_ones_after_it(settings, smtp_server, make_customer, team):
    """A page back online says which reply it showed (`through`): Sam's reply written while it was offline stays
    unread, is emailed when she leaves, and the other tabs keep their badge; a mark never moves back."""
    alice, socket, history, handoff = await alice_with_sam(settings, make_customer, team)
    await sam_says(handoff, team, "Checking your parcel now.")
    shown, _ = await until(socket, "agent.message")
    await sam_says(handoff, team, "It is at the depot.")
    await until(socket, "agent.message")

    await socket.send_json_to({"type": "seen", "through": shown["message_id"]})
    await socket.send_json_to({"type": "ping"})
    pong, skipped = await until(socket, "pong")
    assert "seen" not in [e["type"] for e in skipped]  # one reply is still unread: no tab clears its badge
    assert await database_sync_to_async(unread_count)(conversation_id=handoff.conversation_id) == 1
    await socket.disconnect()
    [mail] = await asyncio.to_thread(smtp_server.wait_for, 1)
    assert "It is at the depot." in mail.body and "Checking your parcel now." not in mail.body

    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    assert history["unread"] == 1
    newest = history["messages"][-1]["id"]
    await socket.send_json_to({"type": "seen", "through": newest})
    await until(socket, "seen")  # nothing unread now: every tab clears its badge
    await asyncio.sleep(0.3)  # one seen per 0.25 s is heard
    await socket.send_json_to({"type": "seen", "through": shown["message_id"]})  # an old page's word: no step back
    await socket.send_json_to({"type": "ping"})
    await until(socket, "pong")
    assert await database_sync_to_async(unread_count)(conversation_id=handoff.conversation_id) == 0
    await socket.disconnect()


async def test_seen_naming_a_message_of_another_conversation_or_no_number_changes_nothing(make_customer, team, settings):
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    alice, bob = [await database_sync_to_async(make_customer)(name) for name in ("alice", "bob")]
    socket, history, handoff = await with_sam(await database_sync_to_async(session_cookie_for)(alice), team)
    await sam_says(handoff, team, "Hi Alice.")
    await until(socket, "agent.message")
    bobs, bobs_history, bobs_handoff = await with_sam(await database_sync_to_async(session_cookie_for)(bob), team)
    await sam_says(bobs_handoff, team, "Hi Bob.")
    bobs_reply, _ = await until(bobs, "agent.message")
    await bobs.disconnect()

    await socket.send_json_to({"type": "seen", "through": bobs_reply["message_id"]})
    await asyncio.sleep(0.3)
    for bad in ("12", True, -1, 1.5):
        await socket.send_json_to({"type": "seen", "through": bad})
        error, _ = await until(socket, "error")
        assert error["code"] == "bad_seen"
    assert await database_sync_to_async(unread_count)(conversation_id=handoff.conversation_id) == 1
    await socket.send_json_to({"type": "ping"})
    await until(socket, "pong")  # still connected
    await socket.disconnect()


async def test_out_of_hours_a_visitor_is_asked_for_an_email_which_is_validated_kept_and_used(
        settings, smtp_server, team, log_records):  # type: ignore[no-untyped-def]
    settings.SUPPORT_HOURS = out_of_hours()
    settings.REPLY_EMAIL_DELAY_S = 0.0
    cookie = await database_sync_to_async(session_cookie_for)(None)
    socket, history = await connected(cookie)
    await send(socket, "I want to speak to a human")
    await until(socket, "handoff")
    asked, _ = await until(socket, "reply.end")
    assert asked["text"] == ASK_EMAIL and "only" in asked["text"]  # what it is for, and nothing else
    # an address that is not one is asked again, never stored
    await send(socket, "it's erin@example")
    again, _ = await until(socket, "reply.end")
    assert "doesn't look like a complete email address" in again["text"]
    await send(socket, "erin@example.test")
    thanks, _ = await until(socket, "reply.end")
    assert "erin@example.test" in thanks["text"]
    conversation = await database_sync_to_async(Conversation.objects.get)(id=history["conversation_id"])
    assert conversation.notify_email == "erin@example.test"
    await socket.disconnect()

    # Next morning Sam answers the visitor, who has left: the email goes to the address she gave.
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    handoff = await database_sync_to_async(Handoff.objects.get)(conversation_id=history["conversation_id"])
    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=team["sam"])
    await sam_says(handoff, team, "Good morning! Your refund is on its way.")
    [mail] = await asyncio.to_thread(smtp_server.wait_for, 1)
    assert mail.to == ["erin@example.test"] and "Your refund is on its way." in mail.body
    link = LINK.search(mail.body).group(0)  # type: ignore[union-attr]

    # The link opens her conversation in the browser that follows it (she never signed in), once she confirms:
    # it is another browser than the one she chatted in (tests/security/test_reply_links.py).
    def follow() -> str:
        browser = Client()
        assert b"Open the chat" in browser.get(link).content
        response = browser.post(link)
        assert response.status_code == 302 and response["Location"] == "/?chat=open"
        return browser.cookies[settings.SESSION_COOKIE_NAME].value

    session_key = await database_sync_to_async(follow)()
    socket, history = await connected(f"{settings.SESSION_COOKIE_NAME}={session_key}")
    assert history["conversation_id"] == str(handoff.conversation_id)
    assert history["messages"][-1]["text"] == "Good morning! Your refund is on its way."
    await socket.disconnect()

    # Personal data: the address is in no log line as written (every line goes through the scrubber).
    lines = [JsonFormatter().format(record) for record in log_records]
    assert any("emailed 1 of the team's replies" in line for line in lines)
    assert not [line for line in lines if "erin@example.test" in line]
    ours = [r.getMessage() for r in log_records if r.name.startswith(("support", "shoppe"))]
    assert not [m for m in ours if "erin@example.test" in m]  # not even before scrubbing


def test_a_forged_or_foreign_link_opens_nothing(make_customer):
    alice, bob = make_customer("alice"), make_customer("bob", "Bob")
    conversation = Conversation.objects.create(customer=alice)
    link = reply_link(conversation_id=conversation.id)
    browser = Client()
    browser.force_login(bob)
    assert browser.get(link).status_code == 404  # not Bob's conversation
    assert browser.get(link[:-3] + "xx/").status_code == 404  # tampered
    assert browser.get("/chat/return/nonsense/").status_code == 404


def test_a_socket_of_a_process_that_died_stops_counting():
    conversation = Conversation.objects.create()
    CustomerSocket.objects.create(conversation=conversation, channel_name="gone", process="dead",
                                  alive_until=timezone.now() - timedelta(seconds=1))
    assert not customer_connected(conversation_id=conversation.id)
    CustomerSocket.objects.create(conversation=conversation, channel_name="here", process="live",
                                  alive_until=timezone.now() + timedelta(seconds=60))
    assert customer_connected(conversation_id=conversation.id)


async def test_out_of_hours_a_signed_in_customer_is_told_the_reply_also_comes_by_email(settings, make_customer):
    settings.SUPPORT_HOURS = out_of_hours()
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    await send(socket, "I want to speak to a human")
    await until(socket, "handoff")
    told, _ = await until(socket, "reply.end")
    assert told["text"] == ("When our team replies, we'll also email you at alice@example.test if you're no "
                            "longer in the chat.")
    conversation = await database_sync_to_async(Conversation.objects.get)(id=history["conversation_id"])
    assert conversation.notify_email == "" and "pending" not in conversation.state  # nothing asked: her account's
    await socket.disconnect()


def test_two_copies_of_the_email_task_send_one_email(settings, smtp_server, make_customer, team):
    import threading

    from django.db import connection

    from support.models import Message
    from support.services.away import reply_email_plan, reply_email_send

    settings.REPLY_EMAIL_DELAY_S = 3600.0  # planned, but the test runs the task itself, twice at once
    alice = make_customer("alice")
    conversation = Conversation.objects.create(customer=alice, status=Conversation.Status.WITH_AGENT)
    Message.objects.create(conversation=conversation, author="agent", agent=team["sam"], status="complete",
                           text="Your parcel is at the pick-up point.")
    assert reply_email_plan(conversation_id=conversation.id) is not None
    barrier, sent = threading.Barrier(2), []

    def run() -> None:
        barrier.wait()
        try:
            sent.append(reply_email_send(conversation_id=conversation.id))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [False, True]
    assert len(smtp_server.wait_for(1)) == 1
    assert len(smtp_server.received) == 1


async def test_an_address_given_once_a_person_has_the_chat_is_still_kept_and_the_assistant_stays_quiet(settings, team):
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(None))
    await send(socket, "I want to speak to a human")
    await until(socket, "handoff")
    asked, _ = await until(socket, "reply.end")
    assert asked["text"] == ASK_EMAIL
    handoff = await database_sync_to_async(Handoff.objects.get)(conversation_id=history["conversation_id"])
    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=team["sam"])
    await until(socket, "agent.joined")
    await send(socket, "Hi Sam, email me at frank@example.test please")
    await until(socket, "message.saved")
    assert await socket.receive_nothing(timeout=1)  # the person answers, not the assistant
    conversation = await database_sync_to_async(Conversation.objects.get)(id=history["conversation_id"])
    assert conversation.notify_email == "frank@example.test" and "pending" not in conversation.state
    await socket.disconnect()


def test_replies_go_to_an_account_address_only_once_it_is_confirmed(make_customer):
    # Session 35's security probe: an account opened with someone else's address, and a first name of the opener's
    # choosing, had the team's replies mailed to that address. Unconfirmed, the chat asks for an address instead.
    from shoppe.models import Customer
    from support.services.away import notify_email_offer, reply_email_recipient

    mallory = make_customer("mallory", "Claim your refund at evil.example")
    Customer.objects.filter(user=mallory).update(email_confirmed_at=None)
    conversation = Conversation.objects.create(customer=mallory)
    assert reply_email_recipient(conversation) == ""
    assert notify_email_offer(conversation_id=conversation.id) == str(ASK_EMAIL)

    Customer.objects.filter(user=mallory).update(email_confirmed_at=timezone.now())
    assert reply_email_recipient(Conversation.objects.get(id=conversation.id)) == mallory.email
