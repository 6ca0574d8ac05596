"""Handing a conversation to the support team, and the team working it.

Each state change goes through one function here, so the console, the admin and the
assistant behave the same way.
"""
from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shoppe.models import money
from support import events, realtime
from support.conversation_language import conversation_language, language_code
from support.hours import support_next_opening, support_open, support_opening_words
from support.models import (ANSWER_TO_QUESTION, TEAM_LINE_INTENTS, Conversation, Handoff, InternalNote, Message,
                            RefundRequest)
from support.roles import can_step_in, can_work_handoffs, staff_name
from support.services.away import notify_email_offer, reply_email_plan
from support.services.language import in_customer_language

# What a handoff's reason code is, from the assistant's words for it.
REASONS = {
    "get_refund": Handoff.Reason.REFUND, "refund": Handoff.Reason.REFUND,
    "contact_human_agent": Handoff.Reason.PERSON, "complaint": Handoff.Reason.COMPLAINT,
    "llm_error": Handoff.Reason.LLM_FAILURE, "worker_lost": Handoff.Reason.LLM_FAILURE,
    "guardrail": Handoff.Reason.LLM_FAILURE, "no_api_key": Handoff.Reason.BUDGET, "budget_spent": Handoff.Reason.BUDGET,
    "llm_not_configured": Handoff.Reason.BUDGET,
    "misunderstood": Handoff.Reason.MISUNDERSTOOD,
}
PRIORITY = {Handoff.Reason.REFUND: Handoff.Priority.HIGH, Handoff.Reason.COMPLAINT: Handoff.Priority.HIGH,
            Handoff.Reason.LLM_FAILURE: Handoff.Priority.NORMAL, Handoff.Reason.PERSON: Handoff.Priority.NORMAL}


NO_SUCH_COLLEAGUE = "There is no colleague with that id who can take handoffs."


class HandoffTaken(Exception):
    """Someone else claimed the handoff first (or changed it meanwhile)."""


CHANGED_MEANWHILE = "Someone else changed this handoff a moment ago. Open it again to see who has it now."


class RefundPending(Exception):
    """The conversation has a refund nobody has finished deciding: resolving it would drop the customer."""


def _queue_text(handoff: Handoff) -> tuple[str, int | None]:
    if not support_open():
        opening = support_next_opening()
        return (_("Our team is away right now; they'll pick this up %(when)s (Amsterdam time) and reply here. "
                  "Meanwhile I can still help with routine questions.") % {"when": support_opening_words(opening)}), None
    ahead = Handoff.objects.filter(status=Handoff.Status.QUEUED, created_at__lt=handoff.created_at).count()
    return (_("You're number %(position)s in the queue. Meanwhile I can still help with routine questions.")
            % {"position": ahead + 1}), ahead + 1


def handoff_serialize(handoff: Handoff) -> dict:
    customer = handoff.conversation.customer
    return {
        "id": handoff.id, "conversation_id": str(handoff.conversation_id), "reason": handoff.reason,
        "reason_label": handoff.get_reason_display(), "intent": handoff.intent, "priority": handoff.priority,
        "priority_label": handoff.get_priority_display(), "status": handoff.status, "summary": handoff.summary,
        "order": handoff.order.number if handoff.order_id else None,
        "customer": (customer.get_full_name() or customer.get_username()) if customer else "Visitor",
        "claimed_by": staff_name(handoff.claimed_by) if handoff.claimed_by_id else None,
        "claimed_by_id": handoff.claimed_by_id, "created_at": handoff.created_at.isoformat(),
        "bot_answers": handoff.bot_answers,
        # The customer's language (a queue annotates it in one query; a single handoff asks for it).
        "language": language_code(handoff.customer_language) if hasattr(handoff, "customer_language")
        else conversation_language(handoff.conversation_id),
    }


