"""The router as the rest of the product sees it: one decision per customer message."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from rag.router.decide import RouteDecision, router_get
from support import metrics
from support.models import Message

__all__ = ["RouteDecision", "decision_fields", "message_route"]

FOLLOW_UP_WORDS = 5
FOLLOW_UP_WINDOW = timedelta(minutes=15)


def _previous_question(message: Message) -> str | None:
    previous = (
        Message.objects.filter(conversation_id=message.conversation_id, author=Message.Author.CUSTOMER,
                               created_at__lt=message.created_at, created_at__gte=message.created_at - FOLLOW_UP_WINDOW)
        .exclude(id=message.id)
        .exclude(text="")  # not a photo without a caption
        .order_by("-created_at").values_list("text", flat=True).first()
    )
    return previous


def message_route(*, message: Message) -> RouteDecision:
    """Decide which tier answers `message`; the caller records it (`decision_fields`) with the answer.

    A short follow-up the router can't place on its own ("and to Germany?", "what
    about express?") is read together with the customer's previous question.
    """
    router = router_get()
    decision = router.decide(message.text)
    unclear = decision.route in {"off_topic", "llm"} or decision.confidence < 0.5
    if unclear and len(message.text.split()) <= FOLLOW_UP_WORDS:
        previous = _previous_question(message)
        if previous:
            together = router.decide(f"{previous} {message.text}")
            if together.route in {"local", "human"} and together.confidence > decision.confidence:
                decision = replace(together, reason=f"follow-up to the previous question: {together.reason}"[:200],
                                   latency_ms=decision.latency_ms + together.latency_ms)
    metrics.MESSAGES_ROUTED.labels(decision.route).inc()
    metrics.ROUTE_LATENCY.observe(decision.latency_ms / 1000)
    return decision


def decision_fields(decision: RouteDecision) -> dict[str, Any]:
    """What the customer's message records of the decision, for ops: written once, with its answer."""
    return {"route": decision.route, "intent": decision.intent, "confidence": decision.confidence,
            "reason": decision.reason[:200], "scores": decision.scores, "route_latency_ms": decision.latency_ms,
            "language": decision.language}
