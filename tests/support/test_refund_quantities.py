"""A refund for some of a line's items: "one of the two mugs arrived broken" asks for one mug, not both (session 28's
walkthrough). The request holds a quantity per item; its amount is the unit price times it; staff see "1 of 2 x
Ceramic mug" and may lower or raise it before approving, never beyond what was bought and not yet refunded.

Driven through the real chat and console sockets (`WebsocketCommunicator` on the ASGI app) and the services.
"""
from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shoppe.models import Order, OrderItem, Product
from support.models import Conversation, Message, RefundRequest
from support.services.refunds import (RefundAlreadyRequested, needs_supervisor, refund_decide, refund_quantity_set,
                                      refund_request_file, refund_serialize)
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import connected, send, until
from tests.support.test_human_tier import claimed_by, console_watching, team  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


def mug_order(user: User, *, price: str = "12.00", quantity: int = 2, number: int = 10040) -> Order:
    """A delivered order of `user` with one line: `quantity` x Ceramic mug at `price` each."""
    now = timezone.now()
    mug, _ = Product.objects.get_or_create(slug="ceramic-mug", defaults={
        "name": "Ceramic mug", "category": "Kitchen", "description": "A mug", "price": Decimal(price), "stock": 9})
    order = Order.objects.create(
        number=number, customer=user.customer, email=user.email, status=Order.Status.DELIVERED,
        shipping_address="Oudegracht 99\n3511 AB Utrecht", placed_at=now - timedelta(days=6),
        delivered_at=now - timedelta(days=3), shipping_cost=Decimal("4.95"))
    OrderItem.objects.create(order=order, product=mug, quantity=quantity, unit_price=Decimal(price))
    return order


async def reply_to(socket, text: str) -> str:  # type: ignore[no-untyped-def]
    await send(socket, text)
    end, _ = await until(socket, "reply.end")
    return end["text"]


async def alice_in_the_chat(make_customer):  # type: ignore[no-untyped-def]
    """Alice, her delivered order of 2 × Ceramic mug (`mug_order`), and her chat's socket, connected."""
    alice = await database_sync_to_async(make_customer)("alice")
    order = await database_sync_to_async(mug_order)(alice)
    socket, _ = await connected(await database_sync_to_async(session_cookie_for)(alice))
    return order, socket


@pytest.fixture
def always_open(settings):  # type: ignore[no-untyped-def]
    settings.SUPPORT_HOURS = "mon-sun 00:00-24:00"


async def test_one_of_two_mugs_asks_for_one_mug_and_says_so(make_customer, always_open):
    order, socket = await alice_in_the_chat(make_customer)

    confirm = await reply_to(socket, f"Order {order.number}: one of the two mugs arrived broken, I want my money back "
                                     "for that one")
    assert "€12.00" in confirm and "1 of 2 × Ceramic mug" in confirm, confirm
    assert "€24.00" not in confirm
    filed = await reply_to(socket, "yes")
    assert "1 of 2 × Ceramic mug" in filed and "€12.00" in filed, filed

    refund = await database_sync_to_async(RefundRequest.objects.get)()
    [item] = refund.items
    assert item["quantity"] == 1 and item["ordered"] == 2 and item["amount"] == "12.00"
    assert refund.amount == Decimal("12.00")
    await socket.disconnect()


async def test_a_request_that_says_no_number_asks_for_the_whole_line_as_before(make_customer, always_open):
    order, socket = await alice_in_the_chat(make_customer)

    confirm = await reply_to(socket, f"I want a refund for order {order.number}, the mugs arrived broken")
    assert "€24.00" in confirm and "2 × Ceramic mug" in confirm and " of 2" not in confirm, confirm
    await reply_to(socket, "yes")
    refund = await database_sync_to_async(RefundRequest.objects.get)()
    assert refund.items[0]["quantity"] == 2 and refund.amount == Decimal("24.00")
    await socket.disconnect()


@pytest.mark.parametrize("correction", ["no, only one mug is broken, not both", "nee, maar één is kapot",
                                        "nein, nur eine ist kaputt"])
