"""Local answers: from the help centre, or canned where no document is needed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
from django.utils.translation import gettext as _, gettext_lazy

from rag.documents import ENGLISH, HELP_LANGUAGES, document_parse, document_passages, knowledge_folder
from rag.index import KnowledgeIndex, index_get
from rag.section_choice import section_scores
from support.events import Source

# Where each intent's answer lives in the help centre, best document first.
INTENT_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "create_account": ("account-and-password",),
    "delete_account": ("account-and-password",),
    "edit_account": ("account-and-password",),
    "recover_password": ("account-and-password",),
    "registration_problems": ("account-and-password",),
    "switch_account": ("account-and-password",),
    "check_cancellation_fee": ("order-changes-and-cancellation",),
    "cancel_order": ("order-changes-and-cancellation",),
    "change_order": ("order-changes-and-cancellation", "placing-an-order"),
    "place_order": ("placing-an-order",),
    "track_order": ("order-tracking", "shipping-and-delivery"),
    "delivery_options": ("shipping-and-delivery",),
    "delivery_period": ("shipping-and-delivery", "order-tracking"),
    "change_shipping_address": ("order-changes-and-cancellation", "addresses"),
    "set_up_shipping_address": ("addresses",),
    "check_invoice": ("invoices",),
    "get_invoice": ("invoices",),
    "check_payment_methods": ("payment-methods",),
    "payment_issue": ("payment-problems",),
    "check_refund_policy": ("refund-policy", "returns-and-exchanges"),
    "track_refund": ("refund-policy",),
    "get_refund": ("refund-policy",),
    "return_item": ("returns-and-exchanges",),
    "contact_customer_service": ("contact-and-support-hours",),
    "contact_human_agent": ("contact-and-support-hours",),
    "complaint": ("contact-and-support-hours",),
    "newsletter_subscription": ("newsletter",),
    "review": ("reviews",),
    "warranty": ("warranty",),
    "gift_card": ("gift-cards",),
}

# The section that answers an intent's most common form, when the wording alone is vague.
INTENT_SECTIONS: dict[str, str] = {
    "delivery_period": "How long does delivery take?",
    "delivery_options": "What delivery options are there and how much do they cost?",
    "check_cancellation_fee": "Is there a fee for cancelling an order?",
    "check_payment_methods": "Which payment methods do you accept?",
    "check_refund_policy": "How do I request a refund?",
    "return_item": "How do I return an item?",
    "contact_customer_service": "How can I contact Example Shoppe?",
    "registration_problems": "How do I create an account?",  # signing up, and the confirmation link it sends
}

# How much the message's rare words found in a passage count next to its similarity (rag/words.py). Session 23, on
# 200 questions with the section that answers them (40 per help language, written by a helper from the help pages,
# many worded like a section that does not answer them): the local answer's section right 56.6% of the time without
# the words; chosen on English and Dutch (38 -> 49 of 64 right at 0.2 to 0.5, 46 at 0.75), confirmed on German,
# French and Spanish (56 -> 66 of 102 at 0.25).
SHARED_WORDS_WEIGHT = 0.25

# A message in a language the shop does not serve (support/services/routing.py): the languages in their own words.
UNSUPPORTED_LANGUAGE_REPLY = gettext_lazy(
    "Sorry, I can't read that language yet. I can help in English, Nederlands, Deutsch, Français, Español, Italiano, "
    "Polski and Português: could you write in one of them?"
)
OFF_TOPIC_REPLY = gettext_lazy(
    "I'm Example Shoppe's assistant, so I can only help with the shop: orders and delivery, returns and "
    "refunds, payments, invoices and your account. Is there anything like that I can do for you?"
)
# Thanks and goodbyes in the languages the assistant answers in ("merci !" got the English greeting, session 25).
_THANKS = re.compile(r"\b(thanks?|thank you|thx|ty|cheers|bye|goodbye|that'?s all|great|perfect|bedankt|dank je|dank u|"
                     r"danke|vielen dank|tsch[üu]ss|merci|au revoir|gracias|adi[oó]s|grazie|ciao|dzi[eę]kuj[eę]|dzi[eę]ki|"
                     r"obrigad[oa]|adeus|tchau)\b", re.IGNORECASE)
_BOT_QUESTION = re.compile(r"\b(bot|robot|machine|ai|real person|human)\b", re.IGNORECASE)


# The line opening an English passage the device shows an Italian, Polish or Portuguese customer (its browser
# translated it; the device carries passages in five languages, rag/device/passages.py): the server answers them from
# their own help pages since session 34.
ENGLISH_ONLY_NOTES: dict[str, str] = {
    "it": "(Le nostre pagine di aiuto per ora esistono solo in inglese: ecco la risposta che danno, in inglese.)",
    "pl": "(Nasze strony pomocy są na razie tylko po angielsku, dlatego ta odpowiedź z nich jest po angielsku.)",
    "pt": "(As nossas páginas de ajuda por enquanto só existem em inglês: aqui fica a resposta delas, em inglês.)",
}


@dataclass
class Answer:
    text: str
    sources: list[Source] = field(default_factory=list)
    # A question the assistant now waits for an answer to (kept in Conversation.state).
    pending: dict[str, Any] | None = None
    # Set when the conversation goes to staff: why (a reason code), and the order in question.
    handoff: str | None = None
    handoff_order_id: int | None = None
    # The help section a help-centre answer quotes (its URL): what the answer check reads (rag/answerability.py).
    help_section: str | None = None
    # The section the similarity alone would have quoted, when the learned ranker chose another (rag/section_choice.py):
    # the check reads it too, since the ranker leans to sections the check likes (a question the help centre does not
    # answer would slip through more often).
    first_guess_section: str | None = None
    # The order an order answer was about: kept on the conversation, so "and when will it arrive?" means that one.
    order_in_focus: int | None = None


@cache
def section_heading(intent: str, language: str) -> str | None:
    """INTENT_SECTIONS' heading for `intent` as the page in `language` words it (same page, same place)."""
    heading = INTENT_SECTIONS.get(intent)
    if heading is None or language == ENGLISH:
        return heading
    for slug in INTENT_DOCUMENTS.get(intent, ()):
        english, translated = (knowledge_folder(code) / f"{slug}.md" for code in (ENGLISH, language))
        if not (english.exists() and translated.exists()):
            continue
        headings = [p.heading for p in document_passages(document_parse(slug=slug, markdown=english.read_text()))]
        if heading in headings:
            passages = document_passages(document_parse(slug=slug, markdown=translated.read_text()))
            position = headings.index(heading)
            return passages[position].heading if position < len(passages) else None
    return None


