"""The support side's emails speak the conversation's language, dates included (#16).

The order code, the "our team replied while you were away" email and the transcript go out
through Django's SMTP backend to a real SMTP server on loopback (tests/smtp.py), after a real
chat over the ASGI application where there is one; the router reads each message's language.
The expected texts are written out here, not read from the catalogues, and the month names
come from the tables below, not from Django's date formatting.
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.utils import timezone, translation

from shoppe.catalogues import catalogues_compile
from support.models import Conversation, Message
from tests.conftest import session_cookie_for
from tests.support.test_away import ALWAYS_OPEN, sam_says, with_sam
from tests.support.test_human_tier import staff, team  # noqa: F401 - the team fixture
from tests.support.test_order_proofs import Chat
from tests.support.test_past_conversations import conversation_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]

CODE = re.compile(r"\b(\d{6})\b")
GERMAN_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                 "November", "Dezember"]
FRENCH_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre"]
POLISH_MONTHS_OF = ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
                    "października", "listopada", "grudnia"]  # "4 grudnia 2026": the day's month, genitive
ENGLISH_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogues():  # type: ignore[no-untyped-def]
    catalogues_compile()  # `make test` does this too; a bare pytest run must not read stale .mo files
    translation.trans_real._translations = {}  # type: ignore[attr-defined]  # reread them


def text_of(body: str) -> str:
    return body.replace("\r\n", "\n")  # SMTP carries CRLF line ends


def amsterdam(at: datetime) -> datetime:
    return timezone.localtime(at)


# --- the order code ---------------------------------------------------------------------------------------------
@pytest.fixture
def erins_order(make_guest_order):  # type: ignore[no-untyped-def]
    return make_guest_order("erin@example.test", status="processing")


async def test_a_german_guest_gets_the_code_email_in_german(erins_order, smtp_server):
    chat = await Chat.open()
    asked = await chat.say(f"Ich möchte die Lieferadresse meiner Bestellung {erins_order.number} ändern.")
    assert "E-Mail" in asked, asked
    sent = await chat.say(f"{erins_order.number} erin@example.test")
    assert "Code" in sent, sent
    [mail] = smtp_server.wait_for(1)
    assert mail.subject == f"Ihr Example-Shoppe-Code für die Bestellung {erins_order.number}"
    assert mail.body.startswith("Hallo,")
    assert (f"Jemand hat im Chat auf unserer Website darum gebeten, die Lieferadresse der Bestellung "
            f"{erins_order.number} zu ändern.") in mail.body
    assert "Wenn Sie das waren, geben Sie diesen Code im Chat ein:" in mail.body
    assert "Ohne den Code ändert sich nichts." in mail.body and "Someone" not in mail.body
    # and the code in it works, in German
    code = CODE.search(mail.body).group(1)  # type: ignore[union-attr]
    opened = await chat.say(code)
    assert "Oudegracht 99" in opened
    await chat.close()


async def test_a_spanish_guest_gets_the_code_email_in_spanish_and_an_english_one_in_english(erins_order, smtp_server):
    chat = await Chat.open()
    await chat.say(f"Quiero cancelar mi pedido {erins_order.number}. ¿Me ayudas, por favor?")
    await chat.say(f"{erins_order.number} erin@example.test")
    [spanish] = smtp_server.wait_for(1)
    assert spanish.subject == f"Tu código de Example Shoppe para el pedido {erins_order.number}"
    assert f"Alguien ha pedido en el chat de nuestra web que se cancele el pedido {erins_order.number}." in spanish.body
    assert "Si fuiste tú, escribe este código en el chat:" in spanish.body
    await chat.close()

    english = await Chat.open()
    await english.say(f"Please cancel order {erins_order.number}")
    await english.say(f"{erins_order.number} erin@example.test")
    mail = smtp_server.wait_for(2)[1]
    assert mail.subject == f"Your Example Shoppe code for order {erins_order.number}"
    assert f"Someone asked in the chat on our website to cancel order {erins_order.number}." in mail.body
    await english.close()


# --- the team replied while you were away -----------------------------------------------------------------------
@pytest.mark.parametrize("language", ["de", "fr", "en"])
async def test_the_teams_reply_is_emailed_in_the_language_the_customer_wrote_in(
        language, settings, smtp_server, make_customer, team):  # type: ignore[no-untyped-def]
    settings.SUPPORT_HOURS = ALWAYS_OPEN
    settings.REPLY_EMAIL_DELAY_S = 0.0
    asks = {"de": "Ich möchte bitte mit einem Mitarbeiter sprechen.",
            "fr": "Je voudrais parler à un conseiller, s'il vous plaît.",
            "en": "I want to talk to a person"}[language]
    alice = await database_sync_to_async(make_customer)("alice")
    socket, _, handoff = await with_sam(await database_sync_to_async(session_cookie_for)(alice), team, asks=asks)
    await socket.disconnect()
    await sam_says(handoff, team, "Hi Alice, Sam here.")
    [mail] = await asyncio.to_thread(smtp_server.wait_for, 1)
    said = await database_sync_to_async(Message.objects.get)(conversation_id=handoff.conversation_id, author="agent")
    at = amsterdam(said.created_at)
    expected = {
        "de": ("Sam hat auf Ihren Chat mit Example Shoppe geantwortet", "Hallo Alice,",
               "Sam hat auf Ihren Chat mit Example Shoppe geantwortet, während Sie nicht da waren:",
               f"Sam, {at.day}. {GERMAN_MONTHS[at.month - 1]}, {at:%H:%M}:", f"Der Link funktioniert {settings.REPLY_LINK_DAYS} Tage lang."),
        "fr": ("Sam a répondu à votre conversation avec Example Shoppe", "Bonjour Alice,",
               "Sam a répondu à votre conversation avec Example Shoppe pendant votre absence :",
               f"Sam, {at.day} {FRENCH_MONTHS[at.month - 1]}, {at:%H:%M}:", f"Le lien est valable {settings.REPLY_LINK_DAYS} jours."),
        "en": ("Sam replied to your chat with Example Shoppe", "Hello Alice,",
               "Sam replied to your chat with Example Shoppe while you were away:",
               f"Sam, {at.day} {at:%B}, {at:%H:%M}:", f"The link works for {settings.REPLY_LINK_DAYS} days."),
    }[language]
    subject, hello, intro, stamp, link_days = expected
    assert mail.subject == subject
    assert mail.body.startswith(hello)
    for line in (intro, stamp, "Hi Alice, Sam here.", link_days):
        assert line in mail.body, (line, mail.body)


# --- the transcript ---------------------------------------------------------------------------------------------
@pytest.fixture
def alice(make_customer) -> User:  # type: ignore[no-untyped-def]
    return make_customer("alice", "Alice")


def conversation_in(user: User, language: str, *lines: tuple[str, str]) -> Conversation:
    conversation = conversation_with(user, *lines, days_ago=9, status="closed")
    Message.objects.filter(conversation=conversation, author="customer").update(language=language)
    return conversation


def test_a_german_conversation_is_emailed_in_german_from_an_english_page(client, alice, smtp_server):
    conversation = conversation_in(alice, "de", ("customer", "Wo ist meine Bestellung 10023? Ich warte schon lange."),
                                   ("bot", "Bestellung 10023 ist unterwegs."))
    started = amsterdam(conversation.created_at)
    client.force_login(alice)
    assert client.post(f"/account/conversations/{conversation.id}/email/").status_code == 302
    [mail] = smtp_server.wait_for(1)
    day = f"{started.day}. {GERMAN_MONTHS[started.month - 1]} {started.year}"
    assert mail.subject == f"Ihr Gespräch mit Example Shoppe am {day}"
    assert mail.body.startswith("Hallo Alice,")
    assert (f"Hier ist Ihr Gespräch mit dem Kundenservice von Example Shoppe, begonnen am {day} um "
            f"{started:%H:%M} (Amsterdamer Zeit).") in mail.body
    assert f"[{started.day}. {GERMAN_MONTHS[started.month - 1]}, {started:%H:%M}] Sie:" in mail.body
    assert "Example Shoppe Assistent:\nBestellung 10023 ist unterwegs." in text_of(mail.body)
    assert "Sie können es auch in Ihrem Kundenkonto nachlesen: http://testserver/account/conversations/" in mail.body
    assert "Your conversation" not in mail.subject and "Here is" not in mail.body


@pytest.mark.parametrize(("language", "said", "subject", "opening", "you"), [
    # Polish writes the day's month in the genitive: "4 grudnia 2026"
    ("pl", "Gdzie jest moje zamówienie 10023? Czekam już tydzień.", "Rozmowa z Example Shoppe z {day} {polish} {year}",
     "Oto rozmowa z obsługą klienta Example Shoppe, rozpoczęta {day} {polish} {year} o {time}",
     "] Ty:\nGdzie jest moje zamówienie 10023?"),  # "Ty", as the widget labels her lines (session 30: "Pan/Pani")
    ("en", "Where is my order 10023? I've been waiting a week.",
     "Your conversation with Example Shoppe on {day} {english} {year}",
     "Here is your conversation with Example Shoppe support, started on {day} {english} {year} at {time}",
     "] You:\nWhere is my order 10023?"),
])
def test_a_conversation_is_emailed_in_its_language_with_the_date_as_that_language_writes_it(
        language, said, subject, opening, you, client, alice, smtp_server):  # type: ignore[no-untyped-def]
    conversation = conversation_in(alice, language, ("customer", said))
    started = amsterdam(conversation.created_at)
    client.force_login(alice)
    client.post(f"/account/conversations/{conversation.id}/email/")
    [mail] = smtp_server.wait_for(1)
    date = {"day": started.day, "year": started.year, "time": f"{started:%H:%M}",
            "polish": POLISH_MONTHS_OF[started.month - 1], "english": ENGLISH_MONTHS[started.month - 1]}
    assert mail.subject == subject.format(**date)
    assert opening.format(**date) in mail.body
    assert you in text_of(mail.body)


def test_a_dutch_conversation_ending_in_a_short_thanks_is_still_emailed_in_dutch(client, alice, smtp_server):
    # the router reads "ok bedankt" as English (too short to tell); the assistant would still answer in Dutch
    conversation = conversation_in(alice, "nl", ("customer", "Waar is mijn bestelling 10023? Ik wacht al een week."),
                                   ("bot", "Bestelling 10023 is onderweg."))
    Message.objects.create(conversation=conversation, author="customer", text="ok bedankt", language="en",
                           status="answered", created_at=conversation.created_at + timedelta(minutes=1))
    client.force_login(alice)
    client.post(f"/account/conversations/{conversation.id}/email/")
    [mail] = smtp_server.wait_for(1)
    assert mail.subject.startswith("Je gesprek met Example Shoppe op ")
    assert mail.body.startswith("Hoi Alice,") and "] Jij:\nok bedankt" in text_of(mail.body)
