"""Handoffs, the staff console's socket, and refunds decided by people."""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from shoppe.models import Order, Refund
from support.console_selectors import handoff_queue
from support.models import Conversation, Handoff, InternalNote, Message, RefundRequest
from support.services.handoff import HandoffTaken, agent_reply, handoff_claim, handoff_request, handoff_resolve
from support.services.refunds import refund_decide
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import anonymous_cookie, connected, send, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]
ALWAYS_OPEN = "mon-sun 00:00-24:00"


def staff(username: str, role: str, first_name: str) -> User:
    user = User.objects.create_user(username, f"{username}@example-shoppe.test", "pw", first_name=first_name, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(id=user.id)  # fresh, without a stale permission cache


@pytest.fixture
def team(db):  # type: ignore[no-untyped-def]
    return {"sam": staff("sam", "Support agent", "Sam"), "kim": staff("kim", "Support agent", "Kim"),
            "sofia": staff("sofia", "Supervisor", "Sofia"), "olivia": staff("olivia", "Ops", "Olivia")}


async def console(user: User | None):  # type: ignore[no-untyped-def]
    from shoppe.asgi import application
    from channels.testing import WebsocketCommunicator

    cookie = await database_sync_to_async(session_cookie_for)(user)
    socket = WebsocketCommunicator(application, "/ws/console/", headers=[
        (b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")])
    return socket


async def console_watching(user: User, conversation_id: str):  # type: ignore[no-untyped-def]
    """A console signed in as `user`, past its queue, with the conversation open."""
    agent = await console(user)
    assert (await agent.connect(timeout=10))[0]
    await agent.receive_json_from(timeout=5)
    await agent.send_json_to({"type": "conversation.open", "conversation_id": conversation_id})
    assert (await agent.receive_json_from(timeout=5))["type"] == "conversation.detail"
    return agent


async def test_asking_for_a_person_queues_a_handoff_with_its_packet(settings, make_customer, team):
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    alice = await database_sync_to_async(make_customer)("alice")
    agent = await console(team["sam"])
    assert (await agent.connect(timeout=10))[0]
    assert (await agent.receive_json_from(timeout=10))["type"] == "queue"

    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    await send(socket, "what payment methods do you take?")
    await until(socket, "reply.end")
    await send(socket, "let me talk to a real person please")
    end, _ = await until(socket, "reply.end")
    notice, _ = await until(socket, "handoff")
    assert end["route"] == "human" and "number 1 in the queue" in notice["message"] and notice["position"] == 1

    new = await agent.receive_json_from(timeout=10)
    assert new["type"] == "handoff.new"
    packet = new["handoff"]
    assert packet["reason"] == "person" and packet["customer"] == "Alice"
    # what brought her to the team first, then the earlier question
    assert packet["summary"] == "let me talk to a real person please / what payment methods do you take?"
    assert packet["bot_answers"] and "PayPal" in packet["bot_answers"][0]["text"]
    await socket.disconnect()
    await agent.disconnect()


async def test_outside_support_hours_the_customer_is_told_when_the_team_is_back(settings):
    tomorrow = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(timezone.localtime().weekday() + 1) % 7]
    settings.SUPPORT_HOURS = f"{tomorrow} 09:00-17:00"
    socket, _ = await connected(await database_sync_to_async(session_cookie_for)(None))
    await send(socket, "I want to speak to a human")
    notice, _ = await until(socket, "handoff")
    assert "away right now" in notice["message"] and "09:00" in notice["message"]
    await socket.disconnect()


def test_two_agents_claiming_at_once_only_one_gets_it(team):
    handoff = Handoff.objects.create(conversation=Conversation.objects.create(), reason="person")
    barrier, results = threading.Barrier(2), {}

    def claim(name: str) -> None:
        barrier.wait()
        try:
            handoff_claim(handoff_id=handoff.id, agent=team[name])
            results[name] = "claimed"
        except HandoffTaken:
            results[name] = "taken"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("sam", "kim")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["claimed", "taken"]
    handoff.refresh_from_db()
    assert handoff.claimed_by.username == [n for n, r in results.items() if r == "claimed"][0]


@pytest.mark.parametrize("meanwhile", ["sam claims it", "sam resolves it"])
def test_a_resolve_racing_a_colleague_changes_nothing_and_says_so(team, monkeypatch, meanwhile):
    """A supervisor resolves a queued handoff while Sam claims it (or resolves it too): the resolve used to
    overwrite the claim (the customer read "Sam joined the chat", then "Our team has finished here") or post
    its lines twice. Now the first one wins and the other is told."""
    from support.services import handoff as handoff_service

    conversation = Conversation.objects.create()
    handoff = Handoff.objects.create(conversation=conversation, reason="person")
    checked = handoff_service.refund_pending_reason  # read between the resolve's check and its update

    def colleague_first(**kwargs):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(handoff_service, "refund_pending_reason", checked)
        if meanwhile == "sam claims it":
            handoff_claim(handoff_id=handoff.id, agent=team["sam"])
        else:
            handoff_resolve(handoff_id=handoff.id, agent=team["sofia"])
        return checked(**kwargs)

    monkeypatch.setattr(handoff_service, "refund_pending_reason", colleague_first)
    lines_before = Message.objects.filter(conversation=conversation).count()
    with pytest.raises(HandoffTaken):
        handoff_resolve(handoff_id=handoff.id, agent=team["sofia"])
    handoff.refresh_from_db()
    if meanwhile == "sam claims it":
        assert (handoff.status, handoff.claimed_by) == (Handoff.Status.CLAIMED, team["sam"])
    else:
        assert handoff.status == Handoff.Status.RESOLVED
    # one set of lines for what really happened: a join, or one hand-back
    assert Message.objects.filter(conversation=conversation).count() - lines_before == 1


async def test_agent_joins_and_replies_live_and_the_customer_sees_it_after_a_reconnect(settings, make_customer, team):
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    alice = await database_sync_to_async(make_customer)("alice")
    cookie = await database_sync_to_async(session_cookie_for)(alice)
    socket, history = await connected(cookie)
    await send(socket, "get me a human")
    await until(socket, "handoff")
    handoff = await database_sync_to_async(Handoff.objects.get)(conversation_id=history["conversation_id"])

    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=team["sam"])
    joined, _ = await until(socket, "agent.joined")
    assert joined["agent"] == "Sam"
    await socket.disconnect()  # the customer goes offline

    await database_sync_to_async(agent_reply)(conversation_id=handoff.conversation_id, agent=team["sam"], text="Hi Alice, Sam here.")
    socket, history = await connected(cookie)
    assert [(m["author"], m["text"]) for m in history["messages"]][-2:] == [("system", "Sam joined the chat."),
                                                                            ("agent", "Hi Alice, Sam here.")]
    # while Sam has the conversation, the assistant does not answer
    await send(socket, "thanks Sam, where is my order?")
    await until(socket, "message.saved")
    assert await socket.receive_nothing(timeout=1)
    await database_sync_to_async(handoff_resolve)(handoff_id=handoff.id, agent=team["sam"])
    back, _ = await until(socket, "reply.end")
    assert "I'm back" in back["text"]
    # #15 item 13: resolving ends the conversation (the next question starts a new one)
    assert (await database_sync_to_async(Conversation.objects.get)(id=handoff.conversation_id)).status == "closed"
    await socket.disconnect()


async def test_a_handoff_asked_for_while_an_agent_holds_the_chat_says_who_has_it_not_a_queue_place(settings, make_customer,
                                                                                                  team):
    # #15 item 6: the widget showed "You're number 1 in the queue" next to "Chatting with Sam"
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    await send(socket, "get me a human")
    queued, _ = await until(socket, "handoff")
    assert queued["status"] == "queued" and "number 1 in the queue" in queued["note"]
    handoff = await database_sync_to_async(Handoff.objects.get)(conversation_id=history["conversation_id"])
    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=team["sam"])
    await until(socket, "agent.joined")
    # another handoff reason while Sam has the chat (an escalation that failed, say)
    await database_sync_to_async(handoff_request)(conversation_id=handoff.conversation_id, reason="llm_error",
                                                  message="I've passed your question to our support team.")
    again, _ = await until(socket, "handoff")
    assert again["status"] == "claimed" and again["agent"] == "Sam" and again["note"] == ""
    assert "queue" not in again["message"] and "position" not in again
    await socket.disconnect()


def test_after_a_busy_weekend_the_console_gets_every_claimed_chat_and_the_waiting_ones_to_take_first(team, settings):
    """The queue event carried the first 200 open handoffs of any status: with more waiting, an agent's own claimed
    chat (newer than all of them) was not in their console's queue."""
    settings.SUPPORT_HOURS = "mon-sun 00:00-24:00"
    urgent = Handoff.objects.create(conversation=Conversation.objects.create(), reason="refund", priority=4)
    waiting = [Handoff.objects.create(conversation=Conversation.objects.create(), reason="person") for _ in range(7)]
    sams = Handoff.objects.create(conversation=Conversation.objects.create(status=Conversation.Status.WITH_AGENT),
                                  reason="person", status="claimed", claimed_by=team["sam"], claimed_at=timezone.now())
    Handoff.objects.create(conversation=Conversation.objects.create(), reason="person", status="resolved")
    settings.CONSOLE_QUEUE_WAITING_SENT = 5
    queue = handoff_queue()
    ids = [h["id"] for h in queue["handoffs"]]
    assert ids[0] == sams.id  # the claimed chat, though newer than every waiting one
    assert ids[1:] == [urgent.id] + [h.id for h in waiting[:4]]  # the first to take: priority, then the oldest
    assert queue["waiting"] == 8  # all that wait, shown or not; the resolved one is in neither


async def test_a_console_asking_for_the_queue_again_gets_the_next_waiting_handoff(team, settings):
    """With more waiting than a console is sent, the next to take showed only after a reconnect once a shown one
    was taken; the console now asks again (queue.refresh) and gets it, and asking in a loop gets nothing more."""
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    settings.CONSOLE_QUEUE_WAITING_SENT = 2
    waiting = [await database_sync_to_async(Handoff.objects.create)(conversation=await database_sync_to_async(
        Conversation.objects.create)(), reason="person") for _ in range(3)]
    agent = await console(team["sam"])
    assert (await agent.connect(timeout=10))[0]
    queue = await agent.receive_json_from(timeout=10)
    assert [h["id"] for h in queue["handoffs"]] == [waiting[0].id, waiting[1].id] and queue["waiting"] == 3

    await database_sync_to_async(handoff_claim)(handoff_id=waiting[0].id, agent=team["kim"])
    assert (await agent.receive_json_from(timeout=10))["type"] == "handoff.updated"
    await agent.send_json_to({"type": "queue.refresh"})
    again = await agent.receive_json_from(timeout=10)
    assert again["type"] == "queue" and again["waiting"] == 2
    assert [(h["id"], h["status"]) for h in again["handoffs"]] == [
        (waiting[0].id, "claimed"), (waiting[1].id, "queued"), (waiting[2].id, "queued")]

    await agent.send_json_to({"type": "queue.refresh"})  # at once again: a loop, not a console taking handoffs
    assert await agent.receive_nothing(timeout=0.3)
    await agent.disconnect()


def test_a_refund_filed_while_the_chat_waits_for_a_person_makes_it_a_refund_high_in_the_queue(make_customer, make_order):
    """Found in session 23's walkthrough: the assistant could not answer ("LLM unavailable", normal priority), then the
    customer's refund was filed into that same handoff, which stayed "LLM unavailable", normal, with no refund in sight.
    A weightier reason takes the open handoff's place; a lighter one never lowers it."""
    order = delivered_order(make_order, make_customer("alice"))
    conversation = Conversation.objects.create()
    first = handoff_request(conversation_id=conversation.id, reason="llm_error", message="Let me get someone.")
    assert (first.reason, first.priority, first.order_id) == ("llm_failure", Handoff.Priority.NORMAL, None)
    handoff_request(conversation_id=conversation.id, reason="refund", message="Filed.", intent="get_refund",
                    order_id=order.id)
    handoff = Handoff.objects.get()
    assert (handoff.id, handoff.reason, handoff.priority, handoff.order_id) == (
        first.id, "refund", Handoff.Priority.HIGH, order.id)
    handoff_request(conversation_id=conversation.id, reason="person", message="Someone will be with you.")
    handoff.refresh_from_db()
    assert (handoff.reason, handoff.priority) == ("refund", Handoff.Priority.HIGH)


def test_the_card_names_the_order_the_chat_was_about_and_what_the_customer_asked_last(make_customer, make_order):
    """Session 29's walkthrough: the card said order "—" though the assistant had just given that order's status, and a
    second problem raised in the same open chat left "Customer asked" on the first one."""
    from support.services.order_help.orders import ORDER_IN_FOCUS

    order = delivered_order(make_order, make_customer("alice"))
    conversation = Conversation.objects.create(state={ORDER_IN_FOCUS: order.number})
    Message.objects.create(conversation=conversation, author="customer", text=f"where is order {order.number}?")
    first = handoff_request(conversation_id=conversation.id, reason="person", message="Someone will be with you.")
    assert (first.order_id, first.summary) == (order.id, f"where is order {order.number}?")
    Message.objects.create(conversation=conversation, author="customer", text="also the table wobbles, can I swap it")
    handoff_request(conversation_id=conversation.id, reason="person", message="Someone will be with you.")
    first.refresh_from_db()
    assert first.summary.startswith("also the table wobbles"), first.summary


def test_a_chat_is_not_transferred_to_whoever_has_it(team):
    from support.services.handoff import handoff_transfer

    handoff = Handoff.objects.create(conversation=Conversation.objects.create(), reason="person")
    handoff_claim(handoff_id=handoff.id, agent=team["sam"])
    with pytest.raises(ValidationError, match="Sam already has this chat"):
        handoff_transfer(handoff_id=handoff.id, agent=team["sam"], to_agent_id=team["sam"].id)
    assert not Message.objects.filter(conversation=handoff.conversation, intent="agent_transferred").exists()
    handoff_transfer(handoff_id=handoff.id, agent=team["sam"], to_agent_id=team["kim"].id)


def test_only_the_agent_who_claimed_may_answer_and_ops_may_not_work_handoffs(team):
    handoff = Handoff.objects.create(conversation=Conversation.objects.create(), reason="person")
    with pytest.raises(PermissionDenied):
        agent_reply(conversation_id=handoff.conversation_id, agent=team["sam"], text="hello")  # not claimed yet
    with pytest.raises(PermissionDenied):
        handoff_claim(handoff_id=handoff.id, agent=team["olivia"])  # ops are read-only
    handoff_claim(handoff_id=handoff.id, agent=team["sam"])
    with pytest.raises(PermissionDenied):
        agent_reply(conversation_id=handoff.conversation_id, agent=team["kim"], text="hello")


async def test_console_socket_permissions(team, make_customer, make_order):
    alice = await database_sync_to_async(make_customer)("alice")
    for user in (None, alice):
        socket = await console(user)
        # accepted, then closed with 4403 before anything is sent, so that a browser sees the code
        ok, _ = await socket.connect(timeout=10)
        assert ok and await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4403}
    handoff = await database_sync_to_async(Handoff.objects.create)(conversation=await database_sync_to_async(Conversation.objects.create)(), reason="person")
    order = await database_sync_to_async(make_order)(alice, status="delivered")
    refund = await database_sync_to_async(RefundRequest.objects.create)(
        conversation_id=handoff.conversation_id, order=order, reason="broken", amount=Decimal("10.00"))
    ops = await console(team["olivia"])
    assert (await ops.connect(timeout=10))[0]
    queue = await ops.receive_json_from(timeout=10)
    assert [h["id"] for h in queue["handoffs"]] == [handoff.id]
    for event in ({"type": "handoff.claim", "handoff_id": handoff.id},
                  {"type": "agent.message", "conversation_id": str(handoff.conversation_id), "text": "hi"},
                  {"type": "note.add", "conversation_id": str(handoff.conversation_id), "text": "hmm"},
                  {"type": "handoff.resolve", "handoff_id": handoff.id},
                  {"type": "handoff.transfer", "handoff_id": handoff.id, "to_agent_id": team["sam"].id},
                  {"type": "refund.approve", "refund_id": refund.id},
                  {"type": "refund.reject", "refund_id": refund.id, "note": "no"},
                  {"type": "typing", "conversation_id": str(handoff.conversation_id)}):
        await ops.send_json_to(event)
        error = await ops.receive_json_from(timeout=5)
        assert (error["type"], error["code"]) == ("error", "forbidden"), event
    await ops.send_json_to({"type": "conversation.open", "conversation_id": str(handoff.conversation_id)})
    assert (await ops.receive_json_from(timeout=5))["type"] == "conversation.detail"  # reading is allowed
    await ops.disconnect()


