"""The console in the customer's language: the language badge, canned responses per language, translation.

Translation runs the real google-genai client against the local fake Gemini server: the
request leaves redacted, the translation comes back to the agent who asked, and nothing
reaches the customer until the agent sends it.
"""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group, User
from django.test import Client

from support.models import CannedResponse, Conversation, Handoff, Message, TranslationLog
from tests.conftest import session_cookie_for
from tests.fakes.gemini import FakeGemini, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def staff(username: str, role: str) -> User:
    user = User.objects.create_user(username, f"{username}@example-shoppe.test", "pw", first_name=username.title(),
                                    is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(id=user.id)


def german_handoff(*, claimed_by: User | None = None) -> Handoff:
    customer = User.objects.create_user("jonas", "jonas@example.test", "pw", first_name="Jonas", last_name="Becker")
    conversation = Conversation.objects.create(customer=customer, status=Conversation.Status.WAITING)
    Message.objects.create(conversation=conversation, author="customer", status="answered", route="llm",
                           text="Wann kommt meine Lampe an?", language="de")
    last = Message.objects.create(
        conversation=conversation, author="customer", status="answered", route="human", language="de",
        text="Ich möchte mein Geld zurück. Schreiben Sie mir an jonas.becker@example.test oder 0171 2345678.")
    Message.objects.create(conversation=conversation, author="customer", status="answered", route="human", text="ok",
                           language="en")  # a short message reads as English: the conversation stays German
    return Handoff.objects.create(conversation=conversation, message=last, reason="refund",
                                  status="claimed" if claimed_by else "queued", claimed_by=claimed_by)


@pytest.fixture
def team(db):  # type: ignore[no-untyped-def]
    return {"sam": staff("sam", "Support agent"), "olivia": staff("olivia", "Ops")}


@pytest.fixture
def canned(db):  # type: ignore[no-untyped-def]
    CannedResponse.objects.bulk_create([
        CannedResponse(title="Closing", text="Is there anything else I can do for you today?", language="en"),
        CannedResponse(title="Greeting", text="Hi, this is the Example Shoppe support team.", language="en"),
        CannedResponse(title="Closing", text="Kann ich sonst noch etwas für Sie tun?", language="de"),
        CannedResponse(title="Closing", text="Kan ik verder nog iets voor je doen?", language="nl"),
    ])


async def console(user: User) -> WebsocketCommunicator:
    from shoppe.asgi import application

    cookie = await database_sync_to_async(session_cookie_for)(user)
    socket = WebsocketCommunicator(application, "/ws/console/", headers=[
        (b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")])
    assert (await socket.connect(timeout=10))[0]
    return socket


async def until(socket: WebsocketCommunicator, kind: str) -> dict:
    for _ in range(20):
        event = await socket.receive_json_from(timeout=20)
        if event["type"] in (kind, "error"):
            return event
    raise AssertionError(f"no {kind}")


async def test_the_queue_and_the_conversation_show_the_customers_language_and_its_canned_responses_first(team, canned):
    handoff = await database_sync_to_async(german_handoff)()
    agent = await console(team["sam"])
    queue = await until(agent, "queue")
    assert [h["language"] for h in queue["handoffs"] if h["id"] == handoff.id] == ["de"]

    await agent.send_json_to({"type": "conversation.open", "conversation_id": str(handoff.conversation_id)})
    detail = await until(agent, "conversation.detail")
    assert detail["language"] == "de" and detail["language_name"] == "German"
    assert [(c["language"], c["title"]) for c in detail["canned"]] == [
        ("de", "Closing"), ("en", "Closing"), ("en", "Greeting"), ("nl", "Closing")]
    assert [m["language"] for m in detail["messages"] if m["author"] == "customer"] == ["de", "de", "en"]
    await agent.disconnect()


async def test_an_english_conversation_offers_english_canned_responses_first(team, canned):
    def english() -> Handoff:
        conversation = Conversation.objects.create(status=Conversation.Status.WAITING)
        Message.objects.create(conversation=conversation, author="customer", status="answered", text="a person please")
        return Handoff.objects.create(conversation=conversation, reason="person")

    handoff = await database_sync_to_async(english)()
    agent = await console(team["sam"])
    queue = await until(agent, "queue")
    assert [h["language"] for h in queue["handoffs"]] == ["en"]
    await agent.send_json_to({"type": "conversation.open", "conversation_id": str(handoff.conversation_id)})
    detail = await until(agent, "conversation.detail")
    assert detail["language"] == "en"
    assert [c["language"] for c in detail["canned"]] == ["en", "en", "de", "nl"]
    await agent.disconnect()


def test_a_new_handoff_in_the_console_carries_its_language(team) -> None:
    from support.services.handoff import handoff_serialize

    handoff = german_handoff()
    assert handoff_serialize(Handoff.objects.select_related("conversation__customer").get(id=handoff.id))["language"] == "de"


@pytest.fixture
def gemini(settings):  # type: ignore[no-untyped-def]
    with FakeGemini() as server:
        settings.LLM_PROVIDER = "gemini"
        settings.GEMINI_API_KEY = "test-key"
        settings.GEMINI_BASE_URL = server.base_url
        settings.LLM_RETRY_BASE_S = 0.01
        yield server


async def test_a_customer_message_is_translated_into_english_redacted_on_the_wire_and_logged(team, gemini):
    handoff = await database_sync_to_async(german_handoff)(claimed_by=team["sam"])
    gemini.script(Reply.text(["I'd like my money back. ", "Write to me at [EMAIL_1] or [PHONE_1]."],
                             prompt_tokens=90, output_tokens=20))
    agent = await console(team["sam"])
    await until(agent, "queue")
    await agent.send_json_to({"type": "message.translate", "message_id": handoff.message_id})
    translated = await until(agent, "message.translated")

    assert translated["message_id"] == handoff.message_id and translated["language"] == "en"
    assert translated["text"] == "I'd like my money back. Write to me at jonas.becker@example.test or 0171 2345678."
    body = gemini.requests[0].body_text
    assert "Geld zurück" in body and "[EMAIL_1]" in body and "[PHONE_1]" in body
    assert "jonas.becker" not in body and "2345678" not in body
    row = await database_sync_to_async(TranslationLog.objects.get)()
    assert (row.purpose, row.outcome, row.source_language, row.target_language) == (
        "translate_message", "translated", "de", "en")
    assert row.input_tokens == 90 and row.output_tokens == 20 and row.cost_eur > 0 and row.provider == "gemini"
    assert row.agent_id == team["sam"].id and row.message_id == handoff.message_id
    await agent.disconnect()


async def test_a_draft_is_translated_into_the_customers_language_and_is_not_sent(team, gemini):
    handoff = await database_sync_to_async(german_handoff)(claimed_by=team["sam"])
    messages_before = await database_sync_to_async(Message.objects.count)()
    gemini.script(Reply.text(["Hallo Jonas, Ihre Rückerstattung ", "prüfen wir heute."], prompt_tokens=80,
                             output_tokens=12))
    agent = await console(team["sam"])
    await until(agent, "queue")
    await agent.send_json_to({"type": "conversation.open", "conversation_id": str(handoff.conversation_id)})
    await until(agent, "conversation.detail")
    await agent.send_json_to({"type": "draft.translate", "conversation_id": str(handoff.conversation_id),
                              "text": "Hi Jonas, we are checking your refund today."})
    drafted = await until(agent, "draft.translated")

    assert drafted == {"type": "draft.translated", "conversation_id": str(handoff.conversation_id), "language": "de",
                       "text": "Hallo Jonas, Ihre Rückerstattung prüfen wir heute."}
    request = gemini.requests[0]
    assert "German" in request.system_text and "'Sie'" in request.system_text
    assert "[NAME_1]" in request.body_text and "Jonas" not in request.last_user_text  # the customer's name redacted
    # Nothing reached the customer: no message saved, nothing else on the conversation's group.
    assert await database_sync_to_async(Message.objects.count)() == messages_before
    assert await agent.receive_nothing(timeout=0.3)
    row = await database_sync_to_async(TranslationLog.objects.get)()
    assert (row.purpose, row.target_language, row.message_id, row.output_tokens) == ("translate_draft", "de", None, 12)

    # The agent sends it: only now does the customer get it.
    await agent.send_json_to({"type": "agent.message", "conversation_id": str(handoff.conversation_id),
                              "text": drafted["text"]})
    sent = await until(agent, "agent.message")
    assert sent["text"] == drafted["text"]
    await agent.disconnect()


async def test_without_a_key_there_is_no_translate_action(team, settings):
    settings.LLM_PROVIDER, settings.GEMINI_API_KEY = "gemini", ""
    handoff = await database_sync_to_async(german_handoff)(claimed_by=team["sam"])
    agent = await console(team["sam"])
    await until(agent, "queue")
    await agent.send_json_to({"type": "message.translate", "message_id": handoff.message_id})
    refused = await until(agent, "message.translated")
    assert refused["type"] == "error" and refused["code"] == "translation_unavailable"
    assert not await database_sync_to_async(TranslationLog.objects.exists)()
    await agent.disconnect()

    def page() -> str:
        client = Client()
        client.force_login(team["sam"])
        return client.get("/console/").content.decode()

    assert 'id="translate-draft"' not in await database_sync_to_async(page)()
    settings.GEMINI_API_KEY = "test-key"
    assert 'id="translate-draft"' in await database_sync_to_async(page)()


async def test_read_only_staff_cannot_translate(team, gemini):
    handoff = await database_sync_to_async(german_handoff)()
    ops = await console(team["olivia"])
    await until(ops, "queue")
    await ops.send_json_to({"type": "draft.translate", "conversation_id": str(handoff.conversation_id), "text": "Hi"})
    refused = await until(ops, "draft.translated")
    assert refused["type"] == "error" and refused["code"] == "forbidden" and not gemini.requests
    await ops.disconnect()


async def test_a_translation_that_breaks_a_rule_is_withheld(team, gemini):
    handoff = await database_sync_to_async(german_handoff)(claimed_by=team["sam"])
    gemini.script(Reply.text(["See https://evil.example/login for your refund."]))
    agent = await console(team["sam"])
    await until(agent, "queue")
    await agent.send_json_to({"type": "message.translate", "message_id": handoff.message_id})
    refused = await until(agent, "message.translated")
    assert refused["type"] == "error" and refused["code"] == "translation_unavailable"
    row = await database_sync_to_async(TranslationLog.objects.get)()
    assert row.outcome == "blocked" and row.error_class == "external_link"
    await agent.disconnect()


def test_the_demo_has_each_canned_response_in_the_shops_five_languages(db) -> None:
    from shoppe.demo import CANNED, demo_canned_translations_ensure

    for title, text in CANNED:
        CannedResponse.objects.create(title=title, text=text, language="en")
    demo_canned_translations_ensure()
    demo_canned_translations_ensure()  # once each, however often the demo is loaded
    for title, _ in CANNED:
        assert sorted(CannedResponse.objects.filter(title=title).values_list("language", flat=True)) == [
            "de", "en", "es", "fr", "nl"]
    assert "Sie" in CannedResponse.objects.get(title="Closing", language="de").text
    assert "je" in CannedResponse.objects.get(title="Closing", language="nl").text.split()