async def test_a_no_that_says_how_many_corrects_the_request_instead_of_dropping_it(make_customer, always_open,
                                                                                  correction):
    # Session 28's walkthrough: "no, only one lamp is broken, not both" answered "OK, I haven't sent anything".
    order, socket = await alice_in_the_chat(make_customer)

    confirm = await reply_to(socket, f"I want a refund for order {order.number}, the mugs arrived broken")
    assert "€24.00" in confirm, confirm
    corrected = await reply_to(socket, correction)
    assert "12" in corrected and "24" not in corrected and "1 " in corrected, corrected
    await reply_to(socket, "yes")
    refund = await database_sync_to_async(RefundRequest.objects.get)()
    assert refund.items[0]["quantity"] == 1 and refund.amount == Decimal("12.00")
    await socket.disconnect()


async def test_a_plain_no_still_sends_nothing(make_customer, always_open):
    order, socket = await alice_in_the_chat(make_customer)

    await reply_to(socket, f"I want a refund for order {order.number}, the mugs arrived broken")
    assert "haven't sent anything" in await reply_to(socket, "no, forget it")
    assert not await database_sync_to_async(RefundRequest.objects.exists)()
    await socket.disconnect()


async def test_the_customer_asks_in_german_for_one_of_the_two(make_customer, always_open):
    order, socket = await alice_in_the_chat(make_customer)

    confirm = await reply_to(socket, f"Bestellung {order.number}: eine der beiden Tassen kam kaputt an, ich möchte "
                                     "mein Geld dafür zurück")
    assert "12,00" in confirm and "24,00" not in confirm and "1 von 2 × " in confirm, confirm
    await socket.disconnect()


def test_the_rest_of_a_line_may_be_asked_for_later_but_never_more(make_customer):
    alice = make_customer("alice")
    order = mug_order(alice, quantity=3)
    conversation = Conversation.objects.create(customer=alice)
    mug = order.items.get()
    first = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], quantities={mug.id: 1},
                                reason="one cracked")
    assert first.amount == Decimal("12.00")
    # Asking for "the mugs" again asks for what is left, not the whole line again.
    second = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], reason="all cracked")
    assert second.items[0]["quantity"] == 2 and second.amount == Decimal("24.00")
    with pytest.raises(RefundAlreadyRequested):
        refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], reason="again")


def test_staff_see_the_quantity_and_may_correct_it_within_what_is_left(make_customer, team):
    alice = make_customer("alice")
    order = mug_order(alice, quantity=3)
    conversation = Conversation.objects.create(customer=alice)
    mug = order.items.get()
    other = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], quantities={mug.id: 1},
                                reason="one cracked")
    claimed_by(conversation, team["sam"])
    refund_decide(refund_id=other.id, user=team["sam"], approve=True)
    refund = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], quantities={mug.id: 1},
                                 reason="a second one cracked")

    shown = refund_serialize(refund)["items"][0]
    assert shown["line_text"] == "1 of 3 × Ceramic mug" and shown["max_quantity"] == 2

    # Kim does not hold the chat; nobody may ask for more than was bought minus what is already refunded.
    with pytest.raises(PermissionDenied):
        refund_quantity_set(refund_id=refund.id, item_id=mug.id, quantity=2, user=team["kim"])
    with pytest.raises(ValidationError, match="2"):
        refund_quantity_set(refund_id=refund.id, item_id=mug.id, quantity=3, user=team["sam"])
    with pytest.raises(ValidationError):
        refund_quantity_set(refund_id=refund.id, item_id=mug.id, quantity=0, user=team["sam"])

    refund = refund_quantity_set(refund_id=refund.id, item_id=mug.id, quantity=2, user=team["sam"])
    assert refund.amount == Decimal("24.00") and refund.items[0]["quantity"] == 2
    assert refund_serialize(refund)["items"][0]["line_text"] == "2 of 3 × Ceramic mug"

    refund_decide(refund_id=refund.id, user=team["sam"], approve=True)
    told = Message.objects.filter(conversation=conversation, intent="refund_decision").latest("created_at")
    assert "2 of 3 × Ceramic mug" in told.text and "€24.00" in told.text, told.text
    # Decided: its quantity stays as approved.
    with pytest.raises(ValidationError):
        refund_quantity_set(refund_id=refund.id, item_id=mug.id, quantity=1, user=team["sam"])