async def test_what_the_previous_conversation_sends_while_another_opens_is_never_shown_as_the_new_ones(
        team, make_customer):
    """The console switched from Alice's chat to Bob's while Alice wrote: her message used to arrive after the
    switch stamped as Bob's, and sat in his transcript (an agent could answer the wrong customer)."""
    from support import events, realtime

    alice, bob = [await database_sync_to_async(make_customer)(name) for name in ("alice", "bob")]
    _, alices = await connected(await database_sync_to_async(session_cookie_for)(alice))
    _, bobs = await connected(await database_sync_to_async(session_cookie_for)(bob))
    agent = await console_watching(team["sam"], alices["conversation_id"])
    await agent.send_json_to({"type": "conversation.open", "conversation_id": bobs["conversation_id"]})
    for _ in range(5):  # while Bob's chat is being read
        await realtime.conversation_send_async(alices["conversation_id"], events.message_saved(
            client_id="x", message_id=1, text="Alice's words", created_at=timezone.now().isoformat()))
    seen = []
    while not await agent.receive_nothing(timeout=0.5):
        seen.append(await agent.receive_json_from(timeout=1))
    assert [e["conversation_id"] for e in seen if e["type"] == "conversation.detail"] == [bobs["conversation_id"]]
    assert all(e["conversation_id"] == alices["conversation_id"] for e in seen if e["type"] == "message.saved"), seen
    await agent.disconnect()


