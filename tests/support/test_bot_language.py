"""Every text the assistant sends is in the language the customer writes in, not the page's.

Over the real socket and channel layer (as tests/support/test_chat_socket.py), with the real
router deciding each message's language; the expected texts come from the committed catalogues.
"""
from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from shoppe.catalogues import catalogues_compile
from support.models import Conversation, Message
from support.services import replies
from support.services.handoff import handoff_claim, handoff_request
from support.services.language import conversation_language, reply_language
from tests.conftest import chat_socket, session_cookie_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogues():  # type: ignore[no-untyped-def]
    catalogues_compile()  # `make test` does this too; a bare pytest run must not read stale .mo files
    translation.trans_real._translations = {}  # type: ignore[attr-defined]  # reread them


def in_(language: str, text) -> str:  # type: ignore[no-untyped-def]
    with translation.override(language):
        return str(text)


async def connected(cookie: str, *, query: str = ""):  # type: ignore[no-untyped-def]
    socket = chat_socket(cookie, query=query)
    ok, _ = await socket.connect(timeout=10)
    assert ok
    assert (await socket.receive_json_from(timeout=10))["type"] == "history"
    return socket


async def send(socket, text: str) -> None:  # type: ignore[no-untyped-def]
    await socket.send_json_to({"type": "customer.message", "text": text, "client_id": str(uuid.uuid4())})


async def until(socket, event_type: str, timeout: float = 20) -> tuple[dict, list[dict]]:  # type: ignore[no-untyped-def]
    seen = []
    while True:
        event = await socket.receive_json_from(timeout=timeout)
        seen.append(event)
        if event["type"] == event_type:
            return event, seen


async def cookie_of(user) -> str:  # type: ignore[no-untyped-def]
    return await database_sync_to_async(session_cookie_for)(user)


async def asked_about_their_order(make_customer, make_order, name: str, product: str, text: str):  # type: ignore[no-untyped-def]
    """A signed-in customer with a delivered order asks `text` ({number}: the order's); the socket, order and reply."""
    customer = await database_sync_to_async(make_customer)(name.lower(), name)
    order = await database_sync_to_async(make_order)(customer, status="delivered", product=product)
    socket = await connected(await cookie_of(customer))
    await send(socket, text.format(number=order.number))
    reply, _ = await until(socket, "reply.end")
    return socket, order, reply


GREETING = gettext_lazy("Hi! I'm the Example Shoppe assistant. I can help with your orders, delivery, returns, "
                        "payments and your account. What can I do for you?")


@pytest.mark.parametrize("page, expected", [("de", "de"), ("nl", "nl"), ("en-GB", "en-gb"), ("", "en-gb"),
                                            ("xx", "en-gb")])
async def test_a_first_message_too_short_to_tell_is_answered_in_the_pages_language(page, expected):
    # "Hallo!" is German, Dutch and English alike: the widget on the German storefront says "de".
    socket = await connected(await cookie_of(None), query=f"lang={page}" if page else "")
    await send(socket, "Hallo!")
    end, _ = await until(socket, "reply.end")
    assert end["intent"] == "greeting"
    assert end["text"] == in_(expected, GREETING)
    await socket.disconnect()


async def test_a_question_the_detector_is_unsure_of_gets_the_help_passage_in_the_pages_language():
    """86% Spanish to the language detector (90% needed), so routed as English: the reply's own words followed the
    Spanish storefront, but the help passage was the English one, its source the English page."""
    socket = await connected(await cookie_of(None), query="lang=es")
    await send(socket, "hola, aceptáis pago con tarjeta de crédito?")
    end, _ = await until(socket, "reply.end")
    assert end["route"] == "local", end
    assert all(source["url"].startswith("/es/help/") for source in end["sources"]), end["sources"]
    assert "tarjeta" in end["text"].lower(), end["text"]
    await socket.disconnect()


async def test_a_german_customer_asking_for_a_person_gets_the_german_handoff():
    socket = await connected(await cookie_of(None))
    await send(socket, "Ich möchte bitte mit einem Mitarbeiter sprechen.")
    end, _ = await until(socket, "reply.end")
    assert end["route"] == "human"
    assert end["text"] == in_("de", replies.HANDOFF_REPLY)
    assert "Support-Team" in end["text"] and "passing" not in end["text"]
    handoff, _ = await until(socket, "handoff")
    # the queue or "team is away" line, in German too
    assert "Warteschlange" in handoff["note"] or "Unser Team ist gerade nicht da" in handoff["note"], handoff
    await socket.disconnect()


