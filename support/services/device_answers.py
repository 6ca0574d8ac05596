"""Help answers chosen on the customer's device (issue #19): checked, rendered by the server, saved.

The widget's small model answers routine help questions at once and sends the server what it
chose: `{"version", "passage_id", "language", "intent", "confidence", "decision_ms"}` with the
customer's message, never the answer's text. The server stays the record and the authority:

1. `device_claim_read` checks the frame's shape and `device_answer_check` that the model version
   is the server's own, that the passage exists in the server's help centre (`rag.device`'s
   `device_passage`), that it answers the intent and that the intent is routine help (never
   order data, refunds, a person or anything unusual) and one the served model may answer (its
   manifest's `intents`), and that nobody else is answering the
   conversation (staff, or a question the assistant asked), and that the help-answer check takes the passage as
   an answer to the message (rag/answerability.py, as for the server's own help answers). Any "no" is a
   `DeviceRefused`: the message is then routed by the server as every other message, and why is kept for ops.
2. `device_answer_save` saves the reply from the server's own passage, so a tampered client can
   never put words in the shop's mouth, marks both messages as answered on the device, records
   the decision (reason "answered on the device", the device's latency) and tells the
   conversation's sockets, so the widget that answered shows no second answer and other tabs
   show this one.
"""
from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from rag.device.passages import DEVICE_HELP_LANGUAGES
from rag.documents import ENGLISH, Passage
from rag.router.languages import LANGUAGES
from rag.router.policy import INTENT_ROUTES
from support import events, metrics, realtime
from support.models import Conversation, Message
from support.services.answers import INTENT_DOCUMENTS, Answer, english_only_noted
from support.services.delivery import outcome_claimable
from support.services.order_help import ORDER_INTENTS

log = logging.getLogger(__name__)

ANSWERED_ON_DEVICE = "answered on the device"
DEVICE_LANGUAGES = frozenset({ENGLISH, *DEVICE_HELP_LANGUAGES})
TRANSLATED_ON_DEVICE = frozenset(LANGUAGES) - DEVICE_LANGUAGES  # no passages on the device: translated by the browser
TRANSLATED_BY_THE_BROWSER = "translated by the browser"
# Routine help: questions whose answer is a help passage. Never order data (the order intents),
# refunds or people (routed "human"), greetings, product questions or anything for the LLM.
DEVICE_INTENTS = frozenset(intent for intent, route in INTENT_ROUTES.items()
                           if route == "local" and intent in INTENT_DOCUMENTS and intent not in ORDER_INTENTS)

# Why a device answer was refused (Message.device_refused, at most 20 characters).
MALFORMED, STALE, NO_MODEL, CHECK_FAILED = "malformed", "stale", "no_device_model", "check_failed"
LANGUAGE, OUT_OF_SCOPE, UNKNOWN_PASSAGE, BUSY = "language", "out_of_scope", "unknown_passage", "conversation_busy"
NOT_AN_ANSWER = "section_no_answer"  # the help-answer check (rag/answerability.py): the passage does not answer it
# The server's router does not answer the message with a help passage (a refund, a person, the strong model, off-topic):
# a tampered widget's claim on "I want a refund, the table arrived broken" was taken (session 27's security probe).
NOT_ROUTINE = "server_not_routine"
# The server's router answers it with help, but for another question: "where is my order?" claimed as a return
# question was taken, an order question answered with a help passage (session 30's security probe).
OTHER_QUESTION = "server_other_intent"


