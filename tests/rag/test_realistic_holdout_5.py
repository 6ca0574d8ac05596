"""The router on the fifth own realistic held-out set, every language.

tests/data/realistic_holdout_5/ was written in session 26 by a helper who saw neither the exemplars, the router,
nor any other evaluation set (its README; same plan as set 4: per language 24 routine questions, 8 refund demands,
4 requests for a person, 14 messages that need reasoning and 10 off-topic ones). Measured once before anyone read a
row (session 26, AMD EPYC with AVX-512 VNNI, the router of session 23): 89.8% routed right (en 85.0, nl 90.0,
de 90.0, fr 93.3, es 90.0, it 91.7, pl 91.7, pt 86.7), no refund demand answered by the bot, refund demands to a
person 96.9%, requests for a person 100%, needs reasoning to the LLM or a person 93.8%, off-topic answered as
routine 6.3%. English and Portuguese are below the issue's targets (92 and 88%); these floors keep the set from
getting worse, and no refund demand may be answered.
"""
from __future__ import annotations

import pytest

from tests.rag.held_out import held_out_routed


@pytest.mark.django_db
def test_the_fifth_held_out_set_is_routed_as_first_measured_and_no_refund_demand_is_answered(local_models):
    result = held_out_routed("realistic_holdout_5", size=480, router=local_models)
    figures = result.figures
    assert figures["refund demands answered by the bot"] == 0
    assert figures["route accuracy"] >= 0.88
    assert figures["refund-to-human recall"] >= 0.95
    assert figures["request-for-a-person recall"] >= 0.95
    assert figures["needs reasoning to the LLM or a person"] >= 0.90
    for language, numbers in result.per_language.items():
        assert numbers["route accuracy"] >= 0.83, language
