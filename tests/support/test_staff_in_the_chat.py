"""Staff messages show a person; who joined, left or took over is a system line (#15 item 14).

Agent replies carry the agent's name, live and in the history after a reload, in the widget's
socket and in the console; "Sam joined the chat", "Sam transferred the chat to Kim" and "Kim left
the chat" are `system.line` events (and `system` items in the history), not assistant replies.
"""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from support.models import Handoff
from support.services.handoff import agent_reply, handoff_claim, handoff_resolve, handoff_transfer
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import connected, until
from tests.support.test_human_tier import console, team  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


async def test_joined_transferred_and_left_are_system_lines_and_replies_carry_the_agents_name(
        make_customer, team):  # type: ignore[no-untyped-def]
    alice = await database_sync_to_async(make_customer)("alice")
    cookie = await database_sync_to_async(session_cookie_for)(alice)
    socket, history = await connected(cookie)
    handoff = await database_sync_to_async(Handoff.objects.create)(conversation_id=history["conversation_id"],
                                                                   reason="person")

    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=team["sam"])
    line, seen = await until(socket, "system.line")
    assert line["text"] == "Sam joined the chat." and line["intent"] == "agent_joined"
    assert "reply.end" not in [e["type"] for e in seen]  # not a bubble of the assistant
    joined, _ = await until(socket, "agent.joined")
    assert joined["agent"] == "Sam"

    await database_sync_to_async(agent_reply)(conversation_id=handoff.conversation_id, agent=team["sam"],
                                              text="Hi Alice, Sam here.")
    said, _ = await until(socket, "agent.message")
    assert said["agent"] == "Sam" and said["text"] == "Hi Alice, Sam here."

    await database_sync_to_async(handoff_transfer)(handoff_id=handoff.id, agent=team["sam"], to_agent_id=team["kim"].id)
    line, _ = await until(socket, "system.line")
    assert line["text"] == "Sam transferred the chat to Kim." and line["intent"] == "agent_transferred"
    assert (await until(socket, "agent.joined"))[0]["agent"] == "Kim"
    await database_sync_to_async(agent_reply)(conversation_id=handoff.conversation_id, agent=team["kim"],
                                              text="Kim here, I'll take it from here.")
    await until(socket, "agent.message")

    await database_sync_to_async(handoff_resolve)(handoff_id=handoff.id, agent=team["kim"])
    line, _ = await until(socket, "system.line")
    assert line["text"] == "Kim left the chat." and line["intent"] == "agent_left"
    back, _ = await until(socket, "reply.end")  # then the assistant, in its own voice
    assert back["intent"] == "handed_back"
    await socket.disconnect()

    # After a reload the history says the same: system lines, and who wrote each staff message.
    socket, history = await connected(cookie)
    said = [(m["author"], m["agent"], m["text"]) for m in history["messages"]]
    assert said[-6:] == [
        ("system", None, "Sam joined the chat."),
        ("agent", "Sam", "Hi Alice, Sam here."),
        ("system", None, "Sam transferred the chat to Kim."),
        ("agent", "Kim", "Kim here, I'll take it from here."),
        ("system", None, "Kim left the chat."),
        ("bot", None, "Our team has finished here; I'm back if you need anything else: your next question starts a new conversation."),
    ], said
    await socket.disconnect()

    # The console's transcript shows them the same way.
    sofia = await console(team["sofia"])
    assert (await sofia.connect(timeout=10))[0]
    await sofia.receive_json_from(timeout=10)
    await sofia.send_json_to({"type": "conversation.open", "conversation_id": history["conversation_id"]})
    detail = await sofia.receive_json_from(timeout=10)
    assert [(m["author"], m["agent"]) for m in detail["messages"]][-6:] == [
        ("system", None), ("agent", "Sam"), ("system", None), ("agent", "Kim"), ("system", None), ("bot", None)]
    await sofia.disconnect()


async def test_a_supervisor_resolving_an_unclaimed_handoff_adds_no_left_line(make_customer, team):  # type: ignore[no-untyped-def]
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    handoff = await database_sync_to_async(Handoff.objects.create)(conversation_id=history["conversation_id"],
                                                                   reason="person")
    await database_sync_to_async(handoff_resolve)(handoff_id=handoff.id, agent=team["sofia"])
    _, seen = await until(socket, "reply.end")
    assert "system.line" not in [e["type"] for e in seen]  # nobody was in the chat to leave it
    await socket.disconnect()


def test_who_joined_or_left_is_not_counted_as_something_the_assistant_answered(make_customer, team):  # type: ignore[no-untyped-def]
    from support.models import Conversation
    from support.services.handoff import handoff_request

    conversation = Conversation.objects.create(customer=make_customer("alice"))
    first = Handoff.objects.create(conversation=conversation, reason="person")
    handoff_claim(handoff_id=first.id, agent=team["sam"])
    handoff_resolve(handoff_id=first.id, agent=team["sam"])
    again = handoff_request(conversation_id=conversation.id, reason="contact_human_agent", message="")
    answered = [a["text"] for a in again.bot_answers]
    assert not any("joined the chat" in t or "left the chat" in t for t in answered), answered
