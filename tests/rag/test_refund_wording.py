"""The wording model: a second opinion on refund messages, read from the words alone.

The bot answers a refund message itself only when the embedding classifier and this
model both say it is a question (about the rules or a refund's status), not a request.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from rag.router.decide import IntentRouter
from rag.router.exemplars import exemplar_load
from rag.router.model import RouterModel, artifact_dir

# None of these is an exemplar (checked below): the model must generalise to them.
REQUESTS = [
    "what are the steps to get reimbursed under the policy?",
    "is there any way I could get my money back for this?",
    "how would I claim a refund",
    "where do I request reimbursement",
]
QUESTIONS = [
    "which items are excluded from your refund policy?",
    "under what conditions are refunds given?",
    "has my refund been processed yet?",
]

pytestmark = pytest.mark.django_db


def test_the_sentences_here_are_not_exemplars():
    trained = {text.lower() for text, _ in exemplar_load()}
    assert not trained & {text.lower() for text in REQUESTS + QUESTIONS}


@pytest.mark.parametrize("text", REQUESTS)
def test_requests_read_as_requests(local_models, text):
    wording = local_models.model.refund_wording
    assert wording.request_probability(text) >= local_models.t["refund_wording_doubt"]


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_about_the_rules_or_a_status_read_as_questions(local_models, text):
    wording = local_models.model.refund_wording
    assert wording.request_probability(text) < local_models.t["refund_wording_doubt"]


def test_the_bound_lets_through_at_most_a_few_held_out_requests(local_models):
    # Learned so that 2% of held-out refund requests score under it; a bound near 0 or 1 would veto nothing or everything.
    assert 0.05 < local_models.t["refund_wording_doubt"] < 0.9


def test_the_bot_answers_a_refund_question_only_when_the_words_agree(local_models):
    text = "which items are excluded from your refund policy?"
    assert local_models.decide(text).route == "local"
    words_always_hear_a_request = replace(local_models.model, thresholds={**local_models.t, "refund_wording_doubt": 0.0})
    decision = IntentRouter(words_always_hear_a_request, local_models.encoder).decide(text)
    assert (decision.route, decision.intent) == ("human", "get_refund"), decision.reason
    assert decision.reason == "refund request: a person decides (worded as a request)"  # what ops read in the log


def test_the_saved_router_carries_the_wording_model(local_models):
    loaded = RouterModel.load(artifact_dir())
    assert loaded.refund_wording is not None
    for text in REQUESTS + QUESTIONS:
        assert loaded.refund_wording.request_probability(text) == pytest.approx(
            local_models.model.refund_wording.request_probability(text), abs=1e-6)


def test_a_router_saved_before_the_wording_model_is_retrained(local_models, settings, tmp_path):
    import json
    import shutil

    from rag.router.model import router_artifact_current

    shutil.copytree(artifact_dir(), tmp_path / "router")
    settings.DATA_DIR = tmp_path
    assert router_artifact_current()
    config = tmp_path / "router" / "router.json"
    saved = json.loads(config.read_text())
    saved["meta"]["format"] = 1
    config.write_text(json.dumps(saved))
    assert not router_artifact_current()  # `train_router --if-stale` and every server retrain it
