"""The router on the seventh own realistic held-out set, every language.

tests/data/realistic_holdout_7/ was written in session 30 by a helper who read no project file (its README). Measured
once before anyone read a row (AMD EPYC with AVX-512 VNNI, the router of session 30): 87.9% routed right (en 83.3,
others 85.0-93.3), no refund demand answered by the bot, refund demands to a person 90.4% (the rest to the strong
model), requests for a person 100%, needs reasoning to the LLM or a person 78.1%, off-topic answered as routine 1.25%.
These floors (a message or two below each figure) keep the set from getting worse (the issue's targets are higher: English 92%, needs reasoning 90%, refund
demands to a person 95-97%); no refund demand may be answered.
"""
from __future__ import annotations

import pytest

from tests.rag.held_out import held_out_routed


@pytest.mark.django_db
def test_the_seventh_held_out_set_is_routed_as_first_measured_and_no_refund_demand_is_answered(local_models):
    result = held_out_routed("realistic_holdout_7", size=480, router=local_models)
    figures = result.figures
    assert figures["refund demands answered by the bot"] == 0
    assert figures["route accuracy"] >= 0.87
    assert figures["refund-to-human recall"] >= 0.90
    assert figures["request-for-a-person recall"] >= 0.99
    assert figures["needs reasoning to the LLM or a person"] >= 0.78
    assert figures["off-topic answered as routine"] <= 0.02
    for language, numbers in result.per_language.items():
        assert numbers["route accuracy"] >= 0.80, language