def help_search(*, vector: np.ndarray | None, text: str, language: str) -> tuple[KnowledgeIndex, np.ndarray, str]:
    """(index, vector, language) a message in `language` is answered from: the language's help index, or the
    English pages embedded with the multilingual encoder for a language the help centre is not written in
    (language then English); the message's routing vector when that index was built with its encoder, else
    the message embedded with the index's."""
    from rag.encoder import encoder_get
    from rag.index import ENGLISH_READ_MULTILINGUAL, index_encoder_kind

    # The reply's catalogue code ("en-gb" for English, support.services.language) names the same help language as the
    # router's "en": read as "it", every English help answer came from the multilingual index, embedded a second time.
    language = language.lower().split("-")[0]
    if language in HELP_LANGUAGES or language == ENGLISH:
        index = index_get(language)
    else:
        index, language = index_get(ENGLISH_READ_MULTILINGUAL), ENGLISH
    if not index.fits(vector):
        vector = encoder_get(index_encoder_kind(index.language)).encode_one(text)
    return index, vector, language


def knowledge_answer(*, intent: str, vector: np.ndarray | None, text: str, language: str = ENGLISH,
                     meaning: np.ndarray | None = None) -> Answer:
    """The help-centre passage that answers the question, with its source: in the message's
    language when the help centre is written in it, else in English.

    `vector` is the message's embedding from routing; it is searched with as it is when the
    language's index was built with the same encoder (English: MiniLM; the other help languages: the
    multilingual one; another language: the English pages embedded with the multilingual one),
    so a message is embedded once. `meaning` is its vector in the multilingual encoder's space (the router's
    `RouteDecision.meaning`): with it, the learned section ranker (rag/section_choice.py) has its say too.
    """
    index, vector, language = help_search(vector=vector, text=text, language=language)
    # Every passage ranked (a help centre of about 120, so no cost to speak of): the classifier knows the intent
    # better than raw similarity knows the document, so the answer comes from the intent's own pages whenever
    # it has some. Searching only the 8 nearest left it to chance when none of them was on those pages: 6% of
    # the help answers on the own held-out sets came from another page, 33 of 51 in Polish, whose words the
    # English index's encoder reads poorly (session 15).
    scores = index.passage_scores(vector)
    preferred = INTENT_DOCUMENTS.get(intent, ())
    rows = index.passages_of(preferred)
    if not len(rows):
        rows = np.argsort(-scores, kind="stable")[:8]
    section = section_heading(intent, language)
    shared = index.shared_words.scores(text, rows.tolist())
    learned = dict(zip(rows.tolist(), section_scores(meaning=meaning, text=text, language=language,
                                                     urls=[index.passages[row].url for row in rows]).tolist()))

    def ranking(row: int, *, with_learned: bool = True) -> tuple[float, float]:
        """Bonused similarity first, raw similarity on a tie (the order the two sorts before gave)."""
        passage = index.passages[row]
        return (-(scores[row] + SHARED_WORDS_WEIGHT * shared.get(row, 0.0) + (0.15 if passage.slug in preferred else 0.0)
                  + (0.05 if preferred and passage.slug == preferred[0] else 0.0)
                  + (0.08 if passage.heading == section else 0.0) + (learned[row] if with_learned else 0.0)),
                -scores[row])

    if not len(rows):
        return Answer(_("I couldn't find that in our help centre. Could you tell me a bit more?"))
    best = index.passages[min(rows, key=ranking)]
    first_guess = index.passages[min(rows, key=lambda row: ranking(row, with_learned=False))]
    return Answer(text=best.text, sources=[best.as_source()], help_section=best.url,
                  first_guess_section=first_guess.url if first_guess.url != best.url else None)


