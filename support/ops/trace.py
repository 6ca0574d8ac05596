"""A conversation's trace for ops: each message with the router's decision, the LLM call, ratings and labels."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from rag.router.policy import INTENT_ROUTES
from support.models import Conversation, EscalationLog, Feedback, Message
from support.ops.access import ops_required

LABEL_ROUTES = list(Message.Route.choices)


@dataclass
class TraceItem:
    message: Message
    escalation: EscalationLog | None = None
    label: Any = None  # RouteLabel
    feedback: list[Feedback] = field(default_factory=list)
    scores: list[tuple[str, Any]] = field(default_factory=list)
    escalation_scores: list[tuple[str, Any]] = field(default_factory=list)
    policy_route: str = ""  # where the policy sends the message's intent

    @property
    def is_customer(self) -> bool:
        return self.message.author == Message.Author.CUSTOMER

    @property
    def labelable(self) -> bool:
        """Only a message the router read can be labelled (support.services.feedback.routed_by_the_router)."""
        from support.services.feedback import routed_by_the_router

        return routed_by_the_router(self.message)

    @property
    def label_intent(self) -> str:
        return self.label.intent if self.label else self.message.intent

    @property
    def label_route(self) -> str:
        """The route preselected in the label form: the label's, else blank (the policy's route for the intent)."""
        return self.label.route if self.label else ""


def _scores(scores: Any) -> list[tuple[str, Any]]:
    return list(scores.items()) if isinstance(scores, dict) else []


def _reverse_one_to_one(message: Message, name: str) -> Any:
    """The related row select_related already fetched, or None."""
    try:
        return getattr(message, name)
    except ObjectDoesNotExist:
        return None


@ops_required
def conversation_trace(request: HttpRequest, conversation_id: Any = None, **kwargs: Any) -> HttpResponse:
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=conversation_id)
    messages = list(
        conversation.messages.select_related("agent", "in_reply_to", "escalation", "label", "label__labelled_by")
        .order_by("created_at", "id")
    )
    feedback_by_message: dict[int, list[Feedback]] = {}
    conversation_ratings = []
    for rating in conversation.feedback.order_by("created_at"):
        if rating.message_id:
            feedback_by_message.setdefault(rating.message_id, []).append(rating)
        else:
            conversation_ratings.append(rating)

    items = []
    for message in messages:
        escalation = _reverse_one_to_one(message, "escalation")
        items.append(TraceItem(
            message=message, escalation=escalation, label=_reverse_one_to_one(message, "label"),
            feedback=feedback_by_message.get(message.id, []), scores=_scores(message.scores),
            escalation_scores=_scores(escalation.router_scores) if escalation else [],
            policy_route=INTENT_ROUTES.get(message.intent, ""),
        ))
    handoffs = list(conversation.handoffs.select_related("claimed_by", "message", "order").order_by("created_at", "id"))
    totals = {
        "messages": len(messages),
        "escalations": sum(1 for item in items if item.escalation),
        "cost_eur": sum((item.escalation.cost_eur for item in items if item.escalation), start=0),
    }
    return render(request, "support/ops/trace.html", {
        "conversation": conversation,
        "items": items,
        "handoffs": handoffs,
        "conversation_ratings": conversation_ratings,
        "totals": totals,
        "intents": sorted(INTENT_ROUTES),
        "routes": LABEL_ROUTES,
        "trace_url": reverse("ops_trace", args=[conversation.id]),
    })