async def test_a_customer_signing_in_does_not_close_the_console_watching_their_chat(team, make_customer):
    """A visitor's chat adopted into an account closes the visitor's sockets; the console's used to crash (1011)."""
    from support import realtime

    cookie = await anonymous_cookie()
    _, history = await connected(cookie)
    agent = await console_watching(team["sam"], history["conversation_id"])
    await database_sync_to_async(realtime.conversation_adopted)(history["conversation_id"])
    await agent.send_json_to({"type": "conversation.open", "conversation_id": history["conversation_id"]})
    assert (await agent.receive_json_from(timeout=5))["type"] == "conversation.detail"  # still open, still answering
    await agent.disconnect()


async def test_internal_notes_never_reach_the_customer(team, make_customer):
    alice = await database_sync_to_async(make_customer)("alice")
    cookie = await database_sync_to_async(session_cookie_for)(alice)
    socket, history = await connected(cookie)
    agent = await console(team["sam"])
    assert (await agent.connect(timeout=10))[0]
    await agent.receive_json_from(timeout=5)
    await agent.send_json_to({"type": "conversation.open", "conversation_id": history["conversation_id"]})
    assert (await agent.receive_json_from(timeout=5))["type"] == "conversation.detail"
    await agent.send_json_to({"type": "note.add", "conversation_id": history["conversation_id"], "text": "VIP, be kind"})
    note = await agent.receive_json_from(timeout=5)
    assert note["type"] == "note.added" and note["note"]["text"] == "VIP, be kind"
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
    _, history = await connected(cookie)
    assert "VIP" not in str(history)
    assert await database_sync_to_async(InternalNote.objects.count)() == 1
    await agent.disconnect()


