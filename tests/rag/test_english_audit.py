"""English messages: the multilingual router decides, the English router audits (rag/router/decide.py).

The multilingual router, trained on chat-style messages in every language, reads stories,
indirect money demands and questions that need judgement better than the English router; the
English router, with its refund wording model and its rule for other companies, checks what the
bot would answer: a routine answer it would decline is declined, a routine answer where it reads
a refund request or a request for a person goes to a person, and a refund alarm on what it reads
as a question about the refund rules is answered. Also: messages too short to place, and the
evaluation's figures per language.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

INDIRECT_REFUND_DEMANDS = [
    "ordered the desk for next day delivery, it came 4 days later, I paid 9.95 extra for nothing",
    "my card shows the same payment twice for the mirror, one of them needs to go back",
    "bought the oak shelf for 189 and two days later it's 149, that's not fair is it",
]


@pytest.mark.parametrize("text", INDIRECT_REFUND_DEMANDS)
def test_an_indirect_refund_demand_goes_to_a_person(local_models, text):
    decision = local_models.decide(text)
    assert (decision.route, decision.intent) == ("human", "get_refund"), decision.reason


@pytest.mark.parametrize("text", ["what is your refund policy?", "how long does a refund take once you have my return?",
                                  "where is my order 10023?"])
def test_questions_the_bot_answers_stay_with_the_bot(local_models, text):
    assert local_models.decide(text).route == "local"


def test_a_refund_request_stays_with_a_person(local_models):
    decision = local_models.decide("I want a refund for order 10023")
    assert (decision.route, decision.intent) == ("human", "get_refund"), decision.reason


def test_every_english_decision_carries_the_audit(local_models):
    decision = local_models.decide("how long does delivery to Belgium take?")
    assert decision.route == "local" and decision.scores["english_route"] == "local"
    # the English help index is searched with the English router's vector: no third embedding
    assert decision.vector is not None and decision.vector.shape == (local_models.english.encoder.dimension,)


@pytest.mark.parametrize("text", [
    "how do I change the password of my Spotify account",  # another company's account
    "what's the cancellation fee for my Vodafone contract",
])
def test_a_routine_answer_about_another_company_is_declined(local_models, text):
    from rag.router.decide import english_audited

    decision = local_models.decide(text)
    assert decision.route == "off_topic", decision.reason
    # whichever router said so first, the audit never lets the bot answer it
    audit = local_models.english.decide(text)
    assert english_audited(local_models.multilingual.decide(text), audit).route == "off_topic"


@pytest.mark.parametrize("text", [
    "is the Lumo pendant available in brass as well as black?",  # names of products the tests' catalogue lacks
    "how do I return the Lumi floor lamp?",
])
def test_a_name_before_a_kind_of_product_is_the_shops_product_not_another_company(local_models, text):
    # the English router's rule for other companies' names reads "the Lumo" as one, unless a lamp or pendant follows
    assert local_models.english.decide(text).route != "off_topic"
    assert local_models.decide(text).route == "local"


def test_the_audit_rules_on_made_up_decisions():
    """Each of the audit's steps, on decisions made up here (the routers' own reading is tested above)."""
    from rag.router.decide import REFUND_QUESTION, RouteDecision, english_audited

    def decision(route, intent, **scores):  # type: ignore[no-untyped-def]
        return RouteDecision(route=route, intent=intent, confidence=0.9, reason="made up", scores=scores)

    routine = decision("local", "track_order")
    assert english_audited(routine, decision("off_topic", "off_topic")).route == "off_topic"
    assert english_audited(routine, decision("human", "get_refund")).route == "human"
    assert english_audited(routine, decision("human", "contact_human_agent")).intent == "contact_human_agent"
    assert english_audited(decision("off_topic", "off_topic"), decision("human", "contact_human_agent")).route == "human"
    # the English router never takes a message from a person or from the strong model
    for chosen in (decision("human", "get_refund"), decision("llm", "needs_reasoning")):
        assert english_audited(chosen, decision("local", "track_order")).route == chosen.route
    # except a refund alarm on what its words, classifier and wording model read as a rules question
    question = decision("local", "check_refund_policy", **{REFUND_QUESTION: 1.0})
    assert english_audited(decision("human", "get_refund"), question).route == "local"
    assert english_audited(decision("human", "contact_human_agent"), question).route == "human"


@pytest.mark.parametrize("text", ["Guten Morgen", "hallo allemaal", "servus miteinander", "ciao!"])
def test_a_greeting_too_short_to_place_is_greeted_not_declined(local_models, text):
    decision = local_models.decide(text)
    assert (decision.route, decision.intent) == ("local", "greeting"), decision.reason


def test_evaluate_router_gives_every_figure_per_language(local_models):
    from rag.evaluation import router_evaluate

    rows = [
        {"text": "where is my order 10023?", "expected_route": "local", "intent": "track_order", "lang": "en"},
        {"text": "I want my money back for order 10023", "expected_route": "human", "intent": "get_refund", "lang": "en"},
        {"text": "Wo ist meine Bestellung 10023?", "expected_route": "local", "intent": "track_order", "lang": "de"},
        {"text": "Ich will mein Geld für die kaputte Lampe zurück", "expected_route": "human", "intent": "get_refund",
         "lang": "de"},
    ]
    result = router_evaluate(rows=rows, router=local_models)
    assert set(result.per_language) == {"en", "de"}
    for figures in result.per_language.values():
        assert figures["route accuracy"] == 1.0 and figures["refund-to-human recall"] == 1.0
        assert figures["refund demands answered by the bot"] == 0
    assert "per language:" in result.report() and result.figures["route accuracy, de"] == 1.0
