"""The boundary between "not about this shop" and routine questions that name someone else, in eight languages.

Two sets, each written by a helper who saw neither the exemplars, the router nor any evaluation set (their READMEs):
- tests/data/offtopic_holdout/ (session 18): 30 messages per language about another company, a public body or
  nothing shop-like at all, and 20 routine questions about this shop that name a bank, a carrier or a payment method
  in passing. Session 18: 6.7% of the off-topic ones answered as routine, 5.0% of the routine ones declined, 77.0%
  routed right; session 21: 75.8% (off-topic messages read as needing reasoning go to the strong model).
  Session 22, other organisations' names declined in every language (rag/router/organisations.py): 0.8% answered as
  routine, 4.4% declined, 81.0% routed right.
- tests/data/organisations_holdout/ (session 22): 16 messages per language about another organisation by name, 14
  routine questions about this shop that name a carrier, a payment method, a bank, a marketplace or a social network.
  Before the names: 19.5% answered as routine, 63.3% routed right; with them 7.0% and 72.5%, 25 of 112 routine
  questions declined or sent elsewhere. (This set's misses were read to decide two things: mail providers are not in
  the names, and the names are checked before the "unsure" step; it is no longer untouched.)
- tests/data/offtopic_holdout_2/ (session 24): 30 messages per language not about this shop but in a shop's words,
  naming nobody (a tax refund, a school portal's password, a friend's parcel in customs, a freelancer's invoice,
  furniture care in general, "translate: where is my order"). Measured once before anyone read a row: 15.4% answered
  as routine, 64.2% declined; no routine questions in it.
- tests/data/offtopic_holdout_3/ (session 29): 38 off-topic messages per language over the whole range a shop's chat
  receives (chit-chat, other companies' orders, other organisations' hours and numbers, errands, homework, spam,
  shop words about something else) and 12 routine questions naming a holiday, a place, a bank or a relative. Measured
  once before anyone read a row: 9.2% of the off-topic ones answered as routine (English 1 of 38, the other languages
  1-6 of 38), 4 of 96 routine ones declined, 78.5% routed right; with the nearest off-topic exemplars read in every
  language (tests/rag/test_nearer_off_topic.py) 8.6% and 81.0%.
The issue's target is 2% answered as routine: met on the first set, not on the others; the floors keep all four from
getting worse.
"""
from __future__ import annotations

import pytest

from tests.rag.held_out import held_out_routed
# set: (messages, off-topic answered as routine at most, routine declined at most, routed right at least)
FLOORS = {
    "offtopic_holdout": (400, 0.03, 0.06, 0.79),
    "organisations_holdout": (240, 0.09, 0.11, 0.71),
    "offtopic_holdout_2": (240, 0.17, None, 0.62),
    "offtopic_holdout_3": (400, 0.09, 0.05, 0.80),
}


@pytest.mark.django_db
@pytest.mark.parametrize("folder", FLOORS)
def test_off_topic_messages_in_the_shops_words_are_seldom_answered_and_routine_ones_seldom_declined(local_models,
                                                                                                      folder):
    size, most_answered, most_declined, least_right = FLOORS[folder]
    result = held_out_routed(folder, size=size, router=local_models)
    off_topic = [row for row in result.rows if row["expected_route"] == "off_topic"]
    routine = [row for row in result.rows if row["expected_route"] == "local"]
    answered = sum(row["route"] == "local" for row in off_topic) / len(off_topic)
    declined = sum(row["route"] == "off_topic" for row in routine) / len(routine) if routine else 0.0
    print(f"{folder}: off-topic answered as routine {answered:.3f}, routine declined {declined:.3f}, "
          f"routed right {result.figures['route accuracy']:.3f}")
    assert answered <= most_answered
    assert most_declined is None or declined <= most_declined
    assert result.figures["route accuracy"] >= least_right