async def test_a_note_longer_than_the_console_allows_is_cut_at_its_limit(settings, team, make_customer):
    settings.CONSOLE_MAX_MESSAGE_CHARS = 12  # what the console page gives its boxes as maxlength
    alice = await database_sync_to_async(make_customer)("alice")
    _, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    agent = await console_watching(team["sam"], history["conversation_id"])
    await agent.send_json_to({"type": "note.add", "conversation_id": history["conversation_id"],
                              "text": "VIP, be kind to her"})
    note = await agent.receive_json_from(timeout=5)
    assert note["type"] == "note.added" and note["note"]["text"] == "VIP, be kind"
    await agent.disconnect()


async def test_a_rejection_note_longer_than_the_console_allows_is_cut_at_its_limit(settings, team, make_customer,
                                                                                   make_order):
    """The reject dialog's box has a maxlength; a socket that ignores it could send the customer 64 KB of note."""
    from support.models import RefundDecision
    from support.services.refunds import refund_request_file

    settings.CONSOLE_MAX_REJECT_NOTE_CHARS = 20
    alice = await database_sync_to_async(make_customer)("alice")
    order = await database_sync_to_async(delivered_order)(make_order, alice)
    _, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    conversation = await database_sync_to_async(Conversation.objects.get)(id=history["conversation_id"])
    await database_sync_to_async(claimed_by)(conversation, team["sam"])
    item = await database_sync_to_async(lambda: order.items.first())()
    refund = await database_sync_to_async(refund_request_file)(conversation=conversation, order=order,
                                                                item_ids=[item.id], reason="cracked")
    agent = await console_watching(team["sam"], history["conversation_id"])
    await agent.send_json_to({"type": "refund.reject", "refund_id": refund.id, "note": "Outside the window. " * 50})
    await until(agent, "refund.updated", timeout=5)
    decision = await database_sync_to_async(RefundDecision.objects.get)(refund_request=refund)
    assert decision.note == "Outside the window."  # 20 characters, stripped
    await agent.disconnect()


