"""Answering what the router sent to the LLM: streamed, guarded, logged, whichever provider serves it.

Run by the Celery task `support.tasks.escalation_answer` with a message id. Every
escalation ends in exactly one of: a complete streamed answer, or a handoff to staff
(no key or server, budget spent, the model failing, a reply that broke a rule, a worker
that died half way). Each writes one EscalationLog row, naming the provider and model.
The provider (LLM_PROVIDER: Gemini, or an OpenAI-compatible server the shop runs) is
reached only through `support.llm.provider`; nothing here depends on which it is.
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
import time
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from support import events, metrics, realtime
from support.logs import conversation_context
from support.llm.citations import citations_taken_out, sources_cited
from support.llm.guardrails import OutputGuard, looks_like_injection
from support.llm.pricing import call_cost
from support.llm.prompt import language_name, request_build, system_prompt
from support.llm.provider import ModelRequest, Text, ToolCall, ToolRound, Usage, has_content, provider_get
from support.llm.retries import LLMUnavailable, concurrency_slot, model_stream
from support.llm.tools import ToolContext, tool_call, tool_specs
from support.models import EscalationLog, Message, TranslationLog
from support.services.answers import Answer
from support.services.handoff import handoff_request
from support.services.language import in_language, reply_language
from support.services.delivery import reply_stream

log = logging.getLogger(__name__)
MAX_TOOL_ROUNDS = 3
FLUSH_CHARS = 24

# Lazy: read in the customer's language when the task answers (support.services.language).
HANDOFF_TEXT = {
    "no_api_key": gettext_lazy("That's a question for one of our specialists, so I've passed it to our support team. They'll reply right here in this chat."),
    "llm_not_configured": gettext_lazy("That's a question for one of our specialists, so I've passed it to our support team. "
                          "They'll reply right here in this chat."),
    "budget_spent": gettext_lazy("That's a question for one of our specialists, so I've passed it to our support team. They'll reply right here in this chat."),
    "llm_error": gettext_lazy("Sorry, I couldn't answer that just now. I've passed your question to our support team, who will reply right here."),
    "guardrail": gettext_lazy("I'd better let a member of our support team answer that one. I've passed it on, and they'll reply right here."),
    "worker_lost": gettext_lazy("Sorry, I lost my train of thought. I've passed your question to our support team, who will reply right here."),
}
BLOCKED_TEXT = gettext_lazy("I can only help with questions about Example Shoppe: your orders, delivery, returns, payments and your "
                "account. What would you like to know?")


def _claim(message: Message, enqueued_at: float | None, task_started: float) -> tuple[EscalationLog | None, bool]:
    """This delivery's log row, and whether it is new.

    (None, False): the escalation already ended. (row, False): an earlier delivery
    started and never finished, so its worker died.
    """
    enqueued = datetime.fromtimestamp(enqueued_at, tz=dt_timezone.utc) if enqueued_at else None
    try:
        # One INSERT needs no transaction of its own; inside another one it needs a savepoint.
        provider = provider_get()
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            row = EscalationLog.objects.create(
                conversation_id=message.conversation_id, message=message, router_reason=message.reason,
                router_scores=message.scores, provider=provider.name, model=provider.model[:120],
                prompt_version=system_prompt()[0],
                enqueued_at=enqueued,
                queue_ms=round((task_started - enqueued_at) * 1000, 3) if enqueued_at else None,
            )
        return row, True
    except IntegrityError:
        row = EscalationLog.objects.get(message=message)
        return (row, False) if row.outcome == EscalationLog.Outcome.IN_PROGRESS else (None, False)


def _spent_reason(message: Message) -> str | None:
    return llm_unavailable(conversation_id=message.conversation_id)


def llm_unavailable(*, conversation_id: Any) -> str | None:
    """Why an escalation in this conversation would go to staff before the LLM is asked (no key or server,
    the day's or the conversation's budget spent), or None when the LLM can answer."""
    missing = provider_get().missing()
    if missing:
        return missing
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    in_conversation = Q(conversation_id=conversation_id)
    totals = EscalationLog.objects.filter(Q(started_at__gte=today) | in_conversation).aggregate(
        spent=Sum("cost_eur", filter=Q(started_at__gte=today)),
        used=Sum(F("input_tokens") + F("output_tokens"), filter=in_conversation))
    # Staff's translations in the console (support.services.translation) spend the same day's budget.
    translated = TranslationLog.objects.filter(started_at__gte=today).aggregate(s=Sum("cost_eur"))["s"] or 0
    if (totals["spent"] or 0) + translated >= Decimal(str(settings.LLM_BUDGET_EUR_PER_DAY)):
        return "budget_spent"
    if (totals["used"] or 0) >= settings.LLM_BUDGET_TOKENS_PER_CONVERSATION:
        return "budget_spent"
    return None


def _finish(row: EscalationLog, outcome: str, started: float, **fields: Any) -> None:
    row.outcome = outcome
    row.latency_ms = round((time.perf_counter() - started) * 1000, 3)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    metrics.ESCALATIONS.labels(outcome).inc()
    metrics.LLM_TOKENS.labels("input").inc(row.input_tokens)
    metrics.LLM_TOKENS.labels("output").inc(row.output_tokens)
    metrics.LLM_COST.inc(float(row.cost_eur))
    if row.first_token_ms is not None:
        metrics.LLM_FIRST_TOKEN.observe(row.first_token_ms / 1000)


def _hand_off(message: Message, row: EscalationLog, reason: str, started: float, **fields: Any) -> None:
    """The model wrote nothing: the notice is the people's tier's (its route), so the ops dashboard's LLM latency and
    satisfaction and the console's "written by the LLM" badge count only what a model wrote."""
    reply_stream(message=message, route="human", intent=message.intent,
                 answer=Answer(str(HANDOFF_TEXT.get(reason, HANDOFF_TEXT["llm_error"])), handoff=reason), started=started)
    _finish(row, EscalationLog.Outcome.HANDED_OFF, started, handoff_reason=reason, **fields)
    log.info("escalation of message %s handed off: %s", message.id, reason)