def handoff_request(*, conversation_id: uuid.UUID, reason: str, message: str, trigger_message_id: int | None = None,
                    intent: str = "", order_id: int | None = None) -> Handoff:
    """Queue the conversation for staff (once) and tell the customer what happens next."""
    code = REASONS.get(reason, Handoff.Reason.OTHER)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(id=conversation_id)
        handoff = conversation.handoffs.exclude(status=Handoff.Status.RESOLVED).first()
        created = handoff is None
        recent = list(conversation.messages.order_by("-created_at", "-id")[:12])[::-1]
        # The order the card names: the one the request is about, else the one the chat was just about (a guest's
        # proved order, an order whose status the assistant had just given: the card said "—", session 29).
        order_id = order_id or _order_in_focus_id(conversation)
        if created:
            handoff = Handoff.objects.create(
                conversation=conversation, message_id=trigger_message_id, reason=code,
                intent=intent or reason, order_id=order_id, priority=PRIORITY.get(code, Handoff.Priority.NORMAL),
                summary=_customer_asked(recent),
                bot_answers=[{"text": m.text[:300], "sources": m.sources, "on_device": m.answered_on_device,
                              "kept_on_device": m.text_kept_on_device, "route": m.route} for m in recent
                             if m.author == Message.Author.BOT and m.status == Message.Status.COMPLETE
                             and not m.is_team_line][-5:],  # "Sam joined the chat" answered nothing
            )
        elif changed := _handoff_raised(handoff, code=code, intent=intent or reason, order_id=order_id,
                                        asked=_customer_asked(recent)):
            handoff.save(update_fields=changed)
            transaction.on_commit(lambda: realtime.console_send(events.handoff_updated(handoff=handoff_serialize(handoff))))
        if conversation.status != Conversation.Status.WITH_AGENT:
            conversation.status = Conversation.Status.WAITING
            conversation.save(update_fields=["status"])
    if handoff.status == Handoff.Status.CLAIMED:
        # Someone already has the chat: no queue to be in, and the header keeps their name.
        event = events.handoff(status=handoff.status, message=message,
                               agent=staff_name(handoff.claimed_by) if handoff.claimed_by_id else "")
    else:
        queue_text, position = _queue_text(handoff)
        event = events.handoff(status=handoff.status, message=f"{message} {queue_text}".strip(), note=queue_text,
                               position=position)
    realtime.conversation_send(conversation_id, event)
    if created:
        realtime.console_send(events.handoff_new(handoff=handoff_serialize(handoff)))
        # So that the reply reaches them if they leave: an address to email it to, asked for or confirmed.
        offer = notify_email_offer(conversation_id=conversation_id)
        if offer:
            assistant_note(conversation_id=conversation_id, text=offer, intent="notify_email")
    return handoff


def _customer_asked(recent: list[Message]) -> str:
    """The card's "Customer asked": the customer's last three requests among `recent` messages, newest first."""
    # A photo without a caption asked nothing in words: the transcript shows it. Answers to the assistant's own
    # questions ("all", "yes") say nothing without them: the request they answered is what was asked.
    said = [m for m in recent if m.author == Message.Author.CUSTOMER and m.text]
    # Newest first: the queue card's first words are what brought the customer to the team, not an earlier,
    # unrelated question.
    asked = [m.text for m in ([m for m in said if m.reason != ANSWER_TO_QUESTION] or said)][-3:][::-1]
    return " / ".join(a[:200] for a in asked)


def _order_in_focus_id(conversation: Conversation) -> int | None:
    """The id of the order the conversation was last about (`ORDER_IN_FOCUS`, set by the assistant's order answers)."""
    from shoppe.models import Order
    from support.services.order_help.orders import ORDER_IN_FOCUS

    number = conversation.state.get(ORDER_IN_FOCUS)
    return Order.objects.filter(number=number).values_list("id", flat=True).first() if number else None


def _handoff_raised(handoff: Handoff, *, code: str, intent: str, order_id: int | None, asked: str) -> list[str]:
    """What a later handoff request changes on one still open: a weightier reason takes its place, at its priority
    (a refund filed while the conversation waited for a person about something else is a refund, high in the queue,
    not "LLM unavailable"; a lighter reason never lowers it), the order it is about, if it had none, and what the
    customer asked, newest first (a second problem raised in the same chat left the card on the first: session 29).
    The fields changed."""
    changed = []
    if asked and asked != handoff.summary:
        handoff.summary = asked
        changed.append("summary")
    priority = PRIORITY.get(code, Handoff.Priority.NORMAL)
    if priority > handoff.priority:
        handoff.reason, handoff.intent, handoff.priority = code, intent, priority
        changed += ["reason", "intent", "priority"]
    if order_id and not handoff.order_id:
        handoff.order_id = order_id
        changed.append("order")
    return changed


def _require_worker(agent: AbstractBaseUser) -> None:
    if not can_work_handoffs(agent):
        raise PermissionDenied("only support staff can do this")


def assistant_note(*, conversation_id: uuid.UUID, text: str, intent: str) -> None:
    """A line from the assistant in the transcript (handed back, a refund decided or waiting for a supervisor)."""
    note = Message.objects.create(conversation_id=conversation_id, author=Message.Author.BOT, text=text,
                                  status=Message.Status.COMPLETE, intent=intent, route=Message.Route.HUMAN)
    realtime.conversation_send(conversation_id, events.reply_start(reply_id=note.id, in_reply_to=0),
                               events.reply_end(reply_id=note.id, in_reply_to=0, route="human", intent=intent,
                                                sources=[], text=text))


