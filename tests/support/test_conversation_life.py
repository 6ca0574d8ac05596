"""Conversations have a life cycle (#15 item 13), through the real ASGI application.

After staff resolve a conversation, or after CONVERSATION_IDLE_HOURS of silence, the customer's
next question starts a new conversation: on a socket that stays open across the boundary, in a
second tab, for a signed-in customer and for an anonymous visitor. The handoff packet then holds
only what the new conversation holds.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from support.models import Conversation, Handoff, Message
from support.services.handoff import handoff_claim, handoff_resolve
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import anonymous_cookie, connected, send, until
from tests.support.test_human_tier import ALWAYS_OPEN, console, team  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


def _silence(conversation_id: str, hours: float) -> None:
    """As if nothing happened in the conversation for `hours`."""
    Conversation.objects.filter(id=conversation_id).update(updated_at=timezone.now() - timedelta(hours=hours))


async def _handed_off_and_resolved(socket, history, agent) -> Handoff:  # type: ignore[no-untyped-def]
    await send(socket, "I want to talk to a person")
    await until(socket, "handoff")
    handoff = await database_sync_to_async(Handoff.objects.get)(conversation_id=history["conversation_id"])
    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=agent)
    await database_sync_to_async(handoff_resolve)(handoff_id=handoff.id, agent=agent)
    resolved, _ = await until(socket, "handoff")
    assert resolved["status"] == "resolved"
    return handoff


async def test_after_a_resolve_the_next_question_starts_a_new_conversation_on_every_open_socket(
        settings, make_customer, team):  # noqa: F811
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    alice = await database_sync_to_async(make_customer)("alice")
    cookie = await database_sync_to_async(session_cookie_for)(alice)
    socket, history = await connected(cookie)
    other_tab, _ = await connected(cookie)
    old = history["conversation_id"]
    await _handed_off_and_resolved(socket, history, team["sam"])

    # when Alice asks her next question on the socket that stayed open
    client_id = await send(socket, "Which payment methods do you accept?")
    started, _ = await until(socket, "conversation.started")
    saved, _ = await until(socket, "message.saved")
    end, _ = await until(socket, "reply.end")
    # then it starts a new conversation, and the socket is in it
    new = started["conversation_id"]
    assert new != old and started["previous_id"] == old and started["client_id"] == client_id
    assert saved["client_id"] == client_id and "PayPal" in end["text"]
    message = await database_sync_to_async(Message.objects.get)(id=saved["message_id"])
    assert str(message.conversation_id) == new
    ended = await database_sync_to_async(Conversation.objects.get)(id=old)
    assert ended.status == Conversation.Status.CLOSED and ended.closed_at is not None
    following = await database_sync_to_async(Conversation.objects.get)(id=new)
    assert following.customer_id == alice.pk and str(following.previous_id) == old

    # the other tab follows her there, and gets what it missed
    moved, _ = await until(other_tab, "conversation.started")
    assert moved["conversation_id"] == new and saved["message_id"] in [m["id"] for m in moved["messages"]]
    if not any("PayPal" in m["text"] for m in moved["messages"]):
        late, _ = await until(other_tab, "reply.end")  # the reply came after it joined
        assert "PayPal" in late["text"]
    # and it stays in the new conversation: the next reply reaches it
    await send(socket, "How long does delivery take?")
    both = [(await until(s, "reply.end"))[0]["reply_id"] for s in (socket, other_tab)]
    assert both[0] == both[1]
    await socket.disconnect()
    await other_tab.disconnect()

    # a reload opens the new conversation, with none of the old one's messages
    socket, history = await connected(cookie)
    assert history["conversation_id"] == new and history["ended"] is False
    assert [m["text"] for m in history["messages"] if m["author"] == "customer"] == [
        "Which payment methods do you accept?", "How long does delivery take?"]
    await socket.disconnect()


async def test_after_a_silence_a_visitors_next_question_starts_a_new_conversation():
    cookie = await anonymous_cookie()
    socket, history = await connected(cookie)
    old = history["conversation_id"]
    await send(socket, "Which payment methods do you accept?")
    await until(socket, "reply.end")
    await socket.disconnect()
    await database_sync_to_async(_silence)(old, hours=25)

    # a day later the visitor opens the chat again: the old conversation, marked as ended
    socket, history = await connected(cookie)
    assert history["conversation_id"] == old and history["ended"] is True and history["messages"]
    await send(socket, "How long does delivery take?")
    started, _ = await until(socket, "conversation.started")
    await until(socket, "reply.end")
    new = started["conversation_id"]
    assert new != old
    await socket.disconnect()
    assert (await database_sync_to_async(Conversation.objects.get)(id=old)).status == Conversation.Status.CLOSED

    # the visitor's session now holds the new conversation: a reload opens it
    socket, history = await connected(cookie)
    assert history["conversation_id"] == new and history["ended"] is False
    assert [m["text"] for m in history["messages"] if m["author"] == "customer"] == ["How long does delivery take?"]
    await socket.disconnect()


async def test_a_socket_left_open_through_the_silence_moves_on_with_the_next_question(settings, make_customer):
    settings.CONVERSATION_IDLE_HOURS = 2
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    await send(socket, "Which payment methods do you accept?")
    await until(socket, "reply.end")
    await database_sync_to_async(_silence)(history["conversation_id"], hours=1)
    await send(socket, "Do you ship to Belgium?")
    saved, events = await until(socket, "message.saved")
    assert "conversation.started" not in [e["type"] for e in events]  # an hour is not the end
    await until(socket, "reply.end")
    await database_sync_to_async(_silence)(history["conversation_id"], hours=3)
    await send(socket, "How long does delivery take?")
    started, _ = await until(socket, "conversation.started")
    assert started["previous_id"] == history["conversation_id"]
    await until(socket, "reply.end")
    await socket.disconnect()


async def test_a_question_waiting_for_the_team_keeps_its_conversation_however_long_the_silence(settings):
    """Nobody's question is cut off while it waits for an away team."""
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    cookie = await anonymous_cookie()
    socket, history = await connected(cookie)
    await send(socket, "I want to talk to a person")
    await until(socket, "handoff")
    await database_sync_to_async(_silence)(history["conversation_id"], hours=72)
    await send(socket, "Hello? Anyone there?")
    saved, events = await until(socket, "message.saved")
    assert "conversation.started" not in [e["type"] for e in events]
    message = await database_sync_to_async(Message.objects.get)(id=saved["message_id"])
    assert str(message.conversation_id) == history["conversation_id"]
    await socket.disconnect()


