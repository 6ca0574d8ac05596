"""The LLM in the customer's language (#16), on the wire: the real google-genai client against the fake Gemini server.

- the system prompt names the language of the message being escalated and says to answer in it; the prompt's
  version is logged with the escalation;
- Italian, Polish and Portuguese routine help questions are answered locally from their own help pages, key or no key
  (session 34; before, they went to the LLM with the English passages when a key was set);
- personal data in European formats never reaches the model; order numbers, prices and dates do.
"""
from __future__ import annotations

import asyncio

import logging
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from support.llm.prompt import system_prompt
from support.models import EscalationLog, Message
from support.services.escalation import escalation_answer_produce
from tests.fakes.gemini import FakeGemini, Reply
from tests.support.test_chat_socket import anonymous_cookie, connected, send, until
from tests.support.test_escalation import chat  # noqa: F401  (a fixture used by name)
from tests.support.test_pii import PERSONAL, SURVIVES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


@pytest.fixture
def gemini(settings):  # type: ignore[no-untyped-def]
    """The fake Gemini server, with the shop's settings pointing the real client at it."""
    with FakeGemini(default=Reply.text(["Gerne helfe ich Ihnen weiter."])) as server:
        settings.LLM_PROVIDER, settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL = "gemini", "test-key", server.base_url
        settings.LLM_RETRY_BASE_S, settings.LLM_RETRY_MAX_S, settings.LLM_FIRST_TOKEN_TIMEOUT_S = 0.01, 0.05, 2.0
        yield server


async def escalate(conversation_id: str, text: str, *, language: str = "") -> Message:
    message = await database_sync_to_async(Message.objects.create)(
        conversation_id=conversation_id, author="customer", text=text, status="received", client_id=uuid.uuid4(),
        route="llm", intent="needs_reasoning", reason="several questions at once", language=language)
    await sync_to_async(escalation_answer_produce, thread_sensitive=False)(message_id=message.id)
    return message


# --- 1. the answer's language, and the prompt's version ----------------------------------------------------------


async def test_a_german_escalation_tells_the_model_to_answer_in_german_and_logs_the_prompt_version(
        gemini, chat, caplog):  # noqa: F811
    caplog.set_level(logging.INFO, logger="support.services.escalation")
    message = await escalate(chat.conversation_id, "Eine Lampe kam kaputt an und die andere gar nicht. Was nun?",
                             language="de")
    await chat.events()
    request = gemini.requests[0]
    assert request.system_text.startswith(system_prompt()[1])  # the versioned prompt, then the language
    assert "The customer writes in German. Answer in German." in request.system_text
    assert "Answer in English" not in request.system_text
    version = system_prompt()[0]
    row = await database_sync_to_async(EscalationLog.objects.get)(message=message)
    assert row.prompt_version == version and row.outcome == "answered"
    assert any(f"prompt {version}, answering in German" in r.getMessage() for r in caplog.records)


async def test_a_german_escalation_gets_the_german_help_pages_that_answer_it_as_context_and_sources(
        gemini, chat):  # noqa: F811
    """The help passages the model reads, and the sources under its answer, are the customer's language's pages
    that the question is about (the English index, searched with an English encoder's reading of German,
    gave "Payment methods: How does paying later with Klarna work?" under a question about delivery). The model
    cites the passages it used (support/llm/citations.py); those are the sources."""
    gemini.script(Reply.text(["Die Lieferung nach Österreich dauert ", "einige Werktage [1]. Wenn Sie nicht da sind, ",
                              "versucht der Zusteller es erneut [2]."]))
    message = await escalate(chat.conversation_id, "Wie lange dauert die Lieferung nach Österreich, und was passiert, "
                             "wenn ich bei der Zustellung nicht zu Hause bin?", language="de")
    await chat.events()
    reply = await database_sync_to_async(Message.objects.get)(in_reply_to=message, author="bot")
    urls = [source["url"] for source in reply.sources]
    assert len(urls) == 2 and all(url.startswith("/de/help/") for url in urls), urls
    assert urls[0].startswith("/de/help/shipping-and-delivery/"), urls
    assert "Lieferung" in gemini.requests[0].last_user_text


@pytest.mark.parametrize("language, name", [("", "English"), ("en", "English"), ("nl", "Dutch"), ("fr", "French"),
                                            ("es", "Spanish"), ("it", "Italian"), ("pl", "Polish"),
                                            ("pt", "Portuguese")])
async def test_every_language_is_named_to_the_model(gemini, chat, language, name):  # noqa: F811
    await escalate(chat.conversation_id, "Two lamps, two problems: one broken, one missing. What now?",
                   language=language)
    await chat.events()
    assert f"The customer writes in {name}. Answer in {name}." in gemini.requests[0].system_text


# --- 2. routine questions stay local in every language -------------------------------------------------------------

ROUTINE = [  # a routine help question the help page on payment methods answers, in each help language
    ("de", "Welche Zahlungsmethoden akzeptiert ihr? Geht auch PayPal?"),
    ("it", "Quali metodi di pagamento accettate? Posso pagare con PayPal?"),
    ("pl", "Jakie metody płatności akceptujecie? Czy mogę zapłacić przez PayPal?"),
    ("pt", "Que métodos de pagamento aceitam? Posso pagar com PayPal?"),
]


@pytest.mark.parametrize("language, text", ROUTINE)
async def test_with_a_key_a_routine_question_is_answered_locally_from_the_page_in_its_language(gemini, language, text):
    socket, _ = await connected(await anonymous_cookie())
    await send(socket, text)
    saved, _ = await until(socket, "message.saved")
    end, _ = await until(socket, "reply.end")
    await socket.disconnect()
    assert end["route"] == "local" and end["intent"] == "check_payment_methods" and gemini.requests == []
    assert end["sources"][0]["url"].startswith(f"/{language}/help/payment-methods/#") and "PayPal" in end["text"]
    message = await database_sync_to_async(Message.objects.get)(id=saved["message_id"])
    assert message.language == language and message.route == "local"


# --- 3. personal data in European formats, on the wire -----------------------------------------------------------


@pytest.mark.parametrize("text, secret, kind", PERSONAL)
async def test_personal_data_never_reaches_the_model(gemini, chat, text, secret, kind):  # noqa: F811
    gemini.default = Reply.text([f"Noted: [{kind}_1]."])
    await escalate(chat.conversation_id, f"Two problems with one order. {text}")
    events = await chat.events()
    body = gemini.requests[0].body_text
    assert secret not in body and secret.replace("\n", "\\n") not in body
    assert f"[{kind}_1]" in gemini.requests[0].last_user_text
    assert events[-1]["text"] == f"Noted: {secret}."  # the customer sees their own data back


async def test_order_numbers_prices_and_dates_reach_the_model(gemini, chat):  # noqa: F811
    await escalate(chat.conversation_id, " / ".join(SURVIVES))
    await chat.events()
    question = gemini.requests[0].last_user_text
    for text in SURVIVES:
        assert text in question