def team_line(*, conversation_id: uuid.UUID, text: str, intent: str) -> Message:
    """A system line about who is in the chat ("Sam joined the chat."): nobody's message, shown as such."""
    assert intent in TEAM_LINE_INTENTS, intent
    line = Message.objects.create(conversation_id=conversation_id, author=Message.Author.BOT, text=text,
                                  status=Message.Status.COMPLETE, intent=intent, route=Message.Route.HUMAN)
    realtime.conversation_send(conversation_id, events.system_line(message_id=line.id, text=text, intent=intent,
                                                                   created_at=line.created_at.isoformat()))
    return line


def handoff_claim(*, handoff_id: int, agent: AbstractBaseUser) -> Handoff:
    """Take a queued handoff. Exactly one of two agents clicking at once gets it."""
    _require_worker(agent)
    now = timezone.now()
    taken = Handoff.objects.filter(id=handoff_id, status=Handoff.Status.QUEUED).update(
        status=Handoff.Status.CLAIMED, claimed_by=agent, claimed_at=now)
    if not taken:
        raise HandoffTaken("This conversation was already taken.")
    handoff = Handoff.objects.select_related("conversation__customer", "claimed_by", "order").get(id=handoff_id)
    Conversation.objects.filter(id=handoff.conversation_id).update(status=Conversation.Status.WITH_AGENT)
    name = staff_name(agent)
    with in_customer_language(handoff.conversation_id):
        text = _("%(name)s joined the chat.") % {"name": name}
    team_line(conversation_id=handoff.conversation_id, text=text, intent="agent_joined")
    realtime.conversation_send(handoff.conversation_id, events.agent_joined(agent=name))
    realtime.console_send(events.handoff_updated(handoff=handoff_serialize(handoff)))
    return handoff


def _owned_handoff(conversation_id: uuid.UUID, agent: AbstractBaseUser) -> Handoff:
    _require_worker(agent)
    handoff = Handoff.objects.filter(conversation_id=conversation_id, status=Handoff.Status.CLAIMED).first()
    if handoff is None or (handoff.claimed_by_id != agent.pk and not can_step_in(agent)):
        raise PermissionDenied("claim the conversation before answering it")
    return handoff


def handoff_held_by(*, conversation_id: uuid.UUID, agent: AbstractBaseUser) -> bool:
    """Whether `agent` may act for the team in this conversation now: they hold its claim, or they supervise."""
    if can_step_in(agent):
        return True
    return Handoff.objects.filter(conversation_id=conversation_id, status=Handoff.Status.CLAIMED,
                                  claimed_by_id=agent.pk).exists()


def agent_reply(*, conversation_id: uuid.UUID, agent: AbstractBaseUser, text: str) -> Message:
    _owned_handoff(conversation_id, agent)
    text = text.strip()
    if not text:
        raise ValueError("empty reply")
    message = Message.objects.create(conversation_id=conversation_id, author=Message.Author.AGENT, agent=agent,
                                     text=text, status=Message.Status.COMPLETE, route=Message.Route.HUMAN)
    Conversation.objects.filter(id=conversation_id).update(updated_at=timezone.now())
    realtime.conversation_send(conversation_id, events.agent_message(message_id=message.id, agent=staff_name(agent),
                                                                     text=text,
                                                                     created_at=message.created_at.isoformat()))
    reply_email_plan(conversation_id=conversation_id)  # emailed if the customer has left the chat
    return message


def agent_note_add(*, conversation_id: uuid.UUID, agent: AbstractBaseUser, text: str) -> InternalNote:
    _require_worker(agent)
    if not text.strip():
        raise ValueError("empty note")
    if not Conversation.objects.filter(id=conversation_id).exists():
        raise Conversation.DoesNotExist(f"no conversation {conversation_id}")
    note = InternalNote.objects.create(conversation_id=conversation_id, author=agent, text=text.strip())
    realtime.staff_send(conversation_id, events.note_added(note={
        "id": note.id, "author": staff_name(agent), "text": note.text, "created_at": note.created_at.isoformat()}))
    return note


