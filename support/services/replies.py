"""Producing the assistant's reply to a saved customer message, streamed to the socket."""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support.db import commits_without_waiting_for_disk
from support.logs import conversation_context
from support.models import ANSWER_TO_QUESTION, Conversation, Message
from support.services.away import notify_email_answer, notify_email_take
from support.services.delivery import outcome_claimable, reply_fail, reply_stream
from support.services.language import in_language, language_around, reply_language
from support.services.answers import (
    Answer,
    emoji_answer,
    greeting_answer,
    UNSUPPORTED_LANGUAGE_REPLY,
    knowledge_answer,
    off_topic_answer,
)
from support.services.order_help import ORDER_INTENTS, order_answer, pending_answer
from support.services.order_help.cancellation import with_cancel_offer
from support.services.order_help.orders import ORDER_IN_FOCUS, order_named
from support.services.order_help.return_label import with_return_label, with_return_offer
from support.services.order_help.tracking import with_order_expected, with_order_payment
from support.services.product_answers import product_answer
from support.services.routing import (UNSUPPORTED_LANGUAGE, RouteDecision, decision_fields, help_answer_checked,
                                      message_route)
from support.tasks import escalation_answer

log = logging.getLogger(__name__)

# Lazy: each is read in the language of the customer being answered (support.services.language).
# When they will answer follows in the handoff's note, from SUPPORT_HOURS (support.services.handoff): the place
# in the queue, or when the team is back.
HANDOFF_REPLY = _("I'm passing this to our support team, who will reply right here in this chat.")
REFUND_HANDOFF_REPLY = _(
    "Refunds are decided by a member of our support team, so I'm passing your request to them now. They'll "
    "reply right here. It helps if you tell them the order number, which items, and why."
)


def message_answer(*, message_id: int, holder: str = "") -> None:
    """Route a saved customer message and answer it; never leaves the customer without a reply.

    `holder`: the claim this runs under. The socket's own thread answers the message it just
    saved without claiming it (""); the stranded-message sweep passes its claim
    (support.services.recovery). Either way the outcome is recorded only if nobody else took
    the message over meanwhile, so a late original and the sweep never both answer.
    """
    started = time.perf_counter()
    message = Message.objects.select_related("conversation", "conversation__customer").get(id=message_id)
    with conversation_context(message.conversation_id), commits_without_waiting_for_disk(), \
            in_language(reply_language(message)):
        _message_answer(message, started, holder)


def _message_answer(message: Message, started: float, holder: str) -> None:
    message_id = message.id
    decision = None
    language = reply_language(message)
    try:
        conversation = message.conversation
        if conversation.status == Conversation.Status.WITH_AGENT:
            # A person is answering this conversation: the assistant stays quiet (an email address
            # it asked for before is still kept).
            notify_email_take(conversation=conversation, text=message.text)
            outcome_claimable(message.id, holder).update(route="human", reason="conversation is with an agent",
                                                          status=Message.Status.ANSWERED, answering_until=None)
            return
        question = conversation.state.get("pending") or {}
        if question.get("kind") == "notify_email":
            answer = notify_email_answer(conversation=conversation, text=message.text)
        else:
            answer = pending_answer(conversation=conversation, text=message.text)
        # The customer's message that began the exchange the assistant's open question belongs to: a refund handed
        # on after "yes" is the request's handoff ("a refund for order 10026, the table arrived cracked"), not the yes's.
        asked_in = message.id
        if answer is not None:
            intent, route = question.get("intent", "follow_up"), "local"
            decision = {"route": route, "intent": intent, "reason": ANSWER_TO_QUESTION}
            asked_in = question.get("asked_in", message.id)
        else:
            routed = message_route(message=message)
            if routed.route != "llm":
                language = (language_around(message) if routed.intent == UNSUPPORTED_LANGUAGE
                            else reply_language(message, routed=routed.language))
                with in_language(language):
                    answer = _local_answer(conversation=conversation, decision=routed, text=message.text,
                                           language=language)
                # A help section that does not answer the message is no answer: the strong model's turn.
                routed = help_answer_checked(routed, answer, text=message.text, language=language)
            decision = decision_fields(routed)
            if routed.route == "llm":
                # Recorded before the task is queued: the worker reads the intent and reason. From
                # here the message is held by its task, by id, for as long as a task may wait in
                # the queue; past that, the stranded-message sweep hands it to staff.
                task_id = str(uuid.uuid4())
                queued_until = timezone.now() + timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT_S)
                if not outcome_claimable(message.id, holder).update(**decision, answering_by=task_id,
                                                                     answering_until=queued_until):
                    log.info("message %s was taken over while it was routed; not queued", message_id)
                    return
                enqueued_at = time.time()
                # By id: the worker reads the message (and embeds it again for its help passages).
                transaction.on_commit(lambda: escalation_answer.apply_async(
                    kwargs={"message_id": message.id, "enqueued_at": enqueued_at}, task_id=task_id))
                return
            intent, route = routed.intent, routed.route
            if route == "human" and not answer.handoff:
                # On the way to a person the assistant asked something itself ("Which order do you
                # mean?"): that reply is the local tier's, and its ratings count for it, not for people.
                route = "local"
        if answer.order_in_focus is None and (named := order_named(conversation, message.text)):
            answer = replace(answer, order_in_focus=named)
        _conversation_state_save(conversation, answer, asked_in=asked_in)
    except Exception:
        log.exception("answering message %s failed", message_id)
        reply_fail(message=message, reply=None, decision=decision, holder=holder)
        return
    with in_language(language):
        reply_stream(message=message, route=route, intent=intent, answer=answer, started=started, decision=decision,
                     holder=holder, request_message_id=asked_in)


