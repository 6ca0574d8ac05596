"""A refund waiting for a supervisor's second approval is not lost by a resolve (#15 item 2).

An agent approved a €689 refund once and resolved: the customer was told "our team has finished
here", the conversation left the queue and no supervisor could find it in the console. Now resolve
is refused while a refund is undecided or waits for its second approval, every console gets the
supervisors' queue ("Refunds awaiting a supervisor") with the queue and live after, and the customer
is told what is pending and then the outcome, in the conversation.

Driven through the real console and chat sockets (`WebsocketCommunicator` on the ASGI app).
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from support.models import Conversation, Handoff, RefundRequest
from support.services.handoff import RefundPending, handoff_resolve
from support.services.refunds import refund_decide
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import connected, until
from tests.support.test_human_tier import claimed_by, console, delivered_order, team  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


def alice_asks_for_a_refund(make_customer, make_order, sam: User, amount: str) -> tuple[Handoff, RefundRequest]:  # type: ignore[no-untyped-def]
    """Alice's conversation with a refund of `amount` filed, its handoff claimed by Sam."""
    alice = User.objects.filter(username="alice").first() or make_customer("alice")
    conversation = Conversation.objects.create(customer=alice, status=Conversation.Status.WITH_AGENT)
    order = delivered_order(make_order, alice, products=("Oak dining table",))
    order.items.update(unit_price=Decimal(amount))  # the table cost what is refunded (never more than paid: session 30)
    refund = RefundRequest.objects.create(conversation=conversation, order=order, reason="deep scratch",
                                          amount=Decimal(amount))
    return claimed_by(conversation, sam), refund


async def opened_console(user: User):  # type: ignore[no-untyped-def]
    socket = await console(user)
    assert (await socket.connect(timeout=10))[0]
    queue = await socket.receive_json_from(timeout=10)
    assert queue["type"] == "queue"
    return socket, queue


async def test_resolve_waits_for_the_supervisor_who_finds_the_refund_and_the_customer_hears_each_step(
        settings, make_customer, make_order, team):  # type: ignore[no-untyped-def]
    settings.REFUND_SUPERVISOR_LIMIT_EUR = 200
    handoff, refund = await database_sync_to_async(alice_asks_for_a_refund)(make_customer, make_order, team["sam"], "689.00")
    alice = await database_sync_to_async(User.objects.get)(username="alice")
    customer, _ = await connected(await database_sync_to_async(session_cookie_for)(alice),
                                  query=f"conversation={handoff.conversation_id}")
    sam, _ = await opened_console(team["sam"])

    # Sam gives the first approval: above the limit it waits for a supervisor, and Alice is told so.
    await sam.send_json_to({"type": "refund.approve", "refund_id": refund.id})
    told, _ = await until(customer, "reply.end")
    assert "€689.00" in told["text"] and "second approval" in told["text"] and "message you here" in told["text"]
    waiting, _ = await until(sam, "refund.awaiting")  # every console's supervisor queue gains it, live
    assert waiting["refund"]["id"] == refund.id and waiting["refund"]["status"] == "awaiting_second"
    assert waiting["refund"]["customer"] == "Alice" and waiting["refund"]["conversation_id"] == str(handoff.conversation_id)

    # Sam resolves: refused, with a message that says why, and nothing reaches Alice.
    await sam.send_json_to({"type": "handoff.resolve", "handoff_id": handoff.id})
    refused, _ = await until(sam, "error")
    assert refused["code"] == "refund_pending", refused
    assert "€689.00" in refused["message"] and "supervisor" in refused["message"]
    assert await customer.receive_nothing(timeout=0.5)
    assert (await database_sync_to_async(Handoff.objects.get)(id=handoff.id)).status == "claimed"

    # The supervisor's console lists it in "Refunds awaiting a supervisor" on connect.
    sofia, queue = await opened_console(team["sofia"])
    [listed] = queue["refunds_awaiting"]
    assert listed["id"] == refund.id and listed["amount"] == "689.00" and listed["customer"] == "Alice"
    assert [d["by"] for d in listed["decisions"]] == ["Sam"]
    # Amounts come formatted for the (English) console, which shows them as they are (#17 item 9).
    assert listed["amount_text"] == "€689.00" and [d["amount_text"] for d in listed["decisions"]] == ["€689.00"]

    # She approves the second time: Alice hears the outcome, the refund leaves the supervisors' queue.
    await sofia.send_json_to({"type": "refund.approve", "refund_id": refund.id})
    outcome, _ = await until(customer, "reply.end")
    assert "approved" in outcome["text"] and "€689.00" in outcome["text"]
    done, _ = await until(sofia, "refund.awaiting")
    assert done["refund"]["id"] == refund.id and done["refund"]["status"] == "approved"

    # Now Sam may resolve.
    await database_sync_to_async(handoff_resolve)(handoff_id=handoff.id, agent=team["sam"])
    assert (await database_sync_to_async(Handoff.objects.get)(id=handoff.id)).status == "resolved"
    for socket in (customer, sam, sofia):
        await socket.disconnect()


def test_an_undecided_refund_blocks_resolve_too_and_a_supervisor_cannot_skip_it(settings, make_customer, make_order,
                                                                               team):  # type: ignore[no-untyped-def]
    settings.REFUND_SUPERVISOR_LIMIT_EUR = 200
    handoff, refund = alice_asks_for_a_refund(make_customer, make_order, team["sam"], "64.00")
    with pytest.raises(RefundPending, match="approve or reject the refund of €64.00"):
        handoff_resolve(handoff_id=handoff.id, agent=team["sam"])
    with pytest.raises(RefundPending):
        handoff_resolve(handoff_id=handoff.id, agent=team["sofia"])  # stepping in does not skip the refund
    refund_decide(refund_id=refund.id, user=team["sam"], approve=False, note="Scratches from use are not covered.")
    handoff_resolve(handoff_id=handoff.id, agent=team["sam"])
    handoff.refresh_from_db()
    assert handoff.status == "resolved"


def test_a_supervisor_rejecting_the_second_time_takes_it_off_the_queue_and_tells_the_customer(
        settings, make_customer, make_order, team):  # type: ignore[no-untyped-def]
    from support.models import Message
    from support.services.refunds import refunds_awaiting_supervisor

    settings.REFUND_SUPERVISOR_LIMIT_EUR = 200
    handoff, refund = alice_asks_for_a_refund(make_customer, make_order, team["sam"], "689.00")
    refund_decide(refund_id=refund.id, user=team["sam"], approve=True)
    assert [r["id"] for r in refunds_awaiting_supervisor()] == [refund.id]
    pending = Message.objects.get(conversation=handoff.conversation, intent="refund_pending")
    assert "waiting for a second approval" in pending.text and "Sam" in pending.text

    refund_decide(refund_id=refund.id, user=team["sofia"], approve=False, note="The table was used for a year.")
    assert refunds_awaiting_supervisor() == []
    told = Message.objects.get(conversation=handoff.conversation, intent="refund_decision")
    assert "could not approve" in told.text and "used for a year" in told.text
