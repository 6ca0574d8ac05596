"""The refund alarm's low band: a possible refund in a message that most likely needs reasoning goes to the strong model.

The multilingual router hands a message to a person when its refund probability reaches what 98% of held-out refund
demands reach (about 0.09), so many stories that need reasoning (a parcel half delivered, a return two days late)
went to staff. Where the likeliest route is the strong model and the refund probability stays below `refund_sure`
(learned: REFUND_TO_STRONG_MODEL of held-out refund demands fall there), the strong model answers; it hands any
request for money to staff itself. Never a canned answer: a routine or off-topic reading still goes to a person.
"""
from __future__ import annotations

import numpy as np
import pytest

from rag.router import multilingual_model
from rag.router.multilingual_model import _refund_sure, route_matrix

INTENTS = ["get_refund", "needs_reasoning", "off_topic", "track_order"]


def _proba(rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[row.get(intent, 0.0) for intent in INTENTS] for row in rows], dtype=np.float32)


def test_the_band_ends_where_the_budget_of_held_out_refund_demands_is_spent(monkeypatch):
    monkeypatch.setattr(multilingual_model, "REFUND_TO_STRONG_MODEL", 0.01)  # 1 of 100 demands
    demands = [{"get_refund": 0.9, "needs_reasoning": 0.1}] * 97 + [
        {"get_refund": 0.12, "needs_reasoning": 0.8},  # the strong model likeliest: in the band
        {"get_refund": 0.25, "needs_reasoning": 0.7},
        {"get_refund": 0.15, "track_order": 0.8},  # a routine reading: never in the band
    ]
    stories = [{"get_refund": 0.1, "needs_reasoning": 0.9}] * 50
    proba = _proba(demands + stories)
    labels = np.array([0] * len(demands) + [1] * len(stories))
    sure = _refund_sure(proba, labels, route_matrix(INTENTS), 0, alarm=0.09)
    assert sure == pytest.approx(0.25)  # the first demand may go to the strong model, the second may not


def test_with_no_demand_in_the_band_nothing_goes_to_the_strong_model():
    proba = _proba([{"get_refund": 0.9, "needs_reasoning": 0.1}] * 10 + [{"get_refund": 0.05, "needs_reasoning": 0.95}])
    labels = np.array([0] * 10 + [1])
    assert _refund_sure(proba, labels, route_matrix(INTENTS), 0, alarm=0.09) == 0.09


@pytest.mark.django_db
@pytest.mark.parametrize("probabilities, route", [
    ({"get_refund": "band", "needs_reasoning": "rest"}, "llm"),
    ({"get_refund": "sure", "needs_reasoning": "rest"}, "human"),
    ({"get_refund": "band", "track_order": "rest"}, "human"),
    ({"get_refund": "band", "off_topic": "rest"}, "human"),
])
def test_only_a_possible_refund_in_a_story_goes_to_the_strong_model(local_models, monkeypatch, probabilities, route):
    router = local_models.multilingual
    alarm, sure = router.t["refund_probability"], router.t["refund_sure"]
    assert alarm < sure, "the band is empty: nothing to test"
    refund = {"band": (alarm + sure) / 2, "sure": min(sure + 0.05, 0.5)}[probabilities["get_refund"]]
    proba = np.zeros(len(router.model.intents), dtype=np.float32)
    proba[router.model.intents.index("get_refund")] = refund
    proba[router.model.intents.index(next(name for name, p in probabilities.items() if p == "rest"))] = 1.0 - refund
    monkeypatch.setattr(router.model, "probabilities", lambda vector, text: proba)
    decision = router.decide("the table came with one leg missing and the courier says it is not his problem")
    assert decision.route == route, decision.reason
