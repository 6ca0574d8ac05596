"""The router, measured on held-out messages it was never trained on."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.evaluation import router_evaluate, rows_read

HOLDOUT = Path(__file__).resolve().parents[1] / "data" / "router_holdout.csv"
# A second held-out set, written before the exemplars of issue #3: refund requests and
# requests for a person in many wordings, and off-topic questions of every kind.
HOLDOUT_2 = Path(__file__).resolve().parents[1] / "data" / "router_holdout_2.csv"
# A third set on the refund and person boundary, written by someone who had not seen the
# exemplars: refund and person requests against policy, status, contact and return
# questions. Its misses led to two fixes (a bare "send back" is a return of goods; typos
# such as "rfund"), so it is a development set now, checked so those stay fixed.
HOLDOUT_3 = Path(__file__).resolve().parents[1] / "data" / "router_holdout_3.csv"
# A fourth, in the template-like wording of public synthetic support corpora ("I need
# assistance to ...", "help me to ..."), written apart from the exemplars of batch 5.
# Its misses led to the typo fix of the safety words and to reading "I want to know the
# refund policy" as a question, so it is a development set too.
HOLDOUT_4 = Path(__file__).resolve().parents[1] / "data" / "router_holdout_4.csv"
# A fifth, on the line between a refund request ("is it possible to get my money back?",
# "what are the steps to claim a reimbursement"), a question about the rules ("can
# customers get refunds on sale items?") and a refund already under way; written apart
# from the exemplars of batch 7, and held out: no rule was changed for its misses.
HOLDOUT_5 = Path(__file__).resolve().parents[1] / "data" / "router_holdout_5.csv"
pytestmark = pytest.mark.django_db


def unseen_rows(path: Path = HOLDOUT) -> list[dict[str, str]]:
    """Held-out rows, less the few short phrases the exemplars happen to contain too."""
    from rag.router.exemplars import exemplar_load

    trained = {text.lower() for text, _ in exemplar_load()}
    return [row for row in rows_read(path) if row["text"].lower() not in trained]


@pytest.fixture(scope="module")
def holdout(local_models):  # type: ignore[no-untyped-def]
    return router_evaluate(rows=unseen_rows(), router=local_models)


def test_holdout_route_quality_meets_the_shop_floor(holdout):
    figures = holdout.figures
    print("\n" + holdout.report())
    assert figures["route accuracy"] >= 0.95
    assert figures["refund-to-human recall"] >= 0.98
    assert figures["request-for-a-person recall"] >= 0.98
    assert figures["deflection (routine kept off the LLM)"] >= 0.97
    assert figures["off-topic answered as routine"] <= 0.06


def test_the_measurement_uses_only_messages_the_router_never_saw():
    from rag.router.exemplars import exemplar_load

    trained = {text.lower() for text, _ in exemplar_load()}
    rows = unseen_rows()
    assert len(rows) >= 700 and not trained & {row["text"].lower() for row in rows}


@pytest.fixture(scope="module")
def holdout_2(local_models):  # type: ignore[no-untyped-def]
    return router_evaluate(rows=unseen_rows(HOLDOUT_2), router=local_models)


def test_second_holdout_hands_refunds_and_people_over_and_declines_off_topic(holdout_2):
    figures = holdout_2.figures
    print("\n" + holdout_2.report())
    assert figures["route accuracy"] >= 0.97
    assert figures["refund-to-human recall"] >= 0.99
    assert figures["request-for-a-person recall"] >= 0.98
    assert figures["deflection (routine kept off the LLM)"] >= 0.97
    assert figures["off-topic answered as routine"] <= 0.05


def test_the_second_measurement_uses_only_messages_the_router_never_saw():
    from rag.router.exemplars import exemplar_load

    trained = {text.lower() for text, _ in exemplar_load()}
    rows = unseen_rows(HOLDOUT_2)
    assert len(rows) >= 300 and not trained & {row["text"].lower() for row in rows}


# Measured: 99.8% and 95.3%. On the template-like set the refund wording model hands some rule
# questions to a person ("help me read the money back policy"): the price of its veto.
@pytest.mark.parametrize("path, accuracy", [(HOLDOUT_3, 0.98), (HOLDOUT_4, 0.94)], ids=["plain", "template-like"])
def test_refund_and_person_boundary_sets(local_models, path, accuracy):
    rows = unseen_rows(path)
    assert len(rows) >= 450
    result = router_evaluate(rows=rows, router=local_models)
    print("\n" + result.report())
    assert result.figures["route accuracy"] >= accuracy
    assert result.figures["refund-to-human recall"] >= 0.99
    # 98.4-100% measured with the int8 encoder for AVX2 and for AVX-512: a floor with room for one more slip
    assert result.figures["request-for-a-person recall"] >= 0.97


def test_refund_requests_phrased_as_questions_go_to_a_person(local_models):
    rows = unseen_rows(HOLDOUT_5)
    assert len(rows) >= 440
    result = router_evaluate(rows=rows, router=local_models)
    print("\n" + result.report())
    assert result.figures["refund-to-human recall"] >= 0.99
    # The price of that caution: some plain policy questions go to a person too (80% of
    # them answered by the bot, measured); a wrong handoff costs a minute, a wrong answer a customer.
    answered_right = {intent: ok / total for intent, (ok, total) in result.per_intent.items()}
    assert answered_right["check_refund_policy"] >= 0.65
    assert answered_right["track_refund"] == 1.0  # a person or the bot: both are right
    assert result.figures["route accuracy"] >= 0.88


@pytest.mark.parametrize(
    "text",
    [
        "I want a refund for order 10023",
        "rfund plz",
        "the lamp arrived broken, just give me my money back",
        "can you put the money back on my card please",
        "reimburse me for the shipping, it came a week late",
        "refund pls",
    ],
)
def test_refund_requests_always_go_to_a_person(local_models, text):
    decision = local_models.decide(text)
    assert (decision.route, decision.intent) == ("human", "get_refund"), decision.reason


@pytest.mark.parametrize(
    "text, route, intent",
    [
        ("what is your refund policy?", "local", "check_refund_policy"),
        ("how do I send back the bookcase?", "local", "return_item"),
        ("where is my order", "local", "track_order"),
        ("can I pay with PayPal?", "local", "check_payment_methods"),
        ("let me talk to a real person", "human", "contact_human_agent"),
        ("what's the capital of Australia?", "off_topic", "off_topic"),
        ("set an alarm for 7 am", "off_topic", "off_topic"),
    ],
)
def test_routine_person_and_off_topic_examples(local_models, text, route, intent):
    decision = local_models.decide(text)
    assert (decision.route, decision.intent) == (route, intent), decision.reason


def test_every_decision_says_why_and_how_long_it_took(local_models):
    decision = local_models.decide("how long does delivery to Germany take?")
    assert decision.reason and 0 < decision.confidence <= 1
    assert 0 < decision.latency_ms < 1000
    assert {"top", "margin", "in_domain_similarity"} <= decision.scores.keys()


def test_evaluate_router_command_writes_the_decisions(tmp_path, local_models):
    from django.core.management import call_command

    source = tmp_path / "in.csv"
    source.write_text("text,expected_route,intent\nwhere is my parcel,local,track_order\nI want my money back,human,get_refund\n")
    out = tmp_path / "out.csv"
    call_command("evaluate_router", str(source), "--out", str(out))
    rows = rows_read(out)
    assert [r["route"] for r in rows] == ["local", "human"]
    assert {"route", "intent_predicted", "confidence", "reason", "latency_ms"} <= rows[0].keys()


def test_each_figure_counts_its_own_messages():
    """Routed rows made up here: a question that needs reasoning answered by the bot counts against
    'needs reasoning', not as an off-topic message answered as routine."""
    from rag.evaluation import _figures, _tally

    rows = [
        {"text": "a", "expected_route": "llm", "intent": "needs_reasoning", "route": "local"},
        {"text": "b", "expected_route": "off_topic", "intent": "off_topic", "route": "off_topic"},
        {"text": "c", "expected_route": "off_topic|llm", "intent": "off_topic", "route": "local"},
        {"text": "d", "expected_route": "off_topic", "intent": "off_topic", "route": "llm"},
    ]
    figures = _figures(_tally(rows)[0])
    assert figures["needs reasoning to the LLM or a person"] == 0.0
    assert figures["off-topic answered as routine"] == 1 / 3
    assert figures["route accuracy"] == 1 / 4


def test_every_process_picks_up_a_newly_trained_router(local_models, settings):
    import os
    import time

    from rag.router.serving import router_get
    from rag.router.model import artifact_dir

    settings.RAG_RELOAD_CHECK_SECONDS = 0.1
    before = router_get()
    saved = artifact_dir() / "router.npz"
    stamp = saved.stat().st_mtime + 5  # what `train_router` in another process does: a new artifact
    os.utime(saved, (stamp, stamp))
    time.sleep(0.2)
    after = router_get()
    assert after is not before and after.decide("where is my order?").route == "local"
