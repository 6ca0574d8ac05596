"""The console in the customer's language: the language badge, canned responses per language, translation.

Translation runs the real google-genai client against the local fake Gemini server: the
request leaves redacted, the translation comes back to the agent who asked, and nothing
reaches the customer until the agent sends it.
"""
from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group, User
from django.test import Client

from support.models import AgentSettings, CannedResponse, Conversation, Handoff, Language, Message, TranslationLog
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


def test_a_customer_who_goes_on_in_english_is_shown_as_english(team) -> None:
    """Alice asked one question in Dutch, then wrote her refund request in English: the console said NL and offered to
    translate replies into Dutch. A short message ("ok", an order number) still says nothing about the language."""
    from support.conversation_language import conversation_language, conversation_language_subquery

    customer = User.objects.create_user("alice", "alice@example.test", "pw")
    conversation = Conversation.objects.create(customer=customer, status=Conversation.Status.WAITING)
    for text, language in [("Ik twijfel tussen het linnen tweezitsbankje en de fauteuil", "nl"),
                           ("I'd like a refund for order 10026, the oak table arrived cracked", "en"), ("ok", "en")]:
        Message.objects.create(conversation=conversation, author="customer", status="answered", text=text,
                               language=language)
    annotated = Conversation.objects.annotate(language=conversation_language_subquery("id")).get(id=conversation.id)
    assert conversation_language(conversation.id) == "en" and annotated.language in ("en", None)  # None: English
    assert conversation_language(german_handoff().conversation_id) == "de"  # German, then "ok": German


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


def test_the_demo_has_each_canned_response_in_every_language_customers_write_in(db) -> None:
    from shoppe.demo import CANNED, demo_canned_translations_ensure

    for title, text in CANNED:
        CannedResponse.objects.create(title=title, text=text, language="en")
    demo_canned_translations_ensure()
    demo_canned_translations_ensure()  # once each, however often the demo is loaded
    for title, _ in CANNED:
        assert sorted(CannedResponse.objects.filter(title=title).values_list("language", flat=True)) == sorted(
            Language.values)  # Italian, Polish and Portuguese customers got English ones (session 25's walkthrough)
    assert "Sie" in CannedResponse.objects.get(title="Closing", language="de").text
    assert "je" in CannedResponse.objects.get(title="Closing", language="nl").text.split()


# --- The agent's own working language (#16): messages are shown in it, drafts are written in it --------------
def dutch_speaking(user: User) -> User:
    from support.services.agent_settings import agent_language_set

    agent_language_set(agent=user, language="nl")
    return user


def french_handoff(*, claimed_by: User) -> Handoff:
    customer = User.objects.create_user("camille", "camille@example.test", "pw", first_name="Camille")
    conversation = Conversation.objects.create(customer=customer, status=Conversation.Status.WAITING)
    last = Message.objects.create(conversation=conversation, author="customer", status="answered", route="human",
                                  language="fr", text="Mon colis est arrivé abîmé, que dois-je faire ?")
    return Handoff.objects.create(conversation=conversation, message=last, reason="damaged", status="claimed",
                                  claimed_by=claimed_by)


async def test_a_dutch_speaking_agent_reads_a_german_message_in_dutch(team, gemini):
    await database_sync_to_async(dutch_speaking)(team["sam"])
    handoff = await database_sync_to_async(german_handoff)(claimed_by=team["sam"])
    gemini.script(Reply.text(["Ik wil mijn geld terug. Schrijf me op [EMAIL_1] of [PHONE_1]."]))
    agent = await console(team["sam"])
    await until(agent, "queue")
    await agent.send_json_to({"type": "message.translate", "message_id": handoff.message_id})
    translated = await until(agent, "message.translated")

    assert translated["language"] == "nl"
    assert translated["text"] == "Ik wil mijn geld terug. Schrijf me op jonas.becker@example.test of 0171 2345678."
    request = gemini.requests[0]
    assert "Translate the text inside <text> into Dutch." in request.system_text
    assert "English" not in request.system_text
    assert "Geld zurück" in request.last_user_text
    row = await database_sync_to_async(TranslationLog.objects.get)()
    assert (row.purpose, row.source_language, row.target_language) == ("translate_message", "de", "nl")
    await agent.disconnect()


async def test_a_dutch_speaking_agents_draft_goes_from_dutch_into_french(team, gemini):
    await database_sync_to_async(dutch_speaking)(team["sam"])
    handoff = await database_sync_to_async(french_handoff)(claimed_by=team["sam"])
    gemini.script(Reply.text(["Je suis désolé ! Pourriez-vous nous envoyer une photo du colis ?"]))
    agent = await console(team["sam"])
    await until(agent, "queue")
    await agent.send_json_to({"type": "draft.translate", "conversation_id": str(handoff.conversation_id),
                              "text": "Wat vervelend! Kun je ons een foto van het pakket sturen?"})
    drafted = await until(agent, "draft.translated")

    assert drafted["language"] == "fr" and drafted["text"].startswith("Je suis désolé")
    request = gemini.requests[0]
    assert "into French" in request.system_text and "'vous'" in request.system_text
    assert "Kun je ons een foto" in request.last_user_text
    row = await database_sync_to_async(TranslationLog.objects.get)()
    assert (row.purpose, row.source_language, row.target_language) == ("translate_draft", "nl", "fr")
    await agent.disconnect()