def test_console_page_is_for_staff_only(client, team, make_customer):
    assert client.get("/console/").status_code == 302  # to the staff sign-in
    client.force_login(make_customer("alice"))
    assert client.get("/console/").status_code == 403  # a page saying it is for the support team
    client.force_login(team["olivia"])
    page = client.get("/console/")
    assert page.status_code == 200
    client.force_login(team["sam"])
    assert client.get("/console/").status_code == 200


# --- refunds -------------------------------------------------------------------------


def delivered_order(make_order, user: User, days_ago: int = 3, products: tuple[str, ...] = ("Blue lamp", "Oak table")) -> Order:
    order = make_order(user, status="delivered", product=products[0])
    for name in products[1:]:
        extra = make_order(user, status="delivered", product=name)
        item = extra.items.get()
        item.order = order
        item.save()
        extra.invoice.delete()
        extra.delete()
    order.delivered_at = timezone.now() - timedelta(days=days_ago)
    order.save()
    return order


def claimed_by(conversation: Conversation, agent: User) -> Handoff:
    """The conversation's handoff, claimed by `agent`: who may decide its refund."""
    return Handoff.objects.create(conversation=conversation, reason="refund", status="claimed", claimed_by=agent,
                                  claimed_at=timezone.now())


async def test_a_refund_filed_while_an_agent_has_the_chat_open_shows_in_their_console(make_customer, make_order, team):
    """Filed from the order's page (or by the assistant) while an agent held the chat: the console's refunds panel
    stayed empty, and Resolve enabled, until the agent opened the chat again."""
    from support.services.refunds import refund_request_file

    alice = await database_sync_to_async(make_customer)("alice")
    order = await database_sync_to_async(delivered_order)(make_order, alice)
    _, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    conversation = await database_sync_to_async(Conversation.objects.get)(id=history["conversation_id"])
    await database_sync_to_async(claimed_by)(conversation, team["sam"])
    agent = await console_watching(team["sam"], history["conversation_id"])
    item = await database_sync_to_async(lambda: order.items.first())()
    refund = await database_sync_to_async(refund_request_file)(conversation=conversation, order=order,
                                                                item_ids=[item.id], reason="it arrived cracked")
    updated, _ = await until(agent, "refund.updated", timeout=5)
    assert updated["refund"]["id"] == refund.id and updated["conversation_id"] == history["conversation_id"]
    await agent.disconnect()


async def test_refund_flow_end_to_end(settings, make_customer, make_order, team):
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    alice = await database_sync_to_async(make_customer)("alice")
    order = await database_sync_to_async(delivered_order)(make_order, alice)
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    # the customer asks; the bot collects which items and why
    await send(socket, "I want a refund")
    ask_items, _ = await until(socket, "reply.end")
    # #15 item 8: the assistant's own question is the local tier's reply, not people's.
    assert ask_items["route"] == "local" and "Which items" in ask_items["text"]
    await send(socket, "the blue lamp")
    confirm, _ = await until(socket, "reply.end")  # #15 item 1: what will be filed is shown first
    assert "I'll ask for a refund of €64.00 for: 1 × Blue lamp" in confirm["text"] and "Oak" not in confirm["text"]
    await send(socket, "yes")
    ask_reason, _ = await until(socket, "reply.end")
    assert "reason" in ask_reason["text"]
    await send(socket, "it arrived with a crack")
    filed, _ = await until(socket, "reply.end")
    assert "filed a refund request" in filed["text"] and "€64.00" in filed["text"]
    await until(socket, "handoff")
    refund = await database_sync_to_async(RefundRequest.objects.get)(order=order)
    assert refund.amount == Decimal("64.00") and refund.eligible and refund.reason == "it arrived with a crack"
    handoff = await database_sync_to_async(Handoff.objects.get)(conversation_id=history["conversation_id"])
    assert handoff.reason == "refund" and handoff.order_id == order.id and handoff.priority == Handoff.Priority.HIGH
    # the agent who claims the conversation approves; the customer is told in the conversation
    await database_sync_to_async(handoff_claim)(handoff_id=handoff.id, agent=team["sam"])
    await until(socket, "agent.joined")
    await database_sync_to_async(refund_decide)(refund_id=refund.id, user=team["sam"], approve=True)
    told, _ = await until(socket, "reply.end")
    # passed on by the assistant, decided by a person, who is named: the customer must not think a bot approved it
    assert told["text"].startswith("Good news: Sam from our team approved your refund of €64.00")
    assert await database_sync_to_async(Refund.objects.filter(order=order, status="approved").count)() == 1
    await socket.disconnect()


def test_refunds_above_the_limit_need_a_second_approver_who_is_a_supervisor(settings, team, make_customer, make_order):
    settings.REFUND_SUPERVISOR_LIMIT_EUR = 50
    order = delivered_order(make_order, make_customer("alice"))
    refund = RefundRequest.objects.create(conversation=Conversation.objects.create(), order=order, reason="broken",
                                          amount=Decimal("128.00"))
    handoff = claimed_by(refund.conversation, team["sam"])
    refund_decide(refund_id=refund.id, user=team["sam"], approve=True)
    refund.refresh_from_db()
    assert refund.status == "awaiting_second" and not Refund.objects.exists()
    Handoff.objects.filter(id=handoff.id).update(claimed_by=team["kim"])  # kim holds the claim now
    with pytest.raises(PermissionDenied):
        refund_decide(refund_id=refund.id, user=team["kim"], approve=True)  # not a supervisor
    refund_decide(refund_id=refund.id, user=team["sofia"], approve=True)
    refund.refresh_from_db()
    assert refund.status == "approved"
    told = Message.objects.filter(conversation=refund.conversation, intent="refund_decision").get()
    assert "Sofia from our team approved" in told.text  # the one whose approval made it final
    assert [(d.decided_by.username, d.verdict) for d in refund.decisions.all()] == [("sam", "approve"), ("sofia", "approve")]