class _StreamedReply:
    """The reply as the customer sees it: started at the first text, sent in small checked pieces."""

    def __init__(self, message: Message, request_redactor, guard: OutputGuard, enqueued_at: float | None) -> None:  # type: ignore[no-untyped-def]
        self.message, self.redactor, self.guard, self.enqueued_at = message, request_redactor, guard, enqueued_at
        self.reply: Message | None = None
        self.raw = ""  # as the model wrote it, placeholders included
        self.flushed = 0
        self.first_sent_at: float | None = None
        self.violation: str | None = None

    def add(self, text: str, *, final: bool = False) -> None:
        self.raw += text
        pending = self.raw[self.flushed:]
        if not final:
            cut = pending.rfind(" ")
            open_bracket = pending.rfind("[")
            if open_bracket > pending.rfind("]"):
                cut = min(cut, open_bracket - 1)  # never split a placeholder
            if cut < FLUSH_CHARS:
                return
            pending = pending[:cut]  # the space goes with the next piece: " [2]", a citation, is taken out whole
        if not pending:
            return
        self.violation = self.violation or self.guard.violation(self.raw[: self.flushed + len(pending)])
        if self.violation:
            return
        shown = citations_taken_out(self.redactor.restore(pending))[0]
        self.flushed += len(pending)
        if shown:
            self._send(shown)

    def _send(self, text: str) -> None:
        if self.reply is not None:
            realtime.conversation_send(self.message.conversation_id, events.reply_chunk(reply_id=self.reply.id, text=text))
            return
        self.reply = Message.objects.create(conversation_id=self.message.conversation_id, author=Message.Author.BOT,
                                            status=Message.Status.STREAMING, in_reply_to=self.message, intent=self.message.intent,
                                            route=Message.Route.LLM)
        realtime.conversation_send(  # the start and the first text in one hop
            self.message.conversation_id,
            events.reply_start(reply_id=self.reply.id, in_reply_to=self.message.id),
            events.reply_chunk(reply_id=self.reply.id, text=text),
        )
        self.first_sent_at = time.time()

    @property
    def text(self) -> str:
        return citations_taken_out(self._shown_raw())[0]

    @property
    def cited(self) -> list[int]:
        """The help passages the reply cites, by the numbers the model read them under."""
        return citations_taken_out(self._shown_raw())[1]

    def _shown_raw(self) -> str:
        return self.redactor.restore(self.raw[: self.flushed])


def escalation_answer_produce(*, message_id: int, enqueued_at: float | None = None) -> None:
    """Answer a message the router sent to the LLM, streamed; run by the Celery task `escalation_answer`."""
    started, task_started = time.perf_counter(), time.time()
    message = Message.objects.select_related("conversation", "conversation__customer").get(id=message_id)
    with conversation_context(message.conversation_id), in_language(reply_language(message)):
        _escalation_answer(message, started, task_started, enqueued_at)


