"""The English refund boundary, written the way people type into a support box: money asked for goes to a person,
questions about the refund rules and a refund's status are answered.

tests/data/refund_holdout_2/ was written in session 28 by a helper who saw no project file (its README): 150 refund
demands (72 of them short and template-like, many worded as questions: "how do i get refunded for order 10928"), 100
questions about the refund rules, 50 about a refund's status. First measurement (session 28, AVX-512 machine, before
anyone read a row): 71.7% routed right, every demand to a person, none answered by the bot; questions about the rules
answered 57%, about a refund's status 16%: the English audit's refund rule (rag/router/decide.py `english_audited`)
hands "where is my refund" to a person even when the multilingual router is sure it is a status question (README,
"One learned router"). These floors keep it from getting worse; no demand may be answered.
"""
from __future__ import annotations

import pytest

from tests.rag.held_out import held_out_routed


@pytest.mark.django_db
def test_every_english_refund_demand_goes_to_a_person(local_models):
    result = held_out_routed("refund_holdout_2", size=300, router=local_models)
    figures = result.figures
    assert figures["refund demands answered by the bot"] == 0
    assert figures["refund-to-human recall"] >= 0.98
    assert figures["route accuracy"] >= 0.70
