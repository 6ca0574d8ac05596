"""The router's safety net reads the customer's words: typos and wishes to know something."""
from __future__ import annotations

import pytest

from rag.router import safety


@pytest.mark.parametrize(
    "typed, read",
    [
        ("i need to request my mooney back", "i need to request my money back"),
        ("submit a reufnd request", "submit a refund request"),
        ("Hman pls!", "human pls!"),
        ("talk to an agnet", "talk to an agent"),
    ],
)
def test_one_slip_in_a_safety_word_is_read_as_the_word(typed, read):
    assert safety.spelling_fixed(typed) == read


@pytest.mark.parametrize("text", ["a jar of honey", "the monkey lamp", "two persons", "our agents"])
def test_real_words_next_to_safety_words_stay_as_written(text):
    assert safety.spelling_fixed(text) == text


@pytest.mark.parametrize(
    "text",
    ["I need to check your refund policy", "i'd like to see the refund rules", "I want to know the refund deadline",
     "help me find the money back guarantee", "do you refund shipping costs?"],
)
def test_wanting_to_know_the_refund_rules_is_a_policy_question(text):
    assert safety.asks_refund_policy(text), text


@pytest.mark.parametrize(
    "text",
    ["I want a refund, what is your policy?", "I need my money back, the policy says 30 days",
     "please refund me, your guarantee covers this", "refund my order 10023 under your rules"],
)
def test_a_demand_for_money_is_never_a_policy_question(text):
    assert not safety.asks_refund_policy(text), text