def handoff_transfer(*, handoff_id: int, agent: AbstractBaseUser, to_agent_id: int) -> Handoff:
    handoff = Handoff.objects.select_related("conversation").get(id=handoff_id)
    _owned_handoff(handoff.conversation_id, agent)
    # Looked up only after the rights check. A customer's id, a colleague who cannot take
    # handoffs and an id nobody has get the same answer: the console learns no names from it.
    to_agent = get_user_model().objects.filter(id=to_agent_id, is_active=True).first()
    if to_agent is None or not can_work_handoffs(to_agent):
        raise ValidationError(NO_SUCH_COLLEAGUE)
    if to_agent.pk == handoff.claimed_by_id:  # "Sam transferred the chat to Sam." told the customer nothing
        raise ValidationError(f"{staff_name(to_agent)} already has this chat.")
    # Only as it was read (a supervisor may move a colleague's chat too): a resolve or another transfer in the same
    # moment wins, once.
    if not Handoff.objects.filter(id=handoff_id, status=handoff.status, claimed_by_id=handoff.claimed_by_id).update(
            claimed_by=to_agent, claimed_at=timezone.now()):
        raise HandoffTaken(CHANGED_MEANWHILE)
    handoff.refresh_from_db()
    name = staff_name(to_agent)
    with in_customer_language(handoff.conversation_id):
        text = _("%(name)s transferred the chat to %(colleague)s.") % {"name": staff_name(agent), "colleague": name}
    team_line(conversation_id=handoff.conversation_id, text=text, intent="agent_transferred")
    realtime.conversation_send(handoff.conversation_id, events.agent_joined(agent=name))
    realtime.console_send(events.handoff_updated(handoff=handoff_serialize(handoff)))
    return handoff


def refund_pending_reason(*, conversation_id: uuid.UUID) -> str:
    """Why the conversation may not be resolved yet ("" when it may): a refund not finally decided.

    A refund waiting for a supervisor's second approval keeps the conversation open, so the
    customer is told the outcome in it and the supervisor finds it (#15 item 2).
    """
    refund = (RefundRequest.objects.filter(conversation_id=conversation_id, status__in=[
        RefundRequest.Status.REQUESTED, RefundRequest.Status.AWAITING_SECOND]).select_related("order")
        .order_by("created_at").first())
    if refund is None:
        return ""
    what = f"the refund of {money(refund.amount, refund.currency)} on order {refund.order.number}"
    if refund.status == RefundRequest.Status.AWAITING_SECOND:
        return (f"Not resolved: {what} is waiting for a supervisor's second approval. The conversation stays open "
                "under “Refunds awaiting a supervisor” until they decide; the customer is told the outcome here.")
    return f"Not resolved: approve or reject {what} first, so the customer hears the outcome."


def handoff_resolve(*, handoff_id: int, agent: AbstractBaseUser) -> Handoff:
    """Close the handoff, and with it the conversation: the customer's next question starts a new one.

    The agent who claimed it resolves it; a supervisor may resolve any, also one nobody claimed.
    Not while a refund in the conversation is undecided or waits for its second approval.
    The next conversation's handoff packet then holds only what was asked after this.
    """
    handoff = Handoff.objects.select_related("conversation", "claimed_by").get(id=handoff_id)
    if handoff.status == Handoff.Status.CLAIMED:
        _owned_handoff(handoff.conversation_id, agent)
    else:
        _require_worker(agent)
        if not can_step_in(agent):
            raise PermissionDenied("claim the conversation before resolving it")
        if handoff.status == Handoff.Status.RESOLVED:
            raise ValidationError("This handoff is already resolved.")
    pending = refund_pending_reason(conversation_id=handoff.conversation_id)
    if pending:
        raise RefundPending(pending)
    holder = handoff.claimed_by if handoff.status == Handoff.Status.CLAIMED else None
    now = timezone.now()
    # Only as it was read: a claim, transfer or resolve by someone else in the same moment wins, and this one says so
    # (it used to close a chat someone had just joined, and to post "left the chat" twice when two resolved).
    if not Handoff.objects.filter(id=handoff_id, status=handoff.status, claimed_by_id=handoff.claimed_by_id).update(
            status=Handoff.Status.RESOLVED, resolved_at=now):
        raise HandoffTaken(CHANGED_MEANWHILE)
    Conversation.objects.filter(id=handoff.conversation_id).update(status=Conversation.Status.CLOSED, closed_at=now)
    handoff.refresh_from_db()
    with in_customer_language(handoff.conversation_id):
        left = _("%(name)s left the chat.") % {"name": staff_name(holder)} if holder is not None else ""
        back = _("Our team has finished here; I'm back if you need anything else: "
                 "your next question starts a new conversation.")
    if holder is not None:
        team_line(conversation_id=handoff.conversation_id, text=left, intent="agent_left")
    assistant_note(conversation_id=handoff.conversation_id, text=back, intent="handed_back")
    # The widget's status line goes back from "Chatting with Sam" to the assistant.
    realtime.conversation_send(handoff.conversation_id, events.handoff(status="resolved", message=""))
    realtime.console_send(events.handoff_updated(handoff=handoff_serialize(handoff)))
    return handoff