def test_an_orders_refunds_count_together_against_the_supervisors_limit(settings, team, make_customer, make_order):
    """Session 27's security probe: one request per item, €148 and €179, were both approved by one agent alone."""
    settings.REFUND_SUPERVISOR_LIMIT_EUR = 200
    order = delivered_order(make_order, make_customer("alice"))
    order.items.update(unit_price=Decimal("200.00"))  # she paid for both refunds (never more than paid: session 30)
    conversation = Conversation.objects.create()
    first, second = (RefundRequest.objects.create(conversation=conversation, order=order, reason="broken",
                                                  amount=Decimal(amount)) for amount in ("148.00", "179.00"))
    claimed_by(conversation, team["sam"])
    refund_decide(refund_id=first.id, user=team["sam"], approve=True)
    refund_decide(refund_id=second.id, user=team["sam"], approve=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("approved", "awaiting_second")  # €327 on the order: a supervisor's turn
    refund_decide(refund_id=second.id, user=team["sofia"], approve=True)
    second.refresh_from_db()
    assert second.status == "approved"


def test_a_german_customer_reads_the_decision_in_german_with_the_amount_as_german_writes_it(team, make_customer,
                                                                                              make_order):
    """Found in session 23's walkthrough: "Ihre Erstattung von €689.00", the amount formatted in the agent's language."""
    order = delivered_order(make_order, make_customer("alice"))
    conversation = Conversation.objects.create()
    Message.objects.create(conversation=conversation, author="customer", text="Ich möchte mein Geld zurück",
                           language="de", status="answered")
    refund = RefundRequest.objects.create(conversation=conversation, order=order, reason="kaputt", amount=Decimal("64.00"))
    claimed_by(conversation, team["sam"])
    refund_decide(refund_id=refund.id, user=team["sam"], approve=True)
    told = Message.objects.get(conversation=conversation, intent="refund_decision")
    assert told.text.startswith("Gute Nachricht: Sam aus unserem Team hat Ihre Erstattung von 64,00"), told.text


def test_a_rejection_needs_a_note_and_ops_cannot_decide(team, make_customer, make_order):
    order = delivered_order(make_order, make_customer("alice"))
    refund = RefundRequest.objects.create(conversation=Conversation.objects.create(), order=order, reason="meh",
                                          amount=Decimal("10.00"))
    claimed_by(refund.conversation, team["sam"])
    with pytest.raises(PermissionDenied):
        refund_decide(refund_id=refund.id, user=team["olivia"], approve=True)
    with pytest.raises(ValidationError):
        refund_decide(refund_id=refund.id, user=team["sam"], approve=False)
    refund_decide(refund_id=refund.id, user=team["sam"], approve=False, note="Opened bedding can't be returned.")
    refund.refresh_from_db()
    assert refund.status == "rejected"
    told = Message.objects.filter(conversation=refund.conversation, intent="refund_decision").get()
    assert "Opened bedding" in told.text


def test_eligibility_follows_the_written_policy(make_customer, make_order):
    from support.services.refunds import refund_eligibility

    alice = make_customer("alice")
    late = delivered_order(make_order, alice, days_ago=45, products=("Late lamp",))
    assert refund_eligibility(order=late, items=list(late.items.all())) == ["delivered more than 30 days ago"]
    unshipped = make_order(alice, status="processing", product="Unshipped lamp")
    assert "can be cancelled instead" in refund_eligibility(order=unshipped, items=list(unshipped.items.all()))[0]


def test_neither_the_bot_nor_the_llm_has_a_way_to_approve_refunds():
    from support.llm.tools import TOOLS

    assert set(TOOLS) == {"order_lookup", "knowledge_search", "handoff_request"}


def held_by(agent: User, conversation_id: str) -> Handoff:
    """`agent` holds the conversation's claim, as after pressing Claim in the console."""
    Conversation.objects.filter(id=conversation_id).update(status=Conversation.Status.WITH_AGENT)
    return Handoff.objects.create(conversation_id=conversation_id, reason="person", status="claimed", claimed_by=agent,
                                  claimed_at=timezone.now())


async def test_typing_indicators_go_both_ways(team, make_customer):
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    await database_sync_to_async(held_by)(team["sam"], history["conversation_id"])
    agent = await console(team["sam"])
    assert (await agent.connect(timeout=10))[0]
    await agent.receive_json_from(timeout=5)
    await agent.send_json_to({"type": "conversation.open", "conversation_id": history["conversation_id"]})
    await agent.receive_json_from(timeout=5)
    await socket.send_json_to({"type": "typing"})
    assert await agent.receive_json_from(timeout=5) == {"type": "typing", "who": "customer",
                                                         "conversation_id": history["conversation_id"]}
    assert await socket.receive_nothing(timeout=0.3)  # the customer doesn't hear their own typing
    await agent.send_json_to({"type": "typing", "conversation_id": history["conversation_id"]})
    assert await socket.receive_json_from(timeout=5) == {"type": "typing", "who": "agent", "name": "Sam"}
    await socket.disconnect()
    await agent.disconnect()


def test_admin_rejects_refunds_only_with_a_note(client, team, make_customer, make_order):
    team["sam"].is_superuser = False
    order = delivered_order(make_order, make_customer("alice"))
    refund = RefundRequest.objects.create(conversation=Conversation.objects.create(), order=order, reason="meh",
                                          amount=Decimal("10.00"))
    admin_user = User.objects.create_superuser("boss", "boss@example-shoppe.test", "pw", first_name="Boss")
    client.force_login(admin_user)
    url = "/admin/support/refundrequest/"
    form = client.post(url, {"action": "reject_selected", "_selected_action": [refund.id]})
    assert form.status_code == 200 and b"Note for the customer" in form.content
    client.post(url, {"action": "reject_selected", "_selected_action": [refund.id], "apply": "1", "note": ""})
    refund.refresh_from_db()
    assert refund.status == "requested"
    client.post(url, {"action": "reject_selected", "_selected_action": [refund.id], "apply": "1", "note": "Final sale."})
    refund.refresh_from_db()
    assert refund.status == "rejected" and refund.decisions.get().note == "Final sale."
    approve = RefundRequest.objects.create(conversation=refund.conversation, order=order, reason="x", amount=Decimal("5.00"))
    client.post(url, {"action": "approve_selected", "_selected_action": [approve.id]})
    approve.refresh_from_db()
    assert approve.status == "approved"


# --- typing is throttled on the server (#13 item 14) ----------------------------------


def typing_windows(started: float) -> int:
    """How many typing indicators the throttle may let through since `started`: one per TYPING_ALLOWED_EVERY_S begun."""
    from support.services.typing import TYPING_ALLOWED_EVERY_S

    return 1 + int((time.monotonic() - started) // TYPING_ALLOWED_EVERY_S)


async def test_a_customer_sending_typing_in_a_loop_reaches_the_console_only_every_two_seconds(team, make_customer):
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    agent = await console_watching(team["sam"], history["conversation_id"])
    # when a script sends 200 typing events at once
    started = time.monotonic()
    for _ in range(200):
        await socket.send_json_to({"type": "typing"})
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=10))["type"] == "pong"  # all 200 were handled
    # then the agent's console shows the customer typing once, not 200 times (once per TYPING_ALLOWED_EVERY_S that
    # handling them took: a loaded machine took longer than that once, and a second one was rightly let through)
    heard = []
    while not await agent.receive_nothing(timeout=0.5):
        heard.append(await agent.receive_json_from(timeout=1))
    assert {e["type"] for e in heard} == {"typing"} and len(heard) <= typing_windows(started), heard
    await socket.disconnect()
    await agent.disconnect()


