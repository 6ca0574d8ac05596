"""Tools the LLM may call. The backend decides what each may see: this customer's data only.

There is deliberately no tool that refunds, discounts or changes money: the model can
only look things up or ask for a person.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rag.encoder import encoder_get
from rag.index import index_get
from support.llm.guardrails import looks_like_injection
from support.llm.provider import ToolSpec
from support.models import Conversation
from support.services.order_help import customer_orders


@dataclass
class ToolContext:
    conversation: Conversation
    handoff_reason: str | None = None


def _order_lookup(context: ToolContext, order_number: str = "") -> dict[str, Any]:
    for order in customer_orders(context.conversation):
        if str(order.number) == str(order_number).strip().lstrip("#"):
            shipment = order.shipments.first()
            return {
                "found": True,
                "order_number": order.number,
                "status": order.get_status_display(),
                "placed": order.placed_at.date().isoformat(),
                "items": [{"product": i.product.local_name, "quantity": i.quantity, "final_sale": i.product.final_sale}
                          for i in order.items.all()],
                "total_eur": str(order.total),
                "carrier": shipment.carrier if shipment else None,
                "estimated_delivery": shipment.estimated_delivery.isoformat() if shipment and shipment.estimated_delivery else None,
            }
    # Someone else's order and no order at all look the same.
    return {"found": False, "message": "No order with that number on this customer's account."}


def _knowledge_search(context: ToolContext, query: str = "") -> dict[str, Any]:
    hits = index_get().search(encoder_get().encode_one(query[:500]), k=3)
    return {"passages": [{"title": f"{h.passage.title}: {h.passage.heading}", "url": h.passage.url, "text": h.passage.text}
                         for h in hits if not looks_like_injection(h.passage.text)]}


def _handoff_request(context: ToolContext, reason: str = "") -> dict[str, Any]:
    context.handoff_reason = (reason or "requested_by_model")[:40]
    return {"ok": True, "message": "A member of the support team will take over this conversation."}


def _arguments(name: str) -> dict[str, Any]:
    """JSON Schema of a tool's one required string argument."""
    return {"type": "object", "properties": {name: {"type": "string"}}, "required": [name]}


TOOLS: dict[str, tuple[Callable[..., dict[str, Any]], ToolSpec]] = {
    "order_lookup": (_order_lookup, ToolSpec(
        name="order_lookup", description="Look up one of this customer's own orders by its 5-digit number.",
        parameters=_arguments("order_number"),
    )),
    "knowledge_search": (_knowledge_search, ToolSpec(
        name="knowledge_search", description="Search Example Shoppe's help centre.",
        parameters=_arguments("query"),
    )),
    "handoff_request": (_handoff_request, ToolSpec(
        name="handoff_request",
        description=("Hand the conversation to the human support team (refunds, complaints, anything you "
                     "cannot answer)."),
        parameters=_arguments("reason"),
    )),
}


def tool_specs() -> list[ToolSpec]:
    """What the model is offered, whichever provider serves it."""
    return [spec for _, spec in TOOLS.values()]


def tool_call(context: ToolContext, name: str, args: dict[str, Any] | None) -> dict[str, Any]:
    """Run one tool the model asked for; unknown tools and bad arguments are answered, not raised."""
    if name not in TOOLS:
        return {"error": f"unknown tool {name}"}
    function, _ = TOOLS[name]
    try:
        return function(context, **{k: str(v) for k, v in (args or {}).items()})
    except TypeError:
        return {"error": "bad arguments"}
