"""Reads for the staff console (support.console): the queue, one conversation as staff see it, the page's lists."""
from __future__ import annotations

import uuid
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import translation

from shoppe.money import money_format
from support.conversation_language import (
    LANGUAGE_NAMES,
    canned_for,
    conversation_language,
    conversation_language_subquery,
)
from support.models import CannedResponse, Conversation, Handoff, Message, RefundRequest
from support.roles import staff_name
from support.selectors import photo_serialize
from support.services.console_refunds import orders_refundable, refund_filer_check
from support.services.handoff import handoff_serialize
from support.services.language import ENGLISH
from support.services.order_help.orders import order_status_name
from support.services.refunds import refund_eligibility, refund_quantities_left, refund_serialize


class HandoffQueue(TypedDict):
    handoffs: list[dict]
    waiting: int  # every handoff waiting for someone, shown or not


def canned_responses_active() -> QuerySet[CannedResponse]:
    """The canned responses staff can insert, by language and title."""
    return CannedResponse.objects.filter(active=True).order_by("language", "title")


def handoff_agents() -> QuerySet[AbstractBaseUser]:
    """Active staff who may work handoffs: whom a handoff can be transferred to."""
    return get_user_model().objects.filter(is_staff=True, is_active=True,
                                           groups__permissions__codename="work_handoffs").distinct()


def handoff_queue() -> HandoffQueue:
    """The handoffs not yet resolved, each with its customer's language: every claimed one (the chats
    staff are in, a few per person) and the first CONSOLE_QUEUE_WAITING_SENT waiting, by priority and then oldest first,
    the order they are to be taken in; with the number waiting in all.

    The console used to get the first 200 open handoffs of any status: after a busy weekend an agent's
    own claimed chats, newer than 200 waiting ones, were not in their queue at all.
    """
    open_handoffs = Handoff.objects.exclude(status=Handoff.Status.RESOLVED).select_related(
        "conversation__customer", "claimed_by", "order").annotate(customer_language=conversation_language_subquery())
    claimed = list(open_handoffs.filter(status=Handoff.Status.CLAIMED))
    waiting_handoffs = open_handoffs.exclude(status=Handoff.Status.CLAIMED)
    limit = settings.CONSOLE_QUEUE_WAITING_SENT
    waiting = list(waiting_handoffs[:limit])
    total = len(waiting) if len(waiting) < limit else waiting_handoffs.count()
    return {"handoffs": [handoff_serialize(h) for h in claimed + waiting], "waiting": total}


class ConsoleConversation(TypedDict):
    conversation_id: str
    status: str
    language: str  # the customer's language (support.conversation_language), and its name
    language_name: str
    canned: list[dict]  # the canned responses in that language first, then English
    customer: str
    messages: list[dict[str, Any]]  # the transcript, with the router's trace on each customer message
    notes: list[dict[str, Any]]
    handoff: dict | None  # the open handoff, if any
    refunds: list[dict]


def _transcript_item(m: Message) -> dict[str, Any]:
    # "system": a line about who is in the chat, nobody's message (#15 item 14)
    item: dict[str, Any] = {"id": m.id, "author": "system" if m.is_team_line else m.author, "text": m.text,
                            "status": m.status, "created_at": m.created_at.isoformat(), "sources": m.sources,
                            "agent": staff_name(m.agent) if m.agent_id else None,
                            # Answered on the customer's device (issue #19); its texts may have stayed there.
                            "on_device": m.answered_on_device, "kept_on_device": m.text_kept_on_device,
                            # On the assistant's answers, the tier that wrote it: "llm" gets a badge in the console.
                            "route": m.route if m.author == Message.Author.BOT else ""}
    photo = getattr(m, "photo", None)
    if photo is not None:
        item["photo"] = photo_serialize(photo)
    if m.author == Message.Author.CUSTOMER:
        item["language"] = m.language or "en"
    if m.author == Message.Author.CUSTOMER and photo is None:
        item["trace"] = {"route": m.route, "intent": m.intent, "confidence": m.confidence, "reason": m.reason,
                         "latency_ms": m.route_latency_ms, "scores": m.scores,
                         "device_version": m.device_version, "device_refused": m.device_refused}
    return item


def conversation_detail(*, conversation_id: uuid.UUID) -> ConsoleConversation:
    """One conversation as the console shows it; raises Conversation.DoesNotExist for an unknown id."""
    conversation = Conversation.objects.select_related("customer").get(id=conversation_id)
    messages = conversation.messages.select_related("agent", "in_reply_to", "photo").order_by("created_at", "id")
    handoff = (conversation.handoffs.exclude(status=Handoff.Status.RESOLVED)
               .select_related("claimed_by", "order").first())
    language = conversation_language(conversation.id)
    customer = conversation.customer
    return ConsoleConversation(
        conversation_id=str(conversation.id), status=conversation.status,
        language=language, language_name=LANGUAGE_NAMES.get(language, language),
        canned=canned_for(language),
        customer=(customer.get_full_name() or customer.get_username()) if customer else "Visitor",
        messages=[_transcript_item(m) for m in messages],
        notes=[{"id": n.id, "author": staff_name(n.author), "text": n.text, "created_at": n.created_at.isoformat()}
               for n in conversation.notes.select_related("author")],
        handoff=handoff_serialize(handoff) if handoff else None,
        refunds=[refund_serialize(r) for r in RefundRequest.objects.filter(conversation=conversation)
                 .select_related("order")],
    )


class RefundableItem(TypedDict):
    item_id: int
    product: str
    ordered: int
    left: int  # bought, less the order's standing refund requests: the most a new request may ask for
    unit_price_text: str


class RefundableOrder(TypedDict):
    number: int
    status: str
    placed_at: str
    items: list[RefundableItem]
    eligibility_notes: list[str]  # why the written policy would not refund the whole order, if it would not


def refund_orders_offered(*, conversation_id: uuid.UUID, agent: AbstractBaseUser) -> list[RefundableOrder]:
    """The orders the console's refund form offers in this conversation (`orders_refundable`), in English, to staff
    who may file a refund there (`refund_filer_check`)."""
    refund_filer_check(conversation_id=conversation_id, user=agent)
    conversation = Conversation.objects.select_related("customer").get(id=conversation_id)
    offered = []
    with translation.override(ENGLISH):
        for order in orders_refundable(conversation):
            lines = list(order.items.select_related("product"))
            left = refund_quantities_left(order)
            offered.append(RefundableOrder(
                number=order.number, status=order_status_name(order), placed_at=order.placed_at.isoformat(),
                items=[RefundableItem(item_id=line.id, product=line.product.name, ordered=line.quantity,
                                      left=left.get(line.id, 0),
                                      unit_price_text=money_format(line.unit_price, order.currency, ENGLISH))
                       for line in lines],
                eligibility_notes=refund_eligibility(order=order, items=lines)))
    return offered
