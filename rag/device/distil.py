"""What the server's router decides for each exemplar: the labels the on-device student learns.

The student is a distilled copy of the server (rag/router/serving.py `router_get`): an exemplar
is labelled with the intent the server answers it with locally from a help passage in the
device's scope, or "server" for anything else (order data, refunds, a person, the strong model,
off-topic, greetings). The help passage the server would show is recorded too, so the device
shows the passage the server shows for that intent and language.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.router.languages import ENGLISH

SERVER = "server"


def device_scope() -> list[str]:
    """The intents the device may answer: routed locally to a help passage that is the same for every customer.

    Order questions (support.services.order_help.ORDER_INTENTS) are answered from the customer's own
    orders once signed in, greetings and off-topic with canned texts, and an intent with no help
    document (product questions) from whatever passage the search finds: all stay with the server.
    So do refund questions (REFUND_FAMILY): the server hands much refund wording to a person, and
    there the student disagreed with it most often on held-out exemplars.
    """
    from rag.router.decide import REFUND_FAMILY
    from rag.router.policy import INTENT_ROUTES
    from support.services.answers import INTENT_DOCUMENTS
    from support.services.order_help import ORDER_INTENTS

    return sorted(intent for intent, route in INTENT_ROUTES.items()
                  if route == "local" and intent in INTENT_DOCUMENTS and intent not in ORDER_INTENTS
                  and intent not in REFUND_FAMILY)


@dataclass(frozen=True)
class ServerView:
    """The server's decision on one message, as the device must reproduce it."""

    route: str
    intent: str
    language: str  # the message's language as the server settles it
    passage_id: str | None = None  # "<slug>#<anchor>" of the passage it shows (in-scope local answers only)

    def label(self, scope: frozenset[str]) -> str:
        return self.intent if self.route == "local" and self.intent in scope else SERVER


def passage_id_of(url: str) -> str:
    """"/nl/help/invoices/#how-do-i-get-an-invoice" -> "invoices#how-do-i-get-an-invoice"."""
    path, _, anchor = url.partition("#")
    return f"{path.rstrip('/').rsplit('/', 1)[-1]}#{anchor}"


def server_views(texts: list[str], *, scope: frozenset[str]) -> list[ServerView]:
    """The server router's decision on each text, with the passage its local answer shows."""
    from rag.device.passages import page_ids_forget
    from rag.router.serving import router_get
    from support.services.answers import knowledge_answer

    _english_id.cache_clear()
    page_ids_forget()
    router = router_get()
    views: list[ServerView] = []
    for text, decision in zip(texts, router.decide_all(texts)):
        passage = None
        if decision.route == "local" and decision.intent in scope:
            answer = knowledge_answer(intent=decision.intent, vector=decision.vector, text=text,
                                      language=decision.language, meaning=decision.meaning)
            passage = passage_id_of(answer.sources[0]["url"]) if answer.sources else None
        views.append(ServerView(decision.route, decision.intent, decision.language, passage))
    return views


def passages_chosen(views: list[ServerView], *, scope: frozenset[str]) -> dict[str, str]:
    """{intent: passage id}: per intent, the passage the server shows most often for it (ids are the same
    in every language: rag/device/passages.py maps them by position in the page)."""
    votes: dict[str, Counter[str]] = {}
    for view in views:
        if view.passage_id and view.label(scope) != SERVER:
            votes.setdefault(view.intent, Counter())[_english_id(view.passage_id, view.language)] += 1
    return {intent: counter.most_common(1)[0][0] for intent, counter in sorted(votes.items())}


@lru_cache(maxsize=4096)  # training asks for the same few passages thousands of times; cleared per build
def _english_id(passage_id: str, language: str) -> str:
    from rag.device.passages import passage_id_in

    return passage_id_in(passage_id, source=language, target=ENGLISH) or passage_id


def passage_agreement(views: list[ServerView], chosen: dict[str, str], *, scope: frozenset[str]) -> float:
    """The share of in-scope local answers whose passage is the one the device shows for their intent."""
    shown = [(view, chosen.get(view.intent)) for view in views if view.passage_id and view.label(scope) != SERVER]
    same = sum(1 for view, english_id in shown if _english_id(view.passage_id, view.language) == english_id)
    return round(same / len(shown), 4) if shown else 1.0


def device_parity(texts: list[str], student) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(messages the `student` answers, of those the ones the server's router decides the same way:
    routed locally, same intent, same language)."""
    from rag.router.serving import router_get

    answered = agreeing = 0
    for text in texts:
        decision = student.decide(text)
        if decision is None:
            continue
        answered += 1
        server = router_get().decide(text)
        agreeing += (server.route, server.intent, server.language) == ("local", decision.intent, decision.language)
    return answered, agreeing


def message_texts(paths: list[Path]) -> list[str]:
    """The `text` column of the CSV files that have one (a labelled set of another shape is passed over)."""
    from rag.evaluation import rows_read

    texts: list[str] = []
    for path in paths:
        try:
            texts += [row["text"] for row in rows_read(path)]
        except ValueError:  # no 'text' column
            continue
    return texts