def test_the_supervisor_limit_counts_the_amounts_asked_for(settings, make_customer, team):
    """Two €150 lamps, one broken: €150 is within an agent's €200; the whole line (€300) would need a supervisor,
    and so does the second lamp asked for after the first was approved."""
    settings.REFUND_SUPERVISOR_LIMIT_EUR = 200
    alice = make_customer("alice")
    order = mug_order(alice, price="150.00")
    conversation = Conversation.objects.create(customer=alice)
    claimed_by(conversation, team["sam"])
    mug = order.items.get()
    one = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], quantities={mug.id: 1},
                              reason="one cracked")
    assert not needs_supervisor(one)
    assert refund_decide(refund_id=one.id, user=team["sam"], approve=True).status == RefundRequest.Status.APPROVED
    other = refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], reason="the other too")
    assert other.amount == Decimal("150.00") and needs_supervisor(other)


async def test_the_console_corrects_the_quantity_and_every_console_sees_the_new_amount(make_customer, team):
    alice = await database_sync_to_async(make_customer)("alice")
    order = await database_sync_to_async(mug_order)(alice)
    _, history = await connected(await database_sync_to_async(session_cookie_for)(alice))
    conversation = await database_sync_to_async(Conversation.objects.get)(id=history["conversation_id"])
    await database_sync_to_async(claimed_by)(conversation, team["sam"])
    mug = await database_sync_to_async(order.items.get)()
    refund = await database_sync_to_async(refund_request_file)(conversation=conversation, order=order,
                                                                item_ids=[mug.id], reason="both cracked")
    agent = await console_watching(team["sam"], history["conversation_id"])
    await agent.send_json_to({"type": "refund.quantity", "refund_id": refund.id, "item_id": mug.id, "quantity": 1})
    updated, _ = await until(agent, "refund.updated", timeout=5)
    assert updated["refund"]["amount"] == "12.00"
    assert updated["refund"]["items"][0]["line_text"] == "1 of 2 × Ceramic mug"
    await agent.send_json_to({"type": "refund.quantity", "refund_id": refund.id, "item_id": mug.id, "quantity": 5})
    refused, _ = await until(agent, "error", timeout=5)
    assert refused["code"] == "invalid" and "2" in refused["message"]
    await agent.disconnect()


def test_requests_filed_before_quantities_mean_the_whole_line(make_customer):
    """The migration: a stored item with no quantity (or its line's) is the whole line, its unit price and count
    filled in."""
    alice = make_customer("alice")
    order = mug_order(alice)
    mug = order.items.get()
    conversation = Conversation.objects.create(customer=alice)
    old = RefundRequest.objects.create(conversation=conversation, order=order, reason="cracked",
                                       amount=Decimal("24.00"),
                                       items=[{"item_id": mug.id, "product": "Ceramic mug", "amount": "24.00"}])
    migration = importlib.import_module("support.migrations.0017_refund_item_quantities")
    migration.whole_lines(apps, None)
    old.refresh_from_db()
    assert old.items == [{"item_id": mug.id, "product": "Ceramic mug", "quantity": 2, "ordered": 2,
                          "unit_price": "12.00", "amount": "24.00"}]
    assert refund_serialize(old)["items"][0]["line_text"] == "2 × Ceramic mug"


def test_the_order_page_and_the_return_label_say_how_many(client, make_customer):
    """The order's page lists "1 of 2 × Ceramic mug" under its refund requests; after the second mug is asked for too,
    the return label lists both."""
    alice = make_customer("alice")
    order = mug_order(alice)
    conversation = Conversation.objects.create(customer=alice)
    mug = order.items.get()
    refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], quantities={mug.id: 1},
                        reason="one cracked")
    client.force_login(alice)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "1 of 2 × Ceramic mug" in page
    refund_request_file(conversation=conversation, order=order, item_ids=[mug.id], reason="the other one too")
    label = client.get(f"/orders/{order.number}/return-label/").content.decode()
    assert "2 × Ceramic mug" in label, label
