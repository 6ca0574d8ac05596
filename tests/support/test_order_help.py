"""The assistant answering about a customer's own orders, and reading their short answers."""
from __future__ import annotations

import pytest

from shoppe.models import Order
from support.models import Conversation
from support.services.order_help import order_answer, pending_answer

pytestmark = pytest.mark.django_db


def ask(conversation: Conversation, intent: str, text: str):  # type: ignore[no-untyped-def]
    answer = order_answer(conversation=conversation, intent=intent, text=text)
    conversation.state["pending"] = answer.pending
    return answer


def reply(conversation: Conversation, text: str):  # type: ignore[no-untyped-def]
    answer = pending_answer(conversation=conversation, text=text)
    conversation.state["pending"] = answer.pending if answer else None
    return answer


def test_which_order_then_the_second_one(make_customer, make_order):
    alice = make_customer("alice")
    first = make_order(alice, status="shipped", product="Oak dining table")
    second = make_order(alice, status="processing", product="Blue ceramic table lamp")
    conversation = Conversation.objects.create(customer=alice)
    question = ask(conversation, "track_order", "where is my order?")
    assert "Which order" in question.text and question.pending["orders"]
    chosen_number = question.pending["orders"][1]
    answer = reply(conversation, "the second one")
    assert f"Order {chosen_number}" in answer.text
    assert {first.number, second.number} >= {chosen_number}


def test_a_product_name_picks_the_order(make_customer, make_order):
    alice = make_customer("alice")
    make_order(alice, status="shipped", product="Oak dining table")
    lamp = make_order(alice, status="processing", product="Blue ceramic table lamp")
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "track_order", "has it shipped?")
    assert f"Order {lamp.number}" in reply(conversation, "the blue lamp").text


def test_cancel_needs_a_yes_and_then_cancels(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)
    question = ask(conversation, "cancel_order", f"cancel order {order.number}")
    assert "free of charge" in question.text and question.pending["kind"] == "confirm_cancel"
    order.refresh_from_db()
    assert order.status == "processing"  # nothing happens before the customer confirms
    assert "cancelled" in reply(conversation, "yes please").text
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_a_shipped_order_cannot_be_cancelled(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="shipped")
    answer = ask(Conversation.objects.create(customer=alice), "cancel_order", f"cancel {order.number}")
    assert "can't be cancelled" in answer.text and answer.pending is None


def test_change_the_address_of_an_unshipped_order(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "change_shipping_address", f"change the address of {order.number}")
    assert "doesn't look like a full address" in reply(conversation, "nowhere").text
    done = reply(conversation, "Prinsengracht 263, 1016 GV Amsterdam")
    assert "Prinsengracht 263" in done.text
    order.refresh_from_db()
    assert order.shipping_address == "Prinsengracht 263, 1016 GV Amsterdam"


def test_another_customers_order_number_is_not_found(make_customer, make_order):
    bobs = make_order(make_customer("bob", "Bob"))
    alice = make_customer("alice")
    answer = ask(Conversation.objects.create(customer=alice), "track_order", f"where is order {bobs.number}?")
    assert "can't find order" in answer.text and "Blue" not in answer.text


def test_an_anonymous_visitor_proves_an_order_with_its_email(make_customer, make_order):
    order = make_order(make_customer("alice"), status="shipped")
    conversation = Conversation.objects.create()
    question = ask(conversation, "track_order", "where is my order?")
    assert "email address" in question.text
    assert "don't match" in reply(conversation, f"{order.number} mallory@example.test").text
    answer = reply(conversation, f"it's {order.number}, alice@example.test")
    assert f"Order {order.number} is shipped" in answer.text
