"""The router on the fourth own realistic held-out set, every language.

tests/data/realistic_holdout_4/ was written in session 21 by a helper who saw neither the exemplars, the router,
nor any other evaluation set (its README): per language 24 routine questions, 8 refund demands, 4 requests for a
person, 14 messages that need reasoning and 10 off-topic ones, the way customers of that country write. The first
measurement (session 21, AVX-512 machine, router of session 13): 86.0% routed right (en 86.7, nl 80.0, de 83.3,
fr 88.3, es 83.3, it 91.7, pl 90.0, pt 85.0), no refund demand answered by the bot, requests for a person to a
person 87.5% (the rest read as asking how to contact the shop, whose answer says how to reach a person), needs
reasoning to the LLM or a person 84.8%; 87.7% routed right once the refund alarm's low band went to the strong
model (same session, tests/rag/test_refund_band.py). Below the issue's targets (88% per language, 95% of person requests); these
floors keep the set from getting worse, and no refund demand may be answered.
"""
from __future__ import annotations

import pytest

from tests.rag.held_out import held_out_routed


@pytest.mark.django_db
def test_the_fourth_held_out_set_is_routed_as_first_measured_and_no_refund_demand_is_answered(local_models):
    result = held_out_routed("realistic_holdout_4", size=480, router=local_models)
    figures = result.figures
    assert figures["refund demands answered by the bot"] == 0
    assert figures["route accuracy"] >= 0.83
    assert figures["request-for-a-person recall"] >= 0.84
    assert figures["needs reasoning to the LLM or a person"] >= 0.80
    for language, numbers in result.per_language.items():
        assert numbers["route accuracy"] >= 0.75, language
