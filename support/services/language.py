"""Which language the assistant answers in: the one the customer writes in, not the page's.

Each customer message records its language (`Message.language`, set by the router from
rag/router/languages.py); a message not routed yet (an answer to the assistant's own question,
a message that failed before routing) is read here the same way. A message too short to tell
("ok", "10234", an email address) is answered in the language the customer wrote in before.
A conversation's first message too short to tell ("hoi", "Moin!") is answered in the language
of the storefront page the customer chats from (the widget says it when its socket connects),
else in English. Notices staff trigger (someone joined, a refund decided) and the emails the
support side sends later use the language the customer's latest message would be answered in.
Every bot text is rendered under `translation.override(<this>)`.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import lazy

from support.models import Message

ENGLISH = "en-gb"  # the shop's default: today's English texts
# The router's codes (rag/router/languages.py) to the catalogue each is answered from.
CATALOGUES = {"en": ENGLISH, "nl": "nl", "de": "de", "fr": "fr", "es": "es", "it": "it", "pl": "pl", "pt": "pt"}


def _catalogue(code: str | None) -> str | None:
    return CATALOGUES.get((code or "").split("-")[0].lower()) if code else None


PAGE_LANGUAGE_DAYS = 7


def _page_language_key(conversation_id: uuid.UUID) -> str:
    return f"chat:page-language:{conversation_id}"


def page_language_remember(*, conversation_id: uuid.UUID, code: str) -> None:
    """The storefront language of the page the customer's chat socket was opened on ("de", "nl", "en-GB")."""
    catalogue = _catalogue(code)
    if catalogue is None:
        return  # not a language the assistant speaks: English, as without a page
    try:
        cache.set(_page_language_key(conversation_id), catalogue, timeout=PAGE_LANGUAGE_DAYS * 86400)
    except Exception:  # noqa: BLE001 - without the cache a short first message is answered in English
        pass


def _page_language(conversation_id: uuid.UUID | None) -> str | None:
    if conversation_id is None:
        return None
    try:
        return cache.get(_page_language_key(conversation_id))
    except Exception:  # noqa: BLE001
        return None


def conversation_language(conversation_id: uuid.UUID | None, *, before: Message | None = None) -> str:
    """The language of the conversation's latest customer message with one recorded that the router was sure of,
    else that of the page the customer chats from, else English.

    Not one it read as English for want of words: after "où est ma commande ?", "10039" and "merci !" (English to the
    router at 0.13 and 0.27) turned the French guest's conversation English (session 25's walkthrough). A message
    recorded before the router kept its certainty (`language_probability`) counts as before."""
    return _language_written(conversation_id, before=before) or _page_language(conversation_id) or ENGLISH


def _language_written(conversation_id: uuid.UUID | None, *, before: Message | None = None) -> str | None:
    """The catalogue of the conversation's latest customer message the router was sure of the language of, if any."""
    from support.conversation_language import language_sure

    messages = (Message.objects.filter(conversation_id=conversation_id, author=Message.Author.CUSTOMER)
                .exclude(language="").filter(language_sure()))
    if before is not None:
        messages = messages.exclude(id=before.id).filter(created_at__lte=before.created_at)
    return _catalogue(messages.order_by("-created_at", "-id").values_list("language", flat=True).first())


def text_language(text: str, *, told: bool = False) -> str | None:
    """The language `text` is surely in (English included), or None when it is too short to tell. `told`: read with
    what the exemplars teach of each language (rag/router/languages.py `language_told`), which tells short messages
    the router reads as English for want of certainty ("hola donde esta mi pedido 10003"); else as the router reads."""
    from rag.router.languages import ENGLISH as ROUTER_ENGLISH, LANGUAGE_CERTAINTY, language_detect, language_told

    if len(text.split()) < 3 and not any(c.isalpha() for c in text if ord(c) > 127):
        return None  # "ok", "ja", "10234", an email address: too little to tell
    code, probability = (language_told if told else language_detect)(text)
    if code == ROUTER_ENGLISH and probability < LANGUAGE_CERTAINTY:
        return None
    return _catalogue(code)


def reply_language(message: Message, *, routed: str | None = None) -> str:
    """The language to answer `message` in: the router's reading of it, else the text's, else the language the
    conversation is written in, else the text's as the exemplars tell it (a conversation's first short messages:
    "hola donde esta mi pedido 10003"), else the page's, else English. The conversation comes before the exemplars'
    reading: an English guest's new address, "Prinsengracht 263, 1016 GV Amsterdam", is Dutch to them."""
    # The router reads English whenever it is unsure, so its "en" decides nothing on its own.
    sure = routed if routed and routed != "en" else None
    text = message.text or ""
    code = _catalogue(sure) or _catalogue(message.language if message.language != "en" else None) \
        or text_language(text)
    return (code or _language_written(message.conversation_id, before=message) or text_language(text, told=True)
            or _page_language(message.conversation_id) or ENGLISH)


def language_around(message: Message) -> str:
    """The language to answer a message written in none of the shop's languages in: the conversation's, else the
    page's, else English (its text's nearest catalogue language would answer Swedish in German)."""
    return _language_written(message.conversation_id, before=message) or _page_language(message.conversation_id) \
        or ENGLISH


@contextmanager
def in_language(code: str) -> Iterator[None]:
    """Bot texts built inside are in `code` (a catalogue from `reply_language`/`conversation_language`)."""
    with translation.override(code):
        yield


def customer_language(conversation_id: uuid.UUID | None) -> str:
    """The language the assistant would answer the customer's latest message in, else English.

    Not merely that message's recorded language: a closing "ok danke" reads as English to the
    router, and the customer still gets German.
    """
    latest = (Message.objects.filter(conversation_id=conversation_id, author=Message.Author.CUSTOMER)
              .order_by("-created_at", "-id").first())
    return reply_language(latest) if latest is not None else ENGLISH


@contextmanager
def in_customer_language(conversation_id: uuid.UUID | None) -> Iterator[None]:
    """For notices staff trigger and emails sent later: the customer's language (`customer_language`)."""
    with translation.override(customer_language(conversation_id)):
        yield


def day_text(value: datetime) -> str:
    """A day as the active language writes it (Amsterdam time): 4 Dec 2026, 4. Dezember 2026, 4 grudnia 2026."""
    return date_format(timezone.localtime(value), "DATE_FORMAT")


def clock_text(value: datetime) -> str:
    """The time of day in Amsterdam, on the 24-hour clock every language here reads: 14:05."""
    return date_format(timezone.localtime(value), "H:i")


def moment_text(value: datetime) -> str:
    """A moment within a conversation as the active language writes it: 4 December, 14:05; 4. Dezember, 14:05."""
    return f"{date_format(timezone.localtime(value), 'MONTH_DAY_FORMAT')}, {clock_text(value)}"


def _filled(text: object, values: dict[str, object]) -> str:
    return str(text) % values


def lazy_text(text: object, **values: object) -> str:
    """`text % values`, read only when shown: a reason raised now and sent later in the customer's language."""
    return lazy(_filled, str)(text, values)