_NOT_A_WORD = re.compile(r"[^\w\s'’-]+")


def bare_yes(text: str) -> bool:
    """`text` is a yes and nothing more ("ok 👍", "ja", "yes please")."""
    from support.services.order_help.yes_no import YES

    # Emoji and punctuation around it say the same yes: "ok 👍" was greeted anew (session 27's walkthrough).
    said = _NOT_A_WORD.sub(" ", text).strip()
    yes = YES.match(said)
    return bool(yes and yes.end() >= len(said))


def bare_yes_or_no(text: str) -> bool:
    """`text` is a yes or a no and nothing more ("ok 👍", "ja", "no thanks")."""
    from support.services.order_help.yes_no import NO

    said = _NOT_A_WORD.sub(" ", text).strip()
    return bare_yes(text) or (bool(NO.match(said)) and len(said.split()) <= 2)


def greeting_answer(*, text: str, first_name: str | None) -> Answer:
    if _BOT_QUESTION.search(text):
        return Answer(_(
            "I'm Example Shoppe's virtual assistant. I can answer most questions straight away, and if you'd "
            "rather talk to a person, just say so and I'll pass you to our support team."
        ))
    if _THANKS.search(text):
        return Answer(_("You're welcome! If anything else comes up, I'm right here."))
    if bare_yes_or_no(text):  # "si", "ok", "sim" with no question open: not a hello (session 25's walkthrough)
        # A yes after "anything else?" got the same question back, again and again (session 33's walkthrough).
        if bare_yes(text):
            return Answer(_("Sure. What can I help you with?"))
        return Answer(_("Okay. If anything else comes up, I'm right here."))
    if first_name:
        return Answer(_("Hi %(name)s! I'm the Example Shoppe assistant. I can help with your orders, delivery, returns, "
                        "payments and your account. What can I do for you?") % {"name": first_name})
    return Answer(_("Hi! I'm the Example Shoppe assistant. I can help with your orders, delivery, returns, "
                    "payments and your account. What can I do for you?"))


def off_topic_answer() -> Answer:
    return Answer(str(OFF_TOPIC_REPLY))


# A message of emoji alone ("😡😡😡", "👍") is a feeling, not an off-topic question (it got "I can only help with the
# shop": session 26's walkthrough). Skin tones, variation selectors and joiners are part of an emoji.
_POSITIVE = set("👍👌🙏😊🙂😀😃😄😁❤♥💚💙✅👏🥰😍☺🤝🎉😉💯")
_NEGATIVE = set("😡😠🤬😤😞😢😭😩😫👎💔😒🙁☹😖😣😟😔")
_NOT_EMOJI = re.compile(r"[\w]", re.UNICODE)
_EMOJI_PARTS = re.compile("[\s\ufe0f\u200d\U0001F3FB-\U0001F3FF!?.,]")


def emoji_answer(text: str) -> Answer | None:
    """The reply to a message of emoji alone, or None for any other message."""
    marks = _EMOJI_PARTS.sub("", text)
    if not marks or _NOT_EMOJI.search(marks):
        return None
    if any(mark in _NEGATIVE for mark in marks):
        return Answer(_("I'm sorry something's wrong. Tell me what happened and I'll help, or say \"talk to a person\" "
                        "and I'll pass you to our team."))
    if all(mark in _POSITIVE for mark in marks):
        return Answer(_("Okay. Is there anything else I can help you with?"))
    return Answer(_("Could you tell me in a few words what you need? I can help with your orders, delivery, returns, "
                    "payments and your account."))


def english_only_noted(answer: Answer, language: str) -> Answer:
    """`answer`, opened with a line in the customer's language saying the answer is in English."""
    note = ENGLISH_ONLY_NOTES.get(language)
    return replace(answer, text=f"{note}\n\n{answer.text}") if note else answer