def _escalation_answer(message: Message, started: float, task_started: float, enqueued_at: float | None) -> None:
    row, fresh = _claim(message, enqueued_at, task_started)
    if row is None:
        return  # redelivered after it ended: never a second reply
    if not fresh:
        _worker_lost(message, row, started)
        return
    if looks_like_injection(message.text):
        reply_stream(message=message, route="llm", intent=message.intent, answer=Answer(str(BLOCKED_TEXT)), started=started)
        _finish(row, EscalationLog.Outcome.BLOCKED, started, error_class="PromptInjection")
        return
    reason = _spent_reason(message)
    if reason:
        _hand_off(message, row, reason, started)
        return
    try:
        _answer(message, row, started, enqueued_at)
    except Exception as error:  # the customer must never be left waiting
        log.exception("escalation of message %s failed", message.id)
        _finish(row, EscalationLog.Outcome.FAILED, started, error_class=type(error).__name__, error=str(error)[:2000])
        handoff_request(conversation_id=message.conversation_id, reason="llm_error", message=str(HANDOFF_TEXT["llm_error"]))


def escalation_hand_over(*, message_id: int) -> None:
    """An escalation left without an outcome by a process that died (support.services.recovery): to staff, once.

    The LLM is not asked again: the call that died may have been answered and billed,
    and the customer has already waited. An escalation that ended after all is left as it is.
    """
    started = time.perf_counter()
    message = Message.objects.select_related("conversation", "conversation__customer").get(id=message_id)
    with conversation_context(message.conversation_id), in_language(reply_language(message)):
        row, _unused = _claim(message, None, time.time())
        if row is not None:
            _worker_lost(message, row, started)


def _worker_lost(message: Message, row: EscalationLog, started: float) -> None:
    partial = message.replies.filter(status=Message.Status.STREAMING).first()
    if partial:
        Message.objects.filter(id=partial.id).update(status=Message.Status.FAILED)
        realtime.conversation_send(message.conversation_id,
                                   events.reply_failed(reply_id=partial.id, message=str(HANDOFF_TEXT["worker_lost"])))
    _hand_off(message, row, "worker_lost", started, error_class="WorkerLost")


def _answer(message: Message, row: EscalationLog, started: float, enqueued_at: float | None) -> None:
    request = request_build(message=message)
    row.photos_sent = request.photos  # the count only: which photos, and their bytes, are not logged
    _, prompt = system_prompt()
    guard = OutputGuard(system_prompt=prompt, allowed_order_numbers=request.allowed_order_numbers,
                        allowed_emails=request.allowed_emails)
    reply = _StreamedReply(message, request.redactor, guard, enqueued_at)
    tools = ToolContext(conversation=message.conversation)
    provider = provider_get()
    asked = ModelRequest(system=request.system, turns=list(request.turns), tools=tool_specs() if settings.LLM_TOOLS else [])
    log.info("escalation of message %s: prompt %s, answering in %s (%s)", message.id, row.prompt_version,
             language_name(message.language), message.reason)
    input_tokens = output_tokens = 0

    def retried(error: BaseException) -> None:
        row.retries += 1

    def cost() -> Decimal:
        # The serving machine's time is priced by how long the model was busy with this escalation.
        return call_cost(input_tokens=input_tokens, output_tokens=output_tokens,
                         seconds=time.perf_counter() - call_started)

    call_started = time.perf_counter()
    try:
        with concurrency_slot():
            for _ in range(MAX_TOOL_ROUNDS + 1):
                calls: list[ToolCall] = []
                usage: Usage | None = None
                for chunk in model_stream(provider, asked, on_retry=retried,
                                          deadline=started + settings.LLM_TOTAL_TIMEOUT_S):
                    if row.first_token_ms is None and has_content(chunk):
                        row.first_token_ms = round((time.perf_counter() - call_started) * 1000, 3)
                    if time.perf_counter() - started > settings.LLM_TOTAL_TIMEOUT_S:
                        raise TimeoutError("the LLM reply took longer than LLM_TOTAL_TIMEOUT_S")
                    if isinstance(chunk, Usage):
                        usage = chunk
                    elif isinstance(chunk, ToolCall):
                        calls.append(chunk)
                    elif isinstance(chunk, Text):
                        reply.add(chunk.text)
                    if reply.violation:
                        break
                if usage is not None:
                    input_tokens += usage.input_tokens
                    output_tokens += usage.output_tokens
                if reply.violation or not calls:
                    break
                results = []
                for call in calls:
                    result = tool_call(tools, call.name, call.args)
                    row.tool_calls = [*row.tool_calls,
                                      {"name": call.name, "args": call.args, "found": result.get("found")}]
                    results.append(result)
                asked.turns.append(ToolRound(calls=tuple(calls), results=tuple(results)))
            if not reply.violation:
                reply.add("", final=True)
    except LLMUnavailable as failure:
        row.retries = failure.retries
        _hand_off(message, row, "llm_error", started, error_class=type(failure.cause).__name__, error=str(failure.cause)[:2000],
                  input_tokens=input_tokens, output_tokens=output_tokens, cost_eur=cost())
        return
    except Exception as error:  # after the first token: no silent retry
        _broken(message, row, reply, started, error, input_tokens, output_tokens, cost())
        return

    usage_fields = {"input_tokens": input_tokens, "output_tokens": output_tokens, "cost_eur": cost()}
    if reply.first_sent_at and enqueued_at:
        usage_fields["first_chunk_sent_ms"] = round((reply.first_sent_at - enqueued_at) * 1000, 3)
    if reply.violation or not reply.text.strip():
        reason = "guardrail" if reply.violation else "llm_error"
        _replace_with_handoff(message, reply, reason, started)
        _finish(row, EscalationLog.Outcome.HANDED_OFF, started, handoff_reason=reply.violation or "empty_reply", **usage_fields)
        return
    _complete(message, reply, sources_cited(request.sources, reply.cited), started)
    if tools.handoff_reason:
        handoff_request(conversation_id=message.conversation_id, reason=tools.handoff_reason, message=reply.text)
        _finish(row, EscalationLog.Outcome.HANDED_OFF, started, handoff_reason=tools.handoff_reason, **usage_fields)
        return
    _finish(row, EscalationLog.Outcome.ANSWERED, started, **usage_fields)