async def test_a_dutch_customer_asking_where_their_order_is_gets_the_dutch_status(make_customer, make_order):
    jan = await database_sync_to_async(make_customer)("jan", "Jan")
    order = await database_sync_to_async(make_order)(jan, status="shipped", product="Eiken eettafel")
    socket = await connected(await cookie_of(jan))
    await send(socket, f"Waar is mijn bestelling {order.number}? Ik heb nog niets ontvangen.")
    end, _ = await until(socket, "reply.end")
    assert end["intent"] == "track_order", end
    assert end["text"].startswith(f"Je bestelling {order.number} heeft de status ‘Verzonden’"), end["text"]
    assert "(Sorry, ik antwoord voorlopig alleen in het Engels.)" not in end["text"]  # it is Dutch now
    assert end["sources"][0]["title"] == f"Bestelling {order.number}"
    await socket.disconnect()


async def test_a_french_refund_request_is_confirmed_filed_and_handed_off_in_french(make_customer, make_order):
    socket, order, confirm = await asked_about_their_order(
        make_customer, make_order, "Claire", "Lampe en céramique bleue",
        "Bonjour, je voudrais être remboursée pour ma commande {number}, s'il vous plaît.")
    assert confirm["text"].startswith("Je vais demander un remboursement de"), confirm["text"]
    assert "(oui / non)" in confirm["text"]
    assert [source["url"] for source in confirm["sources"]] == ["/fr/help/refund-policy/"]  # the French page
    await send(socket, "oui, elle est arrivée cassée")
    filed, _ = await until(socket, "reply.end")
    assert filed["text"].startswith("Merci. J'ai déposé une demande de remboursement"), filed["text"]
    assert "service client" in filed["text"]
    assert f"/fr/orders/{order.number}/return-label/" in filed["text"], filed["text"]
    handoff, _ = await until(socket, "handoff")
    assert "file d'attente" in handoff["note"] or "Notre équipe est absente" in handoff["note"], handoff
    await socket.disconnect()


async def test_an_italian_refund_links_the_italian_pages(make_customer, make_order):
    """The Italian storefront exists since session 30, the Italian help pages since session 34 (before, the links
    were the plain English paths)."""
    socket, order, confirm = await asked_about_their_order(
        make_customer, make_order, "Giulia", "Lampada in ceramica blu",
        "Buongiorno, vorrei un rimborso per il mio ordine {number}, per favore.")
    assert "(sì / no)" in confirm["text"], confirm["text"]
    assert [source["url"] for source in confirm["sources"]] == ["/it/help/refund-policy/"]
    await send(socket, "sì, è arrivata rotta")
    filed, _ = await until(socket, "reply.end")
    assert f" /it/orders/{order.number}/return-label/ " in filed["text"], filed["text"]
    await socket.disconnect()


async def test_italian_errors_and_declines_are_italian():
    socket = await connected(await cookie_of(None))
    # far too long, written in Italian: the error says so in Italian
    long_text = ("Buongiorno, vorrei sapere quando arriverà il mio ordine e se posso cambiare l'indirizzo di "
                 "consegna perché la settimana prossima sarò in vacanza al mare con la mia famiglia. ") * 20
    assert len(long_text) > settings.CHAT_MAX_MESSAGE_CHARS
    await send(socket, long_text)
    error, _ = await until(socket, "error")
    assert error["code"] == "text_too_long"
    assert error["message"] == f"I messaggi possono contenere al massimo {settings.CHAT_MAX_MESSAGE_CHARS} caratteri."
    await socket.disconnect()


def test_an_italian_reply_that_fails_says_so_in_italian(make_customer):
    conversation = Conversation.objects.create()
    message = Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER,
                                     text="Vorrei parlare con una persona del servizio clienti, per favore.",
                                     client_id=uuid.uuid4())
    with translation.override(reply_language(message)):
        replies.reply_fail(message=message, reply=None)
    failed = Message.objects.get(in_reply_to=message)
    assert failed.text.startswith("Mi dispiace, qualcosa è andato storto")


def test_the_off_topic_decline_and_the_queue_line_in_italian():
    from support.services.answers import off_topic_answer

    with translation.override("it"):
        assert off_topic_answer().text.startswith("Sono l'assistente di Example Shoppe")
        assert "servizio clienti" in str(replies.HANDOFF_REPLY)