async def test_nothing_is_translated_between_the_agents_language_and_itself(team, gemini):
    # given a German-speaking agent and a German customer
    def german_speaking_agent() -> Handoff:
        from support.services.agent_settings import agent_language_set

        agent_language_set(agent=team["sam"], language="de")
        return german_handoff(claimed_by=team["sam"])

    handoff = await database_sync_to_async(german_speaking_agent)()
    agent = await console(team["sam"])
    await until(agent, "queue")
    # when they ask for the German message in German, or their German draft in German
    await agent.send_json_to({"type": "message.translate", "message_id": handoff.message_id})
    message_refused = await until(agent, "message.translated")
    await agent.send_json_to({"type": "draft.translate", "conversation_id": str(handoff.conversation_id),
                              "text": "Wir prüfen das."})
    draft_refused = await until(agent, "draft.translated")

    # then they are told why, and the LLM is not asked
    assert (message_refused["type"], message_refused["code"]) == ("error", "translation_unavailable")
    assert "already in German, your working language" in message_refused["message"]
    assert (draft_refused["type"], draft_refused["code"]) == ("error", "translation_unavailable")
    assert "writes in German, your working language" in draft_refused["message"]
    assert not gemini.requests and not await database_sync_to_async(TranslationLog.objects.exists)()
    await agent.disconnect()


def working_language_of(user: User) -> str:
    from support.selectors import agent_language

    return agent_language(agent=user)


def test_an_agent_sets_their_own_working_language_from_the_console(team) -> None:
    kim = staff("kim", "Support agent")
    sam = Client(enforce_csrf_checks=True)
    sam.force_login(team["sam"])
    page = sam.get("/console/").content.decode()
    assert '<option value="en" selected>English</option>' in page and 'data-agent-language="en"' in page
    token = sam.cookies["csrftoken"].value

    # Without the CSRF token: refused, nothing saved.
    assert sam.post("/console/language/", {"language": "nl"}).status_code == 403
    assert working_language_of(team["sam"]) == "en"

    # With it, as the console's script asks: their own language, and only theirs, whoever the form names.
    answer = sam.post("/console/language/", {"language": "nl", "agent": kim.pk, "user": kim.pk,
                                             "csrfmiddlewaretoken": token}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and answer.json() == {"language": "nl", "language_name": "Dutch"}
    assert working_language_of(team["sam"]) == "nl" and working_language_of(kim) == "en"
    page = sam.get("/console/").content.decode()
    assert '<option value="nl" selected>Dutch</option>' in page and 'data-agent-language="nl"' in page

    # A language the console does not offer: a clear error, nothing changed.
    refused = sam.post("/console/language/", {"language": "it", "csrfmiddlewaretoken": token},
                       HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"] == ("'it' is not a working language. Choose one of: English (en), Dutch (nl), "
                                       "German (de), French (fr), Spanish (es).")
    assert sam.post("/console/language/", {"csrfmiddlewaretoken": token}).status_code == 400
    assert working_language_of(team["sam"]) == "nl"

    # The form without script comes back to the console.
    back = sam.post("/console/language/", {"language": "es", "csrfmiddlewaretoken": token})
    assert (back.status_code, back["Location"], working_language_of(team["sam"])) == (302, "/console/", "es")


def test_only_staff_who_answer_customers_set_a_working_language(team) -> None:
    customer = User.objects.create_user("carla", "carla@example.test", "pw")
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(customer)
    response = anonymous.post("/console/language/", {"language": "nl"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert signed_in.post("/console/language/", {"language": "nl"}).status_code == 403
    ops = Client()
    ops.force_login(team["olivia"])
    assert ops.post("/console/language/", {"language": "nl"}).status_code == 403
    assert 'id="agent-language"' not in ops.get("/console/").content.decode()  # no select in a read-only console
    assert not AgentSettings.objects.exists()

    # Someone else's setting is the admin's: an agent cannot change it there either.
    kim = dutch_speaking(staff("kim", "Support agent"))
    sam = Client()
    sam.force_login(team["sam"])
    assert sam.get("/admin/support/agentsettings/").status_code == 403
    changed = sam.post(f"/admin/support/agentsettings/{kim.pk}/change/", {"agent": kim.pk, "language": "en"})
    assert changed.status_code == 403
    assert working_language_of(kim) == "nl"


def test_the_admin_shows_each_agents_working_language(team, admin_client) -> None:
    dutch_speaking(team["sam"])
    page = admin_client.get("/admin/support/agentsettings/").content.decode()
    assert "sam" in page and "Dutch" in page


def test_before_a_conversation_opens_the_canned_responses_are_grouped_by_language(team, canned) -> None:
    # Session 25's walkthrough: the list showed "Closing" three times with nothing to tell them apart
    client = Client()
    client.force_login(team["sam"])
    page = client.get("/console/").content.decode()
    select = page[page.index('<select id="canned">'):page.index("</select>", page.index('<select id="canned">'))]
    assert re.findall(r'<optgroup label="([^"]+)"', select) == ["German", "English", "Dutch"]
    german = select[select.index('label="German"'):select.index("</optgroup>")]
    assert "Kann ich sonst noch etwas für Sie tun?" in german and "Is there anything" not in german
