"""Does the assistant answer in the customer's language? Measured on labelled messages, per language.

Each message is sent through the real answering path (`message_answer`: the router, the local
answer, the order questions, the handoff texts) in a fresh visitor's conversation, inside a
transaction that is rolled back, so nothing stays in the database and no LLM task is queued
(a message routed to the LLM is counted as such, not answered). For every reply the assistant
wrote itself it records:

- the reply's language (rag/router/languages.py, as for customer messages): the whole reply in the
  languages the help centre is written in (all eight since session 34); for any other, whose help
  passages are English, the opening line (the note in their language that the answer is in English);
- the links' language: every link in the reply (help passages, the sign-in page, an order page) to
  the page in the customer's language, `/<lang>/...` for every storefront language but English.

`python manage.py evaluate_answers <file.csv>` (columns `text` and `lang`) prints the figures.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.conf import settings
from django.db import transaction

from rag.documents import ENGLISH, HELP_LANGUAGES, storefront_language
from rag.evaluation import Evaluation, routes_measured
from rag.router.languages import language_detect
from support.models import Conversation, Message
from support.services.conversations import message_receive
from support.services.language import CATALOGUES, page_language_remember
from support.services.replies import message_answer

HELP_CENTRE_LANGUAGES = {ENGLISH, *HELP_LANGUAGES}
# Their pages live under /<lang>/ (a copy of the five help languages missed Italian, Polish and Portuguese, whose
# storefront came in session 30 and help pages in session 34).
STOREFRONT_LANGUAGES = {storefront_language(code) for code, _name in settings.LANGUAGES} - {ENGLISH}


class _RolledBack(Exception):
    pass


@dataclass
class AnswerRow:
    text: str
    language: str  # the customer's, as labelled
    route: str = ""
    reply: str = ""
    reply_language: str = ""  # "" when no reply was written (the LLM's turn)
    links: list[str] = field(default_factory=list)
    intent: str = ""
    reason: str = ""  # the decision's reason as the message records it (a help answer checked and escalated says so)
    labels: dict[str, str] = field(default_factory=dict)  # the labelled row's other columns (expected_route, intent)

    @property
    def replied(self) -> bool:
        return bool(self.reply)

    @property
    def in_their_language(self) -> bool:
        return self.reply_language == self.language

    @property
    def links_in_their_language(self) -> bool:
        if self.language in STOREFRONT_LANGUAGES:
            return all(link.startswith(f"/{self.language}/") for link in self.links)
        return not any(link.startswith(tuple(f"/{code}/" for code in STOREFRONT_LANGUAGES)) for link in self.links)


def _reply_language(reply: str, language: str) -> str:
    if language not in HELP_CENTRE_LANGUAGES:
        reply = reply.strip().split("\n\n")[0]  # the note that the help passage below is English
    code, _probability = language_detect(reply)
    return code


def answer_row(*, text: str, language: str, on_their_page: bool = False) -> AnswerRow:
    """Answer `text` as the shop would for a new visitor, then undo everything it wrote.

    `on_their_page`: the visitor chats from the storefront in their language, as the widget tells the server
    when it connects.
    """
    row = AnswerRow(text=text, language=language)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create()
            if on_their_page:
                page_language_remember(conversation_id=conversation.id,
                                       code=language if language in STOREFRONT_LANGUAGES else "en")
            message, _new = message_receive(conversation_id=conversation.id, text=text, client_id=uuid.uuid4())
            message_answer(message_id=message.id, holder="")
            message.refresh_from_db()
            row.route, row.intent, row.reason = message.route, message.intent, message.reason
            reply = message.replies.filter(author=Message.Author.BOT).order_by("id").first()
            if reply is not None:
                row.reply = reply.text
                row.reply_language = _reply_language(reply.text, language)
                row.links = [source["url"] for source in reply.sources or []]
            raise _RolledBack
    except _RolledBack:
        pass
    return row


@dataclass
class LanguageFigures:
    messages: int = 0
    replied: int = 0
    in_their_language: int = 0
    with_links: int = 0
    links_in_their_language: int = 0

    def add(self, row: AnswerRow) -> None:
        self.messages += 1
        if not row.replied:
            return
        self.replied += 1
        self.in_their_language += row.in_their_language
        if row.links:
            self.with_links += 1
            self.links_in_their_language += row.links_in_their_language


def answers_evaluate(rows: list[dict[str, str]], *, on_their_page: bool = False
                     ) -> tuple[dict[str, LanguageFigures], list[AnswerRow]]:
    figures: dict[str, LanguageFigures] = defaultdict(LanguageFigures)
    answered = []
    for labelled in rows:
        language = (labelled.get("lang") or "en").strip().lower()
        if language not in CATALOGUES:
            continue
        row = answer_row(text=labelled["text"], language=language, on_their_page=on_their_page)
        row.labels = labelled
        figures[language].add(row)
        answered.append(row)
    return dict(figures), answered


def routes_answered(answered: list[AnswerRow]) -> Evaluation:
    """The router's figures (rag/evaluation.py) on the routes messages got through the whole answering path: a help
    answer the answer check escalated counts as escalated, as the customer got it."""
    return routes_measured([{**row.labels, "route": row.route, "intent_predicted": row.intent, "reason": row.reason,
                             "lang": row.language} for row in answered])


def _share(part: int, whole: int) -> str:
    return f"{part / whole:6.1%} ({part}/{whole})" if whole else "     n/a"


def _line(label: str, f: LanguageFigures) -> str:
    return (f"{label:5s} {f.messages:8d} {f.replied:8d}  {_share(f.in_their_language, f.replied):>24s}  "
            f"{_share(f.links_in_their_language, f.with_links):>28s}")


def answers_report(figures: dict[str, LanguageFigures]) -> str:
    lines = [f"{'lang':5s} {'messages':>8s} {'replied':>8s}  {'reply in their language':>24s}  "
             f"{'links in their language':>28s}"]
    lines += [_line(language, figures[language]) for language in sorted(figures, key=list(CATALOGUES).index)]
    total = LanguageFigures(**{name.name: sum(getattr(f, name.name) for f in figures.values())
                               for name in fields(LanguageFigures)})
    lines.append(_line("all", total))
    lines.append("replied: the assistant wrote the reply itself (routed to the LLM: not counted)")
    return "\n".join(lines)