def _complete(message: Message, reply: _StreamedReply, sources: list, started: float) -> None:
    assert reply.reply is not None
    with transaction.atomic():
        Message.objects.filter(id=reply.reply.id).update(
            text=reply.text, sources=sources, status=Message.Status.COMPLETE,
            reply_latency_ms=round((time.perf_counter() - started) * 1000, 3))
        Message.objects.filter(id=message.id).update(status=Message.Status.ANSWERED)
    realtime.conversation_send(message.conversation_id, events.reply_end(
        reply_id=reply.reply.id, in_reply_to=message.id, route="llm", intent=message.intent, sources=sources,
        text=reply.text))


def _replace_with_handoff(message: Message, reply: _StreamedReply, reason: str, started: float) -> None:
    """A reply that broke a rule: whatever was shown is replaced by the handoff message."""
    text = str(HANDOFF_TEXT[reason])
    if reply.reply is None:  # nothing the model wrote was shown: a handoff notice like `_hand_off`'s
        reply_stream(message=message, route="human", intent=message.intent, answer=Answer(text, handoff=reason), started=started)
        return
    reply.raw, reply.flushed = text, len(text)
    reply.redactor.originals.clear()
    _complete(message, reply, [], started)
    handoff_request(conversation_id=message.conversation_id, reason=reason, message=text)


def _broken(message: Message, row: EscalationLog, reply: _StreamedReply, started: float, error: BaseException,
            input_tokens: int, output_tokens: int, cost: Decimal) -> None:
    log.warning("LLM stream for message %s broke: %r", message.id, error)
    fields = {"error_class": type(error).__name__, "error": str(error)[:2000], "input_tokens": input_tokens,
              "output_tokens": output_tokens, "cost_eur": cost}
    if reply.reply is not None:
        Message.objects.filter(id=reply.reply.id).update(status=Message.Status.FAILED, text=reply.text)
        realtime.conversation_send(message.conversation_id,
                                   events.reply_failed(reply_id=reply.reply.id, message=str(HANDOFF_TEXT["llm_error"])))
        handoff_request(conversation_id=message.conversation_id, reason="llm_error", message=str(HANDOFF_TEXT["llm_error"]))
        _finish(row, EscalationLog.Outcome.HANDED_OFF, started, handoff_reason="llm_error", **fields)
        return
    _hand_off(message, row, "llm_error", started, **fields)
