"""A refund agreed in the live chat, filed by the agent in the console (session 29's walkthrough: the handoff had
cleared the assistant's collection and the console offered nothing, so the agreed refund was lost).

The console asks for the orders it may file for (`refund.orders`: the conversation's customer's own orders and the
guest orders proved in it with their emailed code, what is left of each line) and files one (`refund.file`) through
the assistant's `refund_request_file`: same list, same approval rules, the customer told in the chat. Driven through
the real console and chat sockets (`WebsocketCommunicator` on the ASGI app) and the service.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group, Permission, User

from shoppe.models import Order, OrderItem
from support.models import Conversation, InternalNote, Message, RefundRequest
from support.services import proofs
from support.services.console_refunds import refund_request_from_console
from support.services.refunds import refund_decide, refund_quantity_set, refund_request_file
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import connected, until
from tests.support.test_human_tier import claimed_by, console_watching, team  # noqa: F401 (fixture)
from tests.support.test_refund_quantities import (alice_in_the_chat, always_open, mug_order,  # noqa: F401 (fixture)
                                                  reply_to)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]

REASON = "One mug arrived cracked; agreed with the customer in the chat"


def file_event(conversation_id: str, order: int, items: list[tuple[int, int]], reason: str = REASON) -> dict:
    return {"type": "refund.file", "conversation_id": conversation_id, "order": order,
            "items": [{"item_id": item_id, "quantity": quantity} for item_id, quantity in items], "reason": reason}


def changes(conversation: Conversation) -> tuple[int, int, int]:
    """What filing changes: the refund requests, the lines in the chat, the internal notes."""
    return (RefundRequest.objects.count(), Message.objects.filter(conversation=conversation).count(),
            InternalNote.objects.filter(conversation=conversation).count())


async def test_the_agent_files_the_refund_agreed_in_the_chat_and_the_customer_is_told(make_customer, team):
    # given: Alice's 2 × Ceramic mug, her chat held by Sam; Bob's order of the same mugs
    alice = await database_sync_to_async(make_customer)("alice")
    bob = await database_sync_to_async(make_customer)("bob", "Bob")
    order = await database_sync_to_async(mug_order)(alice)
    await database_sync_to_async(mug_order)(bob, number=10041)
    customer, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    conversation_id = history["conversation_id"]
    conversation = await database_sync_to_async(Conversation.objects.get)(id=conversation_id)
    await database_sync_to_async(claimed_by)(conversation, team["sam"])
    agent = await console_watching(team["sam"], conversation_id)

    # when: Sam opens the form: Alice's order only, and how many of each line are left to refund
    await agent.send_json_to({"type": "refund.orders", "conversation_id": conversation_id})
    offered, _ = await until(agent, "refund.orders", timeout=5)
    assert offered["conversation_id"] == conversation_id
    assert [o["number"] for o in offered["orders"]] == [10040]
    mug = offered["orders"][0]["items"][0]
    assert (mug["product"], mug["ordered"], mug["left"], mug["unit_price_text"]) == ("Ceramic mug", 2, 2, "€12.00")

    # and files one of the two mugs
    await agent.send_json_to(file_event(conversation_id, 10040, [(mug["item_id"], 1)]))
    filed, _ = await until(agent, "refund.filed", timeout=5)

    # then: a request like the assistant's, in the refund list, waiting for a decision
    shown = filed["refund"]
    assert (shown["amount_text"], shown["status"], shown["reason"]) == ("€12.00", "requested", REASON)
    assert shown["items"][0]["line_text"] == "1 of 2 × Ceramic mug"
    refund = await database_sync_to_async(RefundRequest.objects.get)(order=order)
    assert refund.amount == Decimal("12.00") and str(refund.conversation_id) == conversation_id
    # the customer reads it in the chat, from the agent who filed it
    told, _ = await until(customer, "reply.end", timeout=5)
    assert told["text"].startswith("Sam from our team filed a refund request for 1 of 2 × Ceramic mug from order "
                                   "10040 (€12.00)."), told["text"]
    # and the team reads who filed what
    note = await database_sync_to_async(lambda: InternalNote.objects.get(conversation_id=conversation_id))()
    assert note.author_id == team["sam"].id and "1 of 2 × Ceramic mug" in note.text and REASON in note.text

    # Decided as every other request is: Sam approves it in the console.
    await agent.send_json_to({"type": "refund.approve", "refund_id": refund.id})
    updated, _ = await until(agent, "refund.updated", timeout=5)
    while updated["refund"]["status"] == "requested":  # the filing's own update may come first
        updated, _ = await until(agent, "refund.updated", timeout=5)
    assert updated["refund"]["status"] == "approved"
    await agent.disconnect()
    await customer.disconnect()


def test_a_large_refund_filed_in_the_console_still_needs_a_supervisors_second_approval(settings, make_customer, team):
    settings.REFUND_SUPERVISOR_LIMIT_EUR = 20
    alice = make_customer("alice")
    order = mug_order(alice)
    conversation = Conversation.objects.create(customer=alice)
    claimed_by(conversation, team["sam"])
    mug = order.items.get()
    refund = refund_request_from_console(conversation_id=conversation.id, order_number=order.number,
                                         quantities={mug.id: 2}, reason=REASON, agent=team["sam"])
    assert refund.amount == Decimal("24.00")
    assert refund_decide(refund_id=refund.id, user=team["sam"], approve=True).status == "awaiting_second"
    assert refund_decide(refund_id=refund.id, user=team["sofia"], approve=True).status == "approved"


def test_a_german_customer_is_told_in_german(make_customer, team):
    alice = make_customer("alice")
    order = mug_order(alice)
    conversation = Conversation.objects.create(customer=alice)
    Message.objects.create(conversation=conversation, author="customer", text="Eine Tasse kam kaputt an",
                           language="de", status="answered")
    claimed_by(conversation, team["sam"])
    refund_request_from_console(conversation_id=conversation.id, order_number=order.number,
                                quantities={order.items.get().id: 1}, reason=REASON, agent=team["sam"])
    told = Message.objects.filter(conversation=conversation, author="bot").get()
    assert told.text.startswith("Sam aus unserem Team hat eine Erstattung"), told.text
    assert "12,00" in told.text and "10040" in told.text


def test_a_guest_order_is_offered_once_proved_with_its_emailed_code(make_guest_order, team):
    """The orders the assistant would file a refund for: a guest order read with its number and email only is not."""
    from support.console_selectors import refund_orders_offered

    read_only, proved = make_guest_order(status="delivered"), make_guest_order(status="delivered")
    conversation = Conversation.objects.create(state={proofs.READ: [read_only.number], proofs.CHANGE: [proved.number]})
    claimed_by(conversation, team["sam"])
    offered = refund_orders_offered(conversation_id=conversation.id, agent=team["sam"])
    assert [o["number"] for o in offered] == [proved.number]


def _refund_less_staff() -> User:
    """Staff who work handoffs but were not given the refund permission."""
    group = Group.objects.create(name="Chat only")
    group.permissions.set(Permission.objects.filter(codename__in=["work_handoffs", "view_handoff", "add_internalnote"]))
    user = User.objects.create_user("tom", "tom@example-shoppe.test", "pw", first_name="Tom", is_staff=True)
    user.groups.add(group)
    return User.objects.get(id=user.id)


# (who files, what they send: order number, items as (line, quantity), reason; the error's code and words)
REFUSED = {
    "no items": ("sam", 10040, [], REASON, "invalid", "Choose at least one item"),
    "more than was bought": ("sam", 10040, [("alice", 3)], REASON, "invalid", "At most 2 of 2 × Ceramic mug"),
    "more than is left": ("sam", 10040, [("alice", 2)], REASON, "invalid",
                          "At most 1 of 2 × Ceramic mug can be refunded (1 already asked for or refunded)"),
    "none": ("sam", 10040, [("alice", 0)], REASON, "invalid", "At most 2 of 2 × Ceramic mug"),
    "no reason": ("sam", 10040, [("alice", 1)], "  ", "invalid", "reason"),
    "another customer's order": ("sam", 10041, [("bob", 1)], REASON, "invalid",
                                 "Order 10041 is not one of this customer's orders"),
    "another order's item": ("sam", 10040, [("bob", 1)], REASON, "invalid", "That item is not on order 10040"),
    "an order nobody has": ("sam", 99999, [("alice", 1)], REASON, "invalid",
                            "Order 99999 is not one of this customer's orders"),
    "staff without the refund permission": ("tom", 10040, [("alice", 1)], REASON, "forbidden",
                                            "You can't file refunds"),
    "an agent who does not hold the chat": ("kim", 10040, [("alice", 1)], REASON, "forbidden",
                                            "Claim the conversation"),
    "read-only ops": ("olivia", 10040, [("alice", 1)], REASON, "forbidden", "You can't file refunds"),
}


@pytest.mark.parametrize("case", REFUSED)
async def test_a_refund_the_console_may_not_file_is_refused_with_a_reason_and_changes_nothing(make_customer, team,
                                                                                             case: str):
    who, number, items, reason, code, words = REFUSED[case]

    def given() -> tuple[Conversation, dict[str, int], User]:
        alice, bob = make_customer("alice"), make_customer("bob", "Bob")
        lines = {"alice": mug_order(alice).items.get().id, "bob": mug_order(bob, number=10041).items.get().id}
        conversation = Conversation.objects.create(customer=alice)
        tom = _refund_less_staff()
        claimed_by(conversation, tom if who == "tom" else team["sam"])
        if case == "more than is left":  # one of the two mugs already asked for
            refund_request_file(conversation=conversation, order=Order.objects.get(number=10040),
                                item_ids=[lines["alice"]], quantities={lines["alice"]: 1}, reason="the first one")
        return conversation, lines, tom if who == "tom" else team[who]

    conversation, lines, actor = await database_sync_to_async(given)()
    before = await database_sync_to_async(changes)(conversation)
    agent = await console_watching(actor, str(conversation.id))
    await agent.send_json_to(file_event(str(conversation.id), number, [(lines[o], q) for o, q in items], reason))
    refused, _ = await until(agent, "error", timeout=5)
    assert refused["code"] == code and words in refused["message"], refused
    assert await database_sync_to_async(changes)(conversation) == before
    await agent.disconnect()


@pytest.mark.parametrize("who", ["tom", "kim", "olivia"])
async def test_the_orders_are_not_shown_to_staff_who_may_not_file(make_customer, team, who: str):
    def given() -> tuple[Conversation, User]:
        alice = make_customer("alice")
        mug_order(alice)
        conversation = Conversation.objects.create(customer=alice)
        tom = _refund_less_staff()
        claimed_by(conversation, tom if who == "tom" else team["sam"])
        return conversation, tom if who == "tom" else team[who]

    conversation, actor = await database_sync_to_async(given)()
    agent = await console_watching(actor, str(conversation.id))
    await agent.send_json_to({"type": "refund.orders", "conversation_id": str(conversation.id)})
    refused, seen = await until(agent, "error", timeout=5)
    assert refused["code"] == "forbidden" and not [e for e in seen if e["type"] == "refund.orders"]
    await agent.disconnect()


# An order is never refunded more than was paid for it (session 30's security probe: a returned order refunded in full
# by its return was refunded again from the console; a cancelled order, whose payment is released, got a refund too).
def _refunded_by_its_return(order: Order) -> None:
    from shoppe.models import Refund

    order.status = Order.Status.RETURNED
    order.save(update_fields=["status"])
    Refund.objects.create(order=order, amount=order.total, status=Refund.Status.PAID, reason="the return")


def _cancelled(order: Order) -> None:
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])


@pytest.mark.parametrize("settled", [_refunded_by_its_return, _cancelled], ids=["refunded by its return", "cancelled"])
def test_an_order_with_nothing_left_of_its_payment_is_not_offered_and_cannot_be_filed(make_customer, team, settled):
    from django.core.exceptions import ValidationError

    from support.console_selectors import refund_orders_offered

    alice = make_customer("alice")
    order = mug_order(alice)
    settled(order)
    conversation = Conversation.objects.create(customer=alice)
    claimed_by(conversation, team["sam"])
    assert refund_orders_offered(conversation_id=conversation.id, agent=team["sam"]) == []
    with pytest.raises(ValidationError, match="can be refunded at most €0.00 more"):
        refund_request_from_console(conversation_id=conversation.id, order_number=order.number,
                                    quantities={order.items.get().id: 1}, reason=REASON, agent=team["sam"])
    assert not RefundRequest.objects.exists()


def test_approving_never_refunds_an_order_more_than_was_paid(make_customer, team):
    """A request filed before the order's return was refunded (the assistant's, say) cannot be approved after it."""
    from django.core.exceptions import ValidationError

    alice = make_customer("alice")
    order = mug_order(alice)
    conversation = Conversation.objects.create(customer=alice)
    claimed_by(conversation, team["sam"])
    mug = order.items.get()
    refund = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], reason="both cracked")
    _refunded_by_its_return(order)
    with pytest.raises(ValidationError, match="can be refunded at most €0.00 more"):
        refund_decide(refund_id=refund.id, user=team["sam"], approve=True)
    refund.refresh_from_db()
    assert refund.status == "requested"
    # part of it refunded: the rest still can be
    from shoppe.models import Refund

    Refund.objects.filter(order=order).update(amount=order.total - Decimal("24.00"))
    assert refund_decide(refund_id=refund.id, user=team["sam"], approve=True).status == "approved"


async def test_in_the_chat_an_order_refunded_in_full_is_told_so_a_person_offered_and_nothing_filed(make_customer,
                                                                                                  always_open):
    """The review finding: the chat filed a refund request for a paid order refunded in full, which could only be
    rejected. Through the real chat socket: the router, the answer, the customer's yes to a person."""
    from support.models import Handoff

    order, socket = await alice_in_the_chat(make_customer)
    await database_sync_to_async(_refunded_by_its_return)(order)

    told = await reply_to(socket, f"I want a refund for order {order.number}, both mugs arrived cracked")
    assert told.startswith(f"Order {order.number} has already been refunded in full, so there is nothing left to "
                           "refund. If you think that's not right, shall I ask a person from our team"), told
    passed = await reply_to(socket, "yes")
    assert f"passing order {order.number} to our support team" in passed, passed
    await until(socket, "handoff")  # the handoff follows the reply
    handoff = await database_sync_to_async(Handoff.objects.get)()
    assert (handoff.reason, handoff.order_id) == (Handoff.Reason.PERSON, order.id)
    assert not await database_sync_to_async(RefundRequest.objects.exists)()
    await socket.disconnect()