class DeviceRefused(Exception):
    """The device's answer is not taken: the server answers the message itself."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DeviceClaim:
    """What the device says it answered with: ids and figures, never text."""

    version: str
    passage_id: str
    language: str
    intent: str
    confidence: float | None
    decision_ms: float | None
    # The device showed the passage translated by the browser's built-in Translator (Italian, Polish,
    # Portuguese: languages the device carries no passages in; static/chat/device/translation.js).
    translated: bool = False


def _number(value: Any, *, upper: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= upper:
        raise DeviceRefused(MALFORMED)
    return float(value)


def _short_text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise DeviceRefused(MALFORMED)
    return value


def device_claim_read(frame: Any) -> DeviceClaim:
    """The `device` object of a `customer.message` frame, checked for shape only (raises DeviceRefused)."""
    if not isinstance(frame, dict):
        raise DeviceRefused(MALFORMED)
    return DeviceClaim(
        version=_short_text(frame.get("version"), 64), passage_id=_short_text(frame.get("passage_id"), 200),
        language=_short_text(frame.get("language"), 8), intent=_short_text(frame.get("intent"), 40),
        confidence=_number(frame.get("confidence"), upper=1.0),
        decision_ms=_number(frame.get("decision_ms"), upper=60_000.0),
        translated=_flag(frame.get("translated", False)),
    )


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise DeviceRefused(MALFORMED)
    return value


def server_device_version() -> str:
    """The version of the device model the server takes answers from ("" when none is built, or DEVICE_ANSWERS is off)."""
    if not settings.DEVICE_ANSWERS:
        return ""
    try:
        from rag.device.manifest import device_version

        return device_version() or ""
    except Exception:  # noqa: BLE001 - no device model built here, or unreadable: the server answers everything
        log.warning("no device model version: every message is answered by the server", exc_info=True)
        return ""


def _passage(claim: DeviceClaim) -> Passage | None:
    from rag.device.passages import device_passage

    return device_passage(claim.language, claim.passage_id)


def _model_intents() -> list[str]:
    """The intents the served device model may answer: its manifest's (the routine help it was
    trained and measured on, without the twins it leaves to the server)."""
    from rag.device.manifest import device_scope_current

    return device_scope_current()


def device_answer_check(*, conversation_id: uuid.UUID, claim: DeviceClaim, text: str) -> Passage:
    """The server's own passage for the device's answer to `text`, if the server takes it; else DeviceRefused(why)."""
    current = server_device_version()
    if not current:
        raise DeviceRefused(NO_MODEL)
    if claim.version != current:
        raise DeviceRefused(STALE)
    # The device's passage languages as they are; Italian, Polish and Portuguese only translated by the browser.
    if claim.language not in (TRANSLATED_ON_DEVICE if claim.translated else DEVICE_LANGUAGES):
        raise DeviceRefused(LANGUAGE)
    if claim.intent not in DEVICE_INTENTS or claim.intent not in _model_intents():
        raise DeviceRefused(OUT_OF_SCOPE)
    passage = _passage(claim)
    if passage is None:
        raise DeviceRefused(UNKNOWN_PASSAGE)
    if passage.slug not in INTENT_DOCUMENTS[claim.intent]:
        raise DeviceRefused(OUT_OF_SCOPE)
    conversation = Conversation.objects.only("status", "state").get(id=conversation_id)
    if conversation.status != Conversation.Status.BOT or conversation.state.get("pending"):
        # Staff have (or are about to have) the chat, or the assistant waits for an answer to its question.
        raise DeviceRefused(BUSY)
    from rag.router.serving import router_get

    decision = router_get().decide(text)
    if not passage_answers(text=text, language=passage.language, passage=passage, meaning=decision.meaning):
        raise DeviceRefused(NOT_AN_ANSWER)
    if decision.route != "local":
        raise DeviceRefused(NOT_ROUTINE)
    if decision.intent != claim.intent:
        raise DeviceRefused(OTHER_QUESTION)
    return passage


def passage_answers(*, text: str, language: str, passage: Passage, meaning: Any = None) -> bool:
    """Whether the help-answer check takes `passage` as an answer to `text`, as it does a server's help answer
    (support.services.routing.help_answer_checked): the device does not run the check, so the server does, on the
    message's meaning (one embedding; the customer already reads the device's answer). A passage it does not take
    is refused: the widget removes it and the server answers, sending the message on. With no check to read (no
    multilingual router, a passage the check's index lacks) the device's answer stands, as a server's would."""
    from rag.answerability import answer_check_get, shown_section_features
    from rag.router.serving import router_get

    meaning = router_get().meaning(text) if meaning is None else meaning
    if meaning is None:
        return True
    features = shown_section_features(meaning=meaning, text=text, language=language, url=passage.url)
    return features is None or answer_check_get().answers(features)[0]


def device_refusal_record(*, message_id: int, claim: DeviceClaim | None, reason: str) -> None:
    """Why the device's answer to this message was not taken (for ops), before the server routes it."""
    Message.objects.filter(id=message_id).update(device_refused=reason,
                                                 device_version=claim.version if claim else "")
    metrics.DEVICE_ANSWERS.labels(reason).inc()
    log.info("message %s: the device's answer was refused (%s); the server answers it", message_id, reason)


def texts_kept_off_server() -> bool:
    return settings.DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER


def device_answer_save(*, message: Message, claim: DeviceClaim, passage: Passage,
                       client_id: uuid.UUID) -> Message | None:
    """Save the reply the device showed, rendered from the server's `passage`, and tell the sockets.

    None when the message already had an outcome (a resend of a message that was answered).
    """
    private = texts_kept_off_server()
    source = passage.as_source()
    # The record is the server's own passage; a browser's translation (it, pl, pt) is kept as the server's
    # English passage with the line in their language that says so (english_only_noted), as the server answers.
    text = english_only_noted(Answer(passage.text), claim.language).text if claim.translated else passage.text
    reason = f"{ANSWERED_ON_DEVICE} ({TRANSLATED_BY_THE_BROWSER})" if claim.translated else ANSWERED_ON_DEVICE
    scores = {"passage_id": claim.passage_id, **({"translated_on_device": 1.0} if claim.translated else {})}
    decision = {"route": Message.Route.LOCAL, "intent": claim.intent, "confidence": claim.confidence,
                "reason": reason, "scores": scores,
                "route_latency_ms": claim.decision_ms, "language": claim.language,
                "answered_on_device": True, "device_version": claim.version, "device_refused": ""}
    with transaction.atomic():
        kept = {"text": "", "text_kept_on_device": True} if private else {}
        if not outcome_claimable(message.id, "").update(status=Message.Status.ANSWERED, answering_until=None,
                                                         **decision, **kept):
            return None
        reply = Message.objects.create(
            conversation_id=message.conversation_id, author=Message.Author.BOT, status=Message.Status.COMPLETE,
            in_reply_to=message, intent=claim.intent, route=Message.Route.LOCAL,
            text="" if private else text, sources=[source], language=claim.language,
            reply_latency_ms=claim.decision_ms, answered_on_device=True, device_version=claim.version,
            text_kept_on_device=private,
        )
    metrics.MESSAGES_ROUTED.labels("local").inc()
    metrics.DEVICE_ANSWERS.labels("answered").inc()
    log.info("message %s answered on the device (intent %s, version %s, %s ms on the device)",
             message.id, claim.intent, claim.version, claim.decision_ms)
    device_answer_announce(message=message, reply=reply, client_id=client_id)
    return reply


def device_answer_announce(*, message: Message, reply: Message, client_id: uuid.UUID) -> None:
    """Tell the conversation's sockets that the device's answer is the record (also on a resend)."""
    try:
        realtime.conversation_send(message.conversation_id, events.device_answer_saved(
            client_id=str(client_id), message_id=message.id, reply_id=reply.id, intent=reply.intent,
            sources=reply.sources, text=reply.text, text_kept_on_device=reply.text_kept_on_device))
    except Exception:
        log.warning("device answer %s is saved but could not be announced; it is in the history", reply.id,
                    exc_info=True)


def device_answer_of(*, message_id: int) -> Message | None:
    """The saved device answer to a customer message, for a widget resending it after a reconnect."""
    return Message.objects.filter(in_reply_to_id=message_id, answered_on_device=True,
                                  author=Message.Author.BOT).first()
