"""The router as the rest of the product sees it: one decision per customer message."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from rag.router.decide import RouteDecision
from rag.router.languages import language_unsupported
from rag.router.serving import router_get
from support import metrics
from support.models import Message
from support.services.answers import Answer
from support.services.order_help import ORDER_INTENTS
from support.services.product_answers import product_named

__all__ = ["RouteDecision", "decision_fields", "help_answer_checked", "message_route"]

FOLLOW_UP_WORDS = 5
# A message the router declines alone may be a little longer and still lean on the question before ("and how much does
# that cost?", 6 words, was declined after "do you deliver to Switzerland?": session 27's walkthrough). Only declines:
# a longer message the router sends to the strong model alone keeps its answer from it.
DECLINED_FOLLOW_UP_WORDS = 8
FOLLOW_UP_WINDOW = timedelta(minutes=15)
# A short message nearly the same as something customers say that is not about the shop ("asdf", "lol", "...", "👍")
# is a message of its own, not a follow-up: read with the previous question, "asdf" after "I need to change my delivery
# address" started an address change (session 23's walkthrough). The nearest off-topic exemplar's similarity, measured
# in session 24: such messages 0.84 to 1.0; follow-ups ("and to Japan?", "a do Polski?", "what about the blue one",
# "e per l'Italia?") 0.45 to 0.69.
NOT_A_FOLLOW_UP_SIMILARITY = 0.8

HELP_DOES_NOT_ANSWER = "the help section does not answer it"
BARE_YES_OR_NO = "a yes or no with no question of the assistant's open"
ORDER_AND_EMAIL = "an order number and an email address: the order's status"
# What may stand beside them: "order 10039, frank@example.test", "mijn bestelling: ...", "here you go ...".
ORDER_AND_EMAIL_WORDS = 3
YES_TO_THE_STRONG_MODEL = "a yes to the strong model's answer before"
AFTER_A_GREETING = "after a greeting"
# A decision's intent: the message is in a language the shop does not serve.
UNSUPPORTED_LANGUAGE = "unsupported_language"
# A greeting's own clause at a message's start: a few words up to a comma, "!" or a full stop ("Bonjour,", "Hi there!").
_GREETING_CLAUSE = re.compile(r"^\s*[^,!.?;:\n]{1,30}[,!.;:\n]+\s*(?=\S)")
# How much must follow a greeting to be read as the message, by where it would go: the costlier the route, the more
# ("Hi, I need help" is still a hello, not a request for a person; "Hello, I have a question" not one for the
# strong model).
WORDS_AFTER_GREETING = {"local": 2, "human": 4, "llm": 5}


def _previous_question(message: Message) -> tuple[str, str, str] | None:
    """The customer's question before `message` (within FOLLOW_UP_WINDOW): its text, and the intent and route it was
    given."""
    return (
        Message.objects.filter(conversation_id=message.conversation_id, author=Message.Author.CUSTOMER,
                               created_at__lt=message.created_at, created_at__gte=message.created_at - FOLLOW_UP_WINDOW)
        .exclude(id=message.id)
        .exclude(text="")  # not a photo without a caption
        .order_by("-created_at").values_list("text", "intent", "route").first()
    )


def _another_order_follow_up(message: Message, decision: RouteDecision, previous_intent: str) -> RouteDecision | None:
    """"what about 10025", "en 10031?": the question just answered about an order, now about the order this short
    message names (session 27's walkthrough: declined as off-topic). The previous question's intent, for the order
    named; None when the message names no order or the previous question was not about one."""
    from support.services.order_help.orders import order_numbers_in

    if previous_intent not in ORDER_INTENTS or previous_intent == "get_refund" or not order_numbers_in(message.text):
        return None
    return replace(decision, route="local", intent=previous_intent,
                   reason=f"follow-up to the previous question ({previous_intent}), about the order named"[:200])


def _yes_or_no_alone(message: Message, decision: RouteDecision) -> RouteDecision | None:
    """A yes or a no and nothing more, when the assistant has no question open (its own questions are answered
    before routing: `pending_answer`): acknowledged ("Okay. Is there anything else I can help you with?"), or, a yes
    after the strong model's answer, which may have asked it something, taken to the strong model, which has the
    conversation. Routed alone or with the question before, "yes" repeated the last answer, "no thanks" was declined as
    off-topic and "yes please" or "ja" were handed to a person (session 32)."""
    from support.services.answers import bare_yes_or_no
    from support.services.order_help.yes_no import YES

    if not bare_yes_or_no(message.text) or (decision.route == "local" and decision.intent == "greeting"):
        return None
    previous = _previous_question(message)
    if previous is not None and previous[2] == "llm" and YES.match(message.text):
        return replace(decision, route="llm", reason=YES_TO_THE_STRONG_MODEL)
    return replace(decision, route="local", intent="greeting", reason=BARE_YES_OR_NO)


def _order_and_email_alone(message: Message, decision: RouteDecision) -> RouteDecision | None:
    """An order number and an email address with no question ("10039, frank@example.test"), when the assistant asked
    for none (its own question is answered before routing): a guest's proof, read as a question about the order's
    status, which the answer gives once the two match (`order_answer`). Routed, it got the greeting, and the guest's
    next question was asked the number and email again (session 33's walkthrough)."""
    from support.services.order_help.orders import order_numbers_in
    from support.services.order_help.which_order import EMAIL

    text = message.text or ""
    emails = EMAIL.findall(text)
    numbers = order_numbers_in(text)
    if len(emails) != 1 or len(numbers) != 1:
        return None
    rest = EMAIL.sub(" ", text).replace(str(numbers[0]), " ")
    if len([word for word in rest.split() if any(character.isalnum() for character in word)]) > ORDER_AND_EMAIL_WORDS:
        return None
    return replace(decision, route="local", intent="track_order", reason=ORDER_AND_EMAIL)


def message_route(*, message: Message) -> RouteDecision:
    """Decide which tier answers `message`; the caller records it (`decision_fields`) with the answer.

    A short follow-up the router can't place on its own ("and to Germany?", "what
    about express?") is read together with the customer's previous question.
    """
    if other := language_unsupported(message.text):
        # Declined in a word, locally: the router reads only the shop's languages ("Hej, var är mitt paket?" was told
        # "I can only help with the shop", session 35's walkthrough).
        metrics.MESSAGES_ROUTED.labels("off_topic").inc()
        return RouteDecision(route="off_topic", intent=UNSUPPORTED_LANGUAGE, confidence=1.0, language="",
                             reason=f"written in a language the shop does not serve ({other})")
    router = router_get()
    decision = router.decide(message.text)
    decision = _question_after_greeting(message.text, decision) or decision
    if yes_or_no := _yes_or_no_alone(message, decision):
        return yes_or_no
    if proof := _order_and_email_alone(message, decision):
        return proof
    unclear = decision.route in {"off_topic", "llm"} or decision.confidence < 0.5
    noise = float(decision.scores.get("off_topic_similarity", 0.0)) >= NOT_A_FOLLOW_UP_SIMILARITY
    short = DECLINED_FOLLOW_UP_WORDS if decision.route == "off_topic" else FOLLOW_UP_WORDS
    if unclear and not noise and len(message.text.split()) <= short:
        previous = _previous_question(message)
        if previous:
            text, intent, _route = previous
            together = router.decide(f"{text} {message.text}")
            if together.route in {"local", "human"} and together.confidence > decision.confidence:
                decision = replace(together, reason=f"follow-up to the previous question: {together.reason}"[:200],
                                   latency_ms=decision.latency_ms + together.latency_ms)
            elif about_another := _another_order_follow_up(message, decision, intent):
                decision = about_another
    metrics.MESSAGES_ROUTED.labels(decision.route).inc()
    metrics.ROUTE_LATENCY.observe(decision.latency_ms / 1000)
    return decision


def _question_after_greeting(text: str, decision: RouteDecision) -> RouteDecision | None:
    """What follows a greeting, decided on its own, when the whole message read as a greeting: "Bonjour, vous livrez
    en Belgique ?" got "Bonjour ! Que puis-je faire pour vous ?" and the question was lost (session 35's walkthrough;
    the same in Spanish). A greeting that goes on with more greeting, small talk or nothing the shop answers stays a
    greeting."""
    if decision.intent != "greeting" or not (clause := _GREETING_CLAUSE.match(text)):
        return None
    rest = text[clause.end():]
    words = len(rest.split())
    if words < min(WORDS_AFTER_GREETING.values()):
        return None
    after = router_get().decide(rest)
    if after.intent == "greeting" or words < WORDS_AFTER_GREETING.get(after.route, words + 1):
        return None  # a route not named there (off-topic) after a greeting: it stays a greeting
    if after.intent == "product_question" and product_named(rest) is None:
        return None  # no product the catalogue could answer about: the hello is the message
    if after.route == "human" and after.intent != "get_refund":
        return None  # "bonsoir, il y a quelqu'un ?", "goedemiddag, ik heb een vraagje": the hello answers them
    return replace(after, reason=f"{AFTER_A_GREETING}: {after.reason}"[:200],
                   latency_ms=round(decision.latency_ms + after.latency_ms, 3))


def help_answer_checked(decision: RouteDecision, answer: Answer, *, text: str, language: str) -> RouteDecision:
    """`decision`, sent to the strong model when the help section its local answer quotes does not answer the
    message (rag/answerability.py): "do you deliver to a PostNL pickup point?" is a routine delivery question, and the
    delivery options section, which says nothing of pickup points, is no answer to it. With no model to ask, the
    escalation goes to a person."""
    if decision.route != "local" or answer.help_section is None or decision.meaning is None:
        return decision
    from rag.answerability import answer_check_get, shown_section_features

    check, probabilities = answer_check_get(), []
    for url in filter(None, (answer.help_section, answer.first_guess_section)):
        features = shown_section_features(meaning=decision.meaning, text=text, language=language, url=url)
        if features is not None:
            probabilities.append(check.probability(features))
    if not probabilities:
        return decision
    # Both sections must answer when the section ranker overruled the similarity: see Answer.first_guess_section.
    probability = min(probabilities)
    answers = probability >= check.threshold
    scores = {**decision.scores, "answers_probability": round(probability, 4)}
    if answers:
        return replace(decision, scores=scores)
    metrics.HELP_ANSWERS_ESCALATED.inc()
    return replace(decision, route="llm", scores=scores,
                   reason=f"{HELP_DOES_NOT_ANSWER} ({probability:.2f}): {decision.reason}"[:200])


def decision_fields(decision: RouteDecision) -> dict[str, Any]:
    """What the customer's message records of the decision, for ops: written once, with its answer."""
    return {"route": decision.route, "intent": decision.intent, "confidence": decision.confidence,
            "reason": decision.reason[:200], "scores": decision.scores, "route_latency_ms": decision.latency_ms,
            "language": decision.language}
