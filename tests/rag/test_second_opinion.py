"""The multilingual model's second opinion on English messages, and messages too short to place.

The English router reads template questions very well and indirect money demands less so;
the multilingual model, trained on chat-style messages, overrules it towards a person (a
refund demand) or the strong model (needs reasoning), never the other way, at thresholds
where 95% of its held-out exemplars are right (rag/router/multilingual_model.py); a message the
English router reads as a payment problem goes to a person at the refund recall threshold.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

INDIRECT_REFUND_DEMANDS = [
    # (since the English router trains on the chat-style exemplars it catches "the rug I bought on Monday is
    # 25 euros cheaper today, I'd like you to send me the difference" itself: replaced by the next one)
    "ordered the desk for next day delivery, it came 4 days later, I paid 9.95 extra for nothing",
    "my card shows the same payment twice for the mirror, one of them needs to go back",
    "bought the oak shelf for 189 and two days later it's 149, that's not fair is it",
]


@pytest.mark.parametrize("text", INDIRECT_REFUND_DEMANDS)
def test_an_indirect_refund_demand_the_english_router_would_answer_goes_to_a_person(local_models, text):
    alone = local_models.english.decide(text)
    decision = local_models.decide(text)
    assert alone.route != "human", "the English router alone now catches this one: pick another example"
    assert (decision.route, decision.intent) == ("human", "get_refund"), decision.reason
    # Over the learned threshold that applied: the 95%-precision one, or on a payment matter the recall one.
    thresholds = local_models.multilingual.model.thresholds
    threshold = thresholds["refund_probability" if "about a" in decision.reason else "second_opinion_refund"]
    assert "second opinion" in decision.reason and decision.scores["second_opinion_refund"] >= threshold


@pytest.mark.parametrize("text", ["what is your refund policy?", "how long does a refund take once you have my return?",
                                  "where is my order 10023?"])
def test_questions_the_bot_answers_stay_with_the_bot(local_models, text):
    assert local_models.decide(text).route == "local"


def test_the_second_opinion_never_takes_a_refund_from_a_person(local_models):
    decision = local_models.decide("I want a refund for order 10023")
    assert decision.route == "human" and "second opinion" not in decision.reason


def test_the_thresholds_are_learned_and_strict(local_models):
    thresholds = local_models.multilingual.model.thresholds
    # precision-set thresholds sit well above the recall-set handoff threshold of the same model
    assert thresholds["refund_probability"] < thresholds["second_opinion_refund"] <= 1.0
    assert 0.5 <= thresholds["second_opinion_llm"] <= 1.0


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