async def test_an_agent_sending_typing_in_a_loop_reaches_the_customer_only_every_two_seconds(team, make_customer):
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    await database_sync_to_async(held_by)(team["sam"], history["conversation_id"])
    agent = await console(team["sam"])
    assert (await agent.connect(timeout=10))[0]
    await agent.receive_json_from(timeout=5)
    started = time.monotonic()
    for _ in range(200):
        await agent.send_json_to({"type": "typing", "conversation_id": history["conversation_id"]})
    await agent.send_json_to({"type": "barrier"})
    assert (await agent.receive_json_from(timeout=10))["code"] == "unknown_type"  # all 200 were handled
    heard = []
    while not await socket.receive_nothing(timeout=0.5):
        heard.append(await socket.receive_json_from(timeout=1))
    assert heard and all(e == {"type": "typing", "who": "agent", "name": "Sam"} for e in heard), heard
    assert len(heard) <= typing_windows(started), heard
    await socket.disconnect()
    await agent.disconnect()


async def test_only_whoever_may_answer_the_chat_shows_as_typing_in_it(team, make_customer):
    """The console's reply box is disabled until the agent claims the chat; a colleague's crafted socket could still
    send typing to any conversation, and the customer saw "Kim is typing" while Sam held the chat."""
    alice = await database_sync_to_async(make_customer)("alice")
    socket, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    await database_sync_to_async(held_by)(team["sam"], history["conversation_id"])
    for name, heard in (("kim", []), ("sofia", [{"type": "typing", "who": "agent", "name": "Sofia"}]),
                        ("sam", [{"type": "typing", "who": "agent", "name": "Sam"}])):
        colleague = await console(team[name])
        assert (await colleague.connect(timeout=10))[0]
        await colleague.receive_json_from(timeout=5)
        await colleague.send_json_to({"type": "typing", "conversation_id": history["conversation_id"]})
        await colleague.send_json_to({"type": "barrier"})
        assert (await colleague.receive_json_from(timeout=10))["code"] == "unknown_type"  # handled, without an error
        got = []
        while not await socket.receive_nothing(timeout=0.5):
            got.append(await socket.receive_json_from(timeout=1))
        assert got == heard, (name, got)  # Kim holds nothing here; Sofia supervises; Sam holds the claim
        await colleague.disconnect()
    await socket.disconnect()


# --- who may act on a handoff or a refund (#13 item 16) ------------------------------


async def _console_event(user: User, event: dict) -> dict | None:
    """Send one console event as `user`; the error it was answered with, or None when it went through."""
    socket = await console(user)
    assert (await socket.connect(timeout=10))[0]
    assert (await socket.receive_json_from(timeout=10))["type"] == "queue"
    await socket.send_json_to(event)
    await socket.send_json_to({"type": "barrier"})  # answered with unknown_type once the event is done
    errors = []
    while (reply := await socket.receive_json_from(timeout=10)).get("code") != "unknown_type":
        if reply["type"] == "error":
            errors.append(reply)
    await socket.disconnect()
    return errors[0] if errors else None


def _claimed_handoff(agent: User | None, **fields) -> Handoff:  # type: ignore[no-untyped-def]
    conversation = Conversation.objects.create(status=Conversation.Status.WITH_AGENT if agent else Conversation.Status.WAITING)
    return Handoff.objects.create(conversation=conversation, reason="person", status="claimed" if agent else "queued",
                                  claimed_by=agent, claimed_at=timezone.now() if agent else None, **fields)