def _local_answer(*, conversation: Conversation, decision: RouteDecision, text: str, language: str) -> Answer:
    """The local tier's answer; `language` is the reply's (`reply_language`): the router reads a message it is unsure of
    as English, and the help passage then follows the conversation's language, the page's for a first message
    ("hola, aceptáis pago con tarjeta de crédito?" on the Spanish shop, 86% Spanish to the detector)."""
    if decision.route in ("off_topic", "local") and (feeling := emoji_answer(text)):
        return feeling
    if decision.intent == UNSUPPORTED_LANGUAGE:
        return Answer(str(UNSUPPORTED_LANGUAGE_REPLY))
    if decision.route == "off_topic":
        return off_topic_answer()
    if decision.route == "human" and decision.intent == "get_refund":
        # The assistant collects what a refund needs; a person decides.
        answer = order_answer(conversation=conversation, intent="get_refund", text=text)
        return answer if answer.pending or answer.handoff else Answer(str(REFUND_HANDOFF_REPLY), handoff="refund")
    if decision.route == "human":
        return Answer(str(HANDOFF_REPLY), handoff=decision.intent)
    if decision.intent == "greeting":
        first_name = conversation.customer.first_name if conversation.customer_id else None
        return greeting_answer(text=text, first_name=first_name)
    if decision.intent in ORDER_INTENTS:
        return order_answer(conversation=conversation, intent=decision.intent, text=text)
    if decision.intent == "product_question" and (about_a_product := product_answer(text)):
        return about_a_product
    answer = knowledge_answer(intent=decision.intent, vector=decision.vector, text=text, language=language,
                              meaning=decision.meaning)
    about_an_order = _WITH_THE_ORDER.get(decision.intent)
    return about_an_order(answer, conversation=conversation, text=text) if about_an_order else answer


def _with_return(answer: Answer, *, conversation: Conversation, text: str) -> Answer:
    """The returns passage with the label of the customer's order whose return is started, else the offer to start
    it."""
    labelled = with_return_label(answer, conversation=conversation, text=text)
    return labelled if labelled is not answer else with_return_offer(answer, conversation=conversation, text=text)


# What a help passage is given about the customer's order (the one the message names or the chat was just about), by
# intent; each returns the passage alone when there is nothing to add.
_WITH_THE_ORDER: dict[str, Callable[..., Answer]] = {
    "return_item": _with_return,  # its return label, or the offer to start its return
    "delivery_period": with_order_expected,  # when it is expected
    "check_cancellation_fee": with_cancel_offer,  # the offer to cancel it, with its fee
    "payment_issue": with_order_payment,  # where its payment stands
}


def _conversation_state_save(conversation: Conversation, answer: Answer, *, asked_in: int) -> None:
    """The answer's open question kept on the conversation (or none), with the message its exchange began with."""
    state = dict(conversation.state)
    state.pop("pending", None)
    if answer.pending:
        state["pending"] = {**answer.pending, "asked_in": asked_in}
    if answer.order_in_focus:
        state[ORDER_IN_FOCUS] = answer.order_in_focus
    if state != conversation.state:  # most answers ask nothing back: no write
        Conversation.objects.filter(id=conversation.id).update(state=state, updated_at=timezone.now())