async def test_a_reply_of_the_ended_conversation_can_still_be_rated_after_moving_on(settings):
    cookie = await anonymous_cookie()
    socket, history = await connected(cookie)
    await send(socket, "Which payment methods do you accept?")
    old_reply, _ = await until(socket, "reply.end")
    await database_sync_to_async(_silence)(history["conversation_id"], hours=25)
    await send(socket, "How long does delivery take?")
    await until(socket, "conversation.started")
    await until(socket, "reply.end")
    # the old reply is still on screen above the divider: its thumbs work
    await socket.send_json_to({"type": "feedback", "reply_id": old_reply["reply_id"], "score": -1})
    saved, _ = await until(socket, "feedback.saved")
    assert saved["reply_id"] == old_reply["reply_id"]
    await socket.disconnect()


async def test_the_new_handoff_packet_holds_only_the_new_conversation(settings, make_customer, team):  # noqa: F811
    """Alice's one endless conversation mixed old, unrelated items into the packet and 'already answered'."""
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    alice = await database_sync_to_async(make_customer)("alice")
    cookie = await database_sync_to_async(session_cookie_for)(alice)
    # given an earlier conversation: a payment question answered, a person asked for, resolved
    socket, history = await connected(cookie)
    await send(socket, "what payment methods do you take?")
    answered, _ = await until(socket, "reply.end")
    assert "PayPal" in answered["text"]
    await _handed_off_and_resolved(socket, history, team["sam"])
    await socket.disconnect()

    agent = await console(team["kim"])
    assert (await agent.connect(timeout=10))[0]
    assert (await agent.receive_json_from(timeout=10))["type"] == "queue"
    # when she comes back and asks for a person straight away
    socket, history = await connected(cookie)
    await send(socket, "can I speak to a human please")
    await until(socket, "handoff")
    new = await agent.receive_json_from(timeout=10)
    assert new["type"] == "handoff.new"
    packet = new["handoff"]
    # then the packet is about this conversation only
    assert packet["summary"] == "can I speak to a human please"
    assert not [a for a in packet["bot_answers"] if "PayPal" in a["text"] or "finished here" in a["text"]]
    # and the console's transcript of it holds none of the old messages
    await agent.send_json_to({"type": "conversation.open", "conversation_id": packet["conversation_id"]})
    while (detail := await agent.receive_json_from(timeout=10))["type"] != "conversation.detail":
        pass
    texts = [m["text"] for m in detail["messages"]]
    assert "what payment methods do you take?" not in texts and "can I speak to a human please" in texts
    await socket.disconnect()
    await agent.disconnect()