def _partly_refunded(make_customer, team) -> tuple[Conversation, Order, OrderItem]:  # type: ignore[no-untyped-def]
    """Alice's chat, held by Sam, about her 2 × Ceramic mug (EUR 28.95 paid with the delivery), EUR 10 of it refunded
    by part of its return: EUR 18.95 left to refund."""
    from shoppe.models import Refund

    alice = make_customer("alice")
    order = mug_order(alice)
    Refund.objects.create(order=order, amount=Decimal("10.00"), status=Refund.Status.PAID, reason="part returned")
    conversation = Conversation.objects.create(customer=alice)
    claimed_by(conversation, team["sam"])
    return conversation, order, order.items.get()


def test_the_console_refuses_more_than_is_left_of_the_payment_and_files_what_fits(make_customer, team):
    """Two mugs (EUR 24) are more than is left, one (EUR 12) is not. Staff file the amount they agreed, so beyond it is
    refused, not filed with a note as a customer's is."""
    from django.core.exceptions import ValidationError

    conversation, order, mug = _partly_refunded(make_customer, team)
    before = changes(conversation)
    with pytest.raises(ValidationError, match="can be refunded at most €18.95 more .*: €24.00 is more"):
        refund_request_from_console(conversation_id=conversation.id, order_number=order.number,
                                    quantities={mug.id: 2}, reason=REASON, agent=team["sam"])
    assert changes(conversation) == before
    refund = refund_request_from_console(conversation_id=conversation.id, order_number=order.number,
                                         quantities={mug.id: 1}, reason=REASON, agent=team["sam"])
    assert refund.amount == Decimal("12.00") and refund.eligible and refund.eligibility_notes == []


