"""The customer's past conversations under their account: the list, one transcript, a transcript by email.

Only their own: someone else's conversation, or a visitor's, is a 404 exactly like one that does not
exist; a visitor who is not signed in is sent to sign in.
"""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shoppe.links import email_site_url
from support.selectors import PastConversation, conversation_of_customer, conversation_transcript, conversations_of_customer
from support.services.transcripts import TranscriptSent, transcript_email


def _own(request: HttpRequest, conversation_id: uuid.UUID) -> PastConversation:
    conversation = conversation_of_customer(user=request.user, conversation_id=conversation_id)
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


@login_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "support/conversation_list.html",
                  {"conversations": conversations_of_customer(user=request.user)})


@login_required
def conversation_detail(request: HttpRequest, conversation_id: uuid.UUID, *, status: int = 200) -> HttpResponse:
    conversation = _own(request, conversation_id)
    return render(request, "support/conversation_detail.html", {
        "conversation": conversation, "lines": conversation_transcript(conversation_id=conversation_id)}, status=status)


@login_required
@require_POST
def conversation_email(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    _own(request, conversation_id)
    link = email_site_url(request) + reverse("conversation_detail", args=[conversation_id])
    sent = transcript_email(user=request.user, conversation_id=conversation_id, link=link)
    if sent is TranscriptSent.SENT:
        messages.success(request, f"We've emailed this conversation to {request.user.email}.")
        return redirect("conversation_detail", conversation_id=conversation_id)
    if sent is TranscriptSent.TOO_MANY:
        messages.error(request, "You've asked for several transcripts in the last hour. Please try again later.")
        return conversation_detail(request, conversation_id, status=429)
    if sent is TranscriptSent.NO_ADDRESS:
        messages.error(request, "Your account has no email address yet: add one under My account first.")
    elif sent is TranscriptSent.NOT_CONFIRMED:
        messages.error(request, "Your email address isn't confirmed yet: open the link we emailed to it (My account "
                                "can send it again), then ask for the transcript.")
    else:
        messages.error(request, "We couldn't send the email just now. Please try again in a few minutes.")
    return conversation_detail(request, conversation_id, status=503 if sent is TranscriptSent.FAILED else 200)
