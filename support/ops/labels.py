"""Ops label a misrouted customer message with the intent (and route) it should have had.

The labels are training data: `python manage.py evaluate_router IN.csv --compare` shows
what a retrain with them would change, `python manage.py train_router` deploys it.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from support.models import Message
from support.ops.access import ops_required
from support.services.feedback import route_label_set


@ops_required
@require_POST
def label_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """POST intent, optional route and next: create or update the message's RouteLabel."""
    message = get_object_or_404(Message, id=message_id)
    intent = request.POST.get("intent", "").strip()
    route = request.POST.get("route", "").strip() or None
    try:
        route_label_set(message_id=message.id, intent=intent, route=route, user=request.user)  # type: ignore[arg-type]
    except ValueError as exc:
        # The message quotes what was posted: rendered through the template, so escaped.
        return render(request, "support/ops/bad_request.html", {
            "title": "This label can't be saved", "errors": [str(exc)],
            "retry_url": reverse("ops_trace", args=[message.conversation_id]),
            "retry_label": "Back to the conversation",
        }, status=400)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("ops_trace", args=[message.conversation_id])
    return HttpResponseRedirect(target)