def test_a_customers_request_for_more_than_is_left_is_filed_with_a_note_and_approving_it_stays_capped(make_customer,
                                                                                                     team):
    """The assistant files what the customer asked for (the team may refund part of it, or tell them why not); the
    person deciding reads how much is left before approving, which is refused beyond it."""
    from django.core.exceptions import ValidationError

    conversation, order, mug = _partly_refunded(make_customer, team)
    refund = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], reason="both cracked")
    assert refund.amount == Decimal("24.00") and not refund.eligible
    assert refund.eligibility_notes == ["only €18.95 of what was paid is left to refund (€24.00 asked): approving "
                                        "more is refused"]
    with pytest.raises(ValidationError, match="can be refunded at most €18.95 more"):
        refund_decide(refund_id=refund.id, user=team["sam"], approve=True)
    # the agent lowers it to what the payment has room for: approved
    refund_quantity_set(refund_id=refund.id, item_id=mug.id, quantity=1, user=team["sam"])
    assert refund_decide(refund_id=refund.id, user=team["sam"], approve=True).status == "approved"


@pytest.mark.parametrize("settled", [_refunded_by_its_return, _cancelled], ids=["refunded by its return", "cancelled"])
def test_a_customers_request_for_an_order_with_nothing_left_of_its_payment_is_refused_and_nothing_filed(
        make_customer, settled):
    from support.services.refunds import RefundNothingLeft

    alice = make_customer("alice")
    order = mug_order(alice)
    settled(order)
    conversation = Conversation.objects.create(customer=alice)
    with pytest.raises(RefundNothingLeft) as refused:
        refund_request_file(conversation=conversation, order=order, item_ids=[order.items.get().id], reason="cracked")
    assert refused.value.order == order and not RefundRequest.objects.exists()
