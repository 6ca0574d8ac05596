"""The router as the rest of the product sees it: one decision per customer message."""
from __future__ import annotations

from rag.router.decide import RouteDecision, router_get
from support.models import Message

__all__ = ["RouteDecision", "message_route"]


def message_route(*, message: Message) -> RouteDecision:
    """Decide which tier answers `message` and record the decision on it."""
    decision = router_get().decide(message.text)
    Message.objects.filter(id=message.id).update(
        route=decision.route,
        intent=decision.intent,
        confidence=decision.confidence,
        reason=decision.reason[:200],
        scores=decision.scores,
        route_latency_ms=decision.latency_ms,
    )
    return decision
