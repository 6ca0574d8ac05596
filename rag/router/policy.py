"""Which tier each intent goes to, in the shop's policy.

`local` is answered by the assistant, `human` is handed to staff (every refund request
and every request for a person), `llm` is escalated to the managed model.
"""
from __future__ import annotations

from typing import Literal

Route = Literal["local", "llm", "human", "off_topic"]
ROUTES: tuple[Route, ...] = ("local", "human", "llm", "off_topic")

OFF_TOPIC = "off_topic"

INTENT_ROUTES: dict[str, Route] = {
    # account
    "create_account": "local",
    "delete_account": "local",
    "edit_account": "local",
    "recover_password": "local",
    "registration_problems": "local",
    "switch_account": "local",
    # orders
    "cancel_order": "local",
    "change_order": "local",
    "place_order": "local",
    "track_order": "local",
    "check_cancellation_fee": "local",
    # delivery
    "delivery_options": "local",
    "delivery_period": "local",
    "change_shipping_address": "local",
    "set_up_shipping_address": "local",
    # invoices and payment
    "check_invoice": "local",
    "get_invoice": "local",
    "check_payment_methods": "local",
    "payment_issue": "local",
    # refunds: asking for money back always goes to a person
    "check_refund_policy": "local",
    "get_refund": "human",
    "track_refund": "local",
    "return_item": "local",
    # people
    "contact_customer_service": "local",
    "contact_human_agent": "human",
    "complaint": "human",
    # a specific situation, a policy exception, advice, several facts at once: a strong model
    # (only the multilingual router's exemplars have it)
    "needs_reasoning": "llm",
    # other
    "newsletter_subscription": "local",
    "review": "local",
    "warranty": "local",
    "gift_card": "local",
    "product_question": "local",
    "greeting": "local",
    OFF_TOPIC: "off_topic",
}