async def test_a_transfer_to_a_customer_says_not_found_like_an_unknown_id(team, make_customer):
    bob = await database_sync_to_async(make_customer)("bob", "Bob")
    handoff = await database_sync_to_async(_claimed_handoff)(team["sam"])
    to_customer = await _console_event(team["sam"], {"type": "handoff.transfer", "handoff_id": handoff.id,
                                                     "to_agent_id": bob.id})
    to_nobody = await _console_event(team["sam"], {"type": "handoff.transfer", "handoff_id": handoff.id,
                                                   "to_agent_id": 987654})
    to_ops = await _console_event(team["sam"], {"type": "handoff.transfer", "handoff_id": handoff.id,
                                                "to_agent_id": team["olivia"].id})
    # the answer does not tell a customer's id (or name) from an id nobody has
    assert to_customer is not None and to_customer == to_nobody == to_ops
    assert "bob" not in json.dumps(to_customer).lower()
    assert (await database_sync_to_async(Handoff.objects.get)(id=handoff.id)).claimed_by_id == team["sam"].id


@pytest.mark.parametrize("event", [
    {"type": "refund.approve", "refund_id": True},
    {"type": "refund.approve", "refund_id": 1.0},
    {"type": "refund.approve", "refund_id": "1"},
    {"type": "refund.approve", "refund_id": 2**70},
    {"type": "refund.reject", "refund_id": True, "note": "no"},
    {"type": "refund.reject", "refund_id": 1, "note": {"text": "no"}},
    {"type": "handoff.claim", "handoff_id": True},
    {"type": "handoff.resolve", "handoff_id": [1]},
    {"type": "agent.message", "conversation_id": "x", "text": {"a": 1}},
], ids=str)
async def test_ids_and_texts_must_have_their_type(team, make_customer, make_order, event):
    order = await database_sync_to_async(delivered_order)(make_order, await database_sync_to_async(make_customer)("alice"))
    # id 1, so that `true` (or 1.0, or "1") would name them if it were read as 1
    handoff = await database_sync_to_async(_claimed_handoff)(team["sofia"], id=1)
    refund = await database_sync_to_async(RefundRequest.objects.create)(
        id=1, conversation_id=handoff.conversation_id, order=order, reason="broken", amount=Decimal("10.00"))
    reply = await _console_event(team["sofia"], event)
    assert reply is not None and reply["code"] == "invalid", reply
    assert (await database_sync_to_async(RefundRequest.objects.get)(id=refund.id)).status == "requested"
    assert (await database_sync_to_async(Handoff.objects.get)(id=handoff.id)).status == "claimed"


async def test_an_agent_decides_refunds_and_resolves_only_handoffs_they_claimed(team, make_customer, make_order):
    order = await database_sync_to_async(delivered_order)(make_order, await database_sync_to_async(make_customer)("alice"))

    def refund_on(handoff: Handoff) -> RefundRequest:
        return RefundRequest.objects.create(conversation_id=handoff.conversation_id, order=order, reason="broken",
                                            amount=Decimal("10.00"))

    for claimer in (None, team["kim"]):  # nobody's yet, or a colleague's
        handoff = await database_sync_to_async(_claimed_handoff)(claimer)
        refund = await database_sync_to_async(refund_on)(handoff)
        for event in ({"type": "refund.approve", "refund_id": refund.id},
                      {"type": "refund.reject", "refund_id": refund.id, "note": "Not covered."},
                      {"type": "handoff.resolve", "handoff_id": handoff.id}):
            reply = await _console_event(team["sam"], event)
            assert reply is not None and reply["code"] == "forbidden", (claimer, event, reply)
        assert (await database_sync_to_async(RefundRequest.objects.get)(id=refund.id)).status == "requested"
        assert (await database_sync_to_async(Handoff.objects.get)(id=handoff.id)).status == handoff.status
        # a supervisor may step in
        assert await _console_event(team["sofia"], {"type": "refund.approve", "refund_id": refund.id}) is None
        assert (await database_sync_to_async(RefundRequest.objects.get)(id=refund.id)).status == "approved"
        assert await _console_event(team["sofia"], {"type": "handoff.resolve", "handoff_id": handoff.id}) is None
        assert (await database_sync_to_async(Handoff.objects.get)(id=handoff.id)).status == "resolved"
    # and the agent who claimed it may do both
    handoff = await database_sync_to_async(_claimed_handoff)(team["sam"])
    refund = await database_sync_to_async(refund_on)(handoff)
    assert await _console_event(team["sam"], {"type": "refund.reject", "refund_id": refund.id,
                                              "note": "Not covered."}) is None
    assert (await database_sync_to_async(RefundRequest.objects.get)(id=refund.id)).status == "rejected"
    assert await _console_event(team["sam"], {"type": "handoff.resolve", "handoff_id": handoff.id}) is None
    assert (await database_sync_to_async(Handoff.objects.get)(id=handoff.id)).status == "resolved"


@pytest.mark.django_db
def test_the_console_links_the_ops_pages_for_those_who_may_open_them(team):
    # Session 35's walkthrough: ops landed on the console, whose only link was Admin, and had to type /ops/.
    from django.test import Client

    for name, linked in (("olivia", True), ("sofia", True), ("sam", False)):
        browser = Client()
        browser.force_login(team[name])
        page = browser.get("/console/").content.decode()
        assert ('href="/ops/"' in page) == linked, name