def test_a_short_answer_keeps_the_language_the_customer_wrote_in():
    conversation = Conversation.objects.create()
    Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER, client_id=uuid.uuid4(),
                           text="Wo ist meine Bestellung? Ich warte schon seit einer Woche.", language="de")
    short = Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER, client_id=uuid.uuid4(),
                                   text="ja")
    number = Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER, client_id=uuid.uuid4(),
                                    text="10234")
    assert reply_language(short) == reply_language(number) == "de"
    english = Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER, client_id=uuid.uuid4(),
                                     text="Actually, could you tell me where my parcel is right now please?")
    assert reply_language(english) == "en-gb"  # a message surely in English is answered in English
    assert conversation_language(Conversation.objects.create().id) == "en-gb"


def test_staff_notices_use_the_conversations_last_customer_language(make_customer):
    from django.contrib.auth.models import Group, User

    conversation = Conversation.objects.create()
    Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER, client_id=uuid.uuid4(),
                           text="Je voudrais parler à quelqu'un, s'il vous plaît.", language="fr")
    handoff = handoff_request(conversation_id=conversation.id, reason="contact_human_agent", message="")
    from support.roles import AGENT

    sam = User.objects.create_user("sam", "sam@example.test", "pw", first_name="Sam", is_staff=True)
    sam.groups.add(Group.objects.get(name=AGENT))
    handoff_claim(handoff_id=handoff.id, agent=sam)
    line = Message.objects.filter(conversation=conversation, intent="agent_joined").get()
    assert line.text == "Sam a rejoint le chat."


async def test_an_english_customer_still_gets_todays_english_texts():
    socket = await connected(await cookie_of(None))
    await send(socket, "I want to talk to a real person please")
    end, _ = await until(socket, "reply.end")
    assert end["text"] == "I'm passing this to our support team, who will reply right here in this chat."
    handoff, _ = await until(socket, "handoff")
    # The team is in at any hour in the tests (SUPPORT_HOURS): the place in the queue, never other opening hours.
    assert handoff["note"].startswith("You're number 1 in the queue.")
    await socket.disconnect()


def test_short_answers_the_router_read_as_english_for_want_of_words_keep_the_customers_language(local_models):
    # Session 25's walkthrough: a French guest wrote "10039", then her email address, then "merci !", and got English:
    # the router records such messages as English (unsure), and the conversation took the latest recorded language.
    from support.services.routing import decision_fields

    conversation = Conversation.objects.create()
    said = []
    for text in ["Bonjour, où en est ma commande ? Je l'attends depuis lundi", "10039", "frank@example.test",
                 "merci !", "ok"]:
        said.append(Message.objects.create(conversation=conversation, author=Message.Author.CUSTOMER,
                                           client_id=uuid.uuid4(), text=text,
                                           **decision_fields(local_models.decide(text))))
    assert [m.language for m in said[1:]] == ["en"] * 4  # what the router records: English, unsure
    assert [reply_language(m) for m in said] == ["fr"] * 5
    assert conversation_language(conversation.id) == "fr"
    # and the team's lines and notices (a transfer: "Sam transferred the chat to Sofia." reached a German customer
    # in English after a short message)
    from support.services.language import customer_language

    assert customer_language(conversation.id) == "fr"


@pytest.mark.parametrize("text, language, expected", [
    # a yes asks what to help with (session 33: "Okay. Is there anything else...?" was asked again at every yes)
    ("si", "it", "Certo. Come posso aiutarti?"), ("sim", "pt", "Claro."), ("ok", "en-gb", "Sure."),
    ("merci !", "fr", "Avec plaisir"), ("grazie mille", "it", "Figurati"), ("dzięki", "pl", ""),
    ("hallo", "de", "Hallo"), ("ok 👍", "es", "Claro"), ("tak!! 🙂", "pl", "Oczywiście"),  # session 27: emoji with the yes
    ("nee", "nl", "Oké. Als er nog iets is"),
])
def test_a_bare_yes_or_thanks_is_not_greeted_as_a_new_customer(text, language, expected):
    # Session 25's walkthrough: "si" got "Hi Dan! I'm the Example Shoppe assistant...", "merci !" the greeting too.
    from support.services.answers import greeting_answer

    with translation.override(language):
        answer = greeting_answer(text=text, first_name="Dan").text
    assert expected in answer and ("Dan" in answer) == (text == "hallo"), answer
