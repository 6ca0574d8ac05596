"""The boundary between "not about this shop" and routine questions that name someone else, in eight languages.

Measured on tests/data/offtopic_holdout/ (written by a helper who saw neither the exemplars, the router nor any
evaluation set; its README): 30 messages per language about another company, a public body or nothing shop-like
at all, and 20 routine questions about this shop that name a bank, a carrier or a payment method in passing.
Session 18, AVX2 machine: 16 of 240 off-topic messages answered as routine (6.7%), 8 of 160 routine questions
declined (5.0%), 77.0% routed right. Session 21: 75.8% (off-topic messages the classifier reads as needing reasoning go to the
strong model, tests/rag/test_unusual_questions.py), 6.7% answered as routine. The issue's target is 2% answered as routine: not met; these floors only
keep the set from getting worse.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.evaluation import router_evaluate, rows_read_all

BOUNDARY = Path(__file__).resolve().parents[1] / "data" / "offtopic_holdout"


@pytest.mark.django_db
def test_off_topic_messages_in_the_shops_words_are_seldom_answered_and_routine_ones_seldom_declined(local_models):
    rows = rows_read_all(sorted(BOUNDARY.glob("*.csv")))
    assert len(rows) == 400
    result = router_evaluate(rows=rows, router=local_models)
    off_topic = [row for row in result.rows if row["expected_route"] == "off_topic"]
    routine = [row for row in result.rows if row["expected_route"] == "local"]
    answered = sum(row["route"] == "local" for row in off_topic) / len(off_topic)
    declined = sum(row["route"] == "off_topic" for row in routine) / len(routine)
    print(f"off-topic answered as routine {answered:.3f}, routine declined {declined:.3f}, "
          f"routed right {result.figures['route accuracy']:.3f}")
    assert answered <= 0.09
    assert declined <= 0.07
    assert result.figures["route accuracy"] >= 0.74
