"""The device answers only where the server would answer the same way (issue #19).

The on-device student (rag/device/) is trained on what the server's router decides for each
exemplar; here the server's router (the real one, `local_models`) decides again, and the
messages the device would answer must get the same decision from it: same intent, routed
locally, same language. On exemplars a student never saw (held-out folds) and on the shared
evaluation set (../shared/eval/, when present: only aggregate figures are reported).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(1200)]

PARITY = 0.99


@pytest.fixture(scope="module")
def device_student(local_models, django_db_blocker):  # type: ignore[no-untyped-def]
    from rag.device.manifest import device_dir, device_manifest
    from rag.device.student import DeviceStudent

    manifest = device_manifest()
    assert manifest is not None, "no device assistant was built (train_router builds it)"
    return DeviceStudent.from_json((device_dir() / manifest["model"]["file"]).read_text())


def _server_agrees(router, text: str, intent: str, language: str) -> bool:  # type: ignore[no-untyped-def]
    decision = router.decide(text)
    return (decision.route, decision.intent, decision.language) == ("local", intent, language)


def test_the_devices_held_out_answers_agree_with_the_server(device_student):
    # given the deployed student and what its build measured out of fold: every exemplar decided by a student
    # trained without its fold (all FOLDS of them), against the server's own decision on it
    # (rag/device/training.py::student_train; refitting the folds here cost the suite minutes)
    from rag.device.manifest import device_manifest

    report = device_manifest()["report"]
    assert report["threshold"] == device_student.threshold, "the report is not this student's"
    answered, agreeing = report["held_out_answered"], report["held_out_agreeing"]

    # then the device answers some of them, and agrees with the server on at least 99% of those
    share = agreeing / max(1, answered)
    print(f"\nheld-out exemplars in scope: {report['in_scope']}; device answered {answered}, "
          f"agreeing {agreeing} ({share:.2%})")
    # (a floor, so that the figure is not measured on nothing)
    assert answered >= 10, f"the device answered only {answered} held-out exemplars"
    assert share >= PARITY, f"held-out parity {share:.2%} ({agreeing}/{answered})"
    # and the report says it per language, adding up (python -m tools.device_coverage prints it)
    per_language = report["held_out_per_language"]
    assert [sum(column) for column in zip(*per_language.values())] == [answered, report["in_scope"], agreeing]


# Everyday help questions the device exists for, written for this test (not exemplars), in the help centre's languages.
EVERYDAY_HELP = (
    "Which payment methods do you accept?", "how do I unsubscribe from the newsletter", "I forgot my password",
    "how long does delivery take?", "can I pay with PayPal?", "do you ship to Belgium?", "how do I create an account?",
    "how do I delete my account?", "how can I change my email address?", "do you sell gift cards?",
    "how do I write a review?", "what does the warranty cover?", "how do I start a return?",
    "stop sending me the newsletter please", "how do i reset my password", "how much is shipping to germany",
    "where can i find my invoice", "what are your delivery options", "how do I redeem a gift card",
    "how do I change my delivery address", "Welche Zahlungsmethoden akzeptiert ihr?", "Hoe lang duurt de levering?",
    "Wachtwoord vergeten", "¿Puedo pagar con tarjeta de crédito?", "Comment créer un compte ?",
)
EVERYDAY_ANSWERED_FLOOR = 7  # of 25; session 22's student answers 9 (4 in session 13): see the README's device section


def test_everyday_help_questions_are_answered_on_the_device_as_the_server_would(local_models, device_student):
    # when the device decides each everyday help question
    answered = [(text, decision) for text in EVERYDAY_HELP if (decision := device_student.decide(text))]

    # then every one it answers gets the same decision from the server, and it answers a fair share of them
    print(f"\neveryday help questions answered on the device: {len(answered)} of {len(EVERYDAY_HELP)}")
    for text, decision in answered:
        assert _server_agrees(local_models, text, decision.intent, decision.language), text
    assert len(answered) >= EVERYDAY_ANSWERED_FLOOR, [text for text, _ in answered]


def test_what_the_device_must_never_answer_is_left_to_the_server(device_student):
    for text in ("I want a refund for order 10023", "where is my order 10023?", "let me talk to a person",
                 "what is the capital of France?", "hi", "Ich möchte mein Geld zurück", "waar is mijn pakket?",
                 # more than MAX_WORDS: the server reads long messages with rules the student cannot see
                 "I forgot my password and the reset email never arrives, I have tried three times since this morning"):
        assert device_student.decide(text) is None, text


def test_the_devices_answers_on_the_shared_evaluation_set_agree_with_the_server(local_models, device_student):
    from rag.device.distil import device_parity, message_texts

    folder = Path(settings.BASE_DIR).parent / "shared" / "eval"
    paths = sorted(folder.glob("*.csv"))
    if not paths:
        pytest.skip(f"no shared evaluation set in {folder}")
    texts = message_texts(paths)
    answered, agreeing = device_parity(texts, device_student)
    share = agreeing / max(1, answered)
    # Aggregate figures only: the rows are held-out data.
    print(f"\nshared evaluation set: {len(texts)} messages; device answered {answered} "
          f"({answered / max(1, len(texts)):.1%}), agreeing with the server {agreeing} ({share:.2%})")
    assert share >= PARITY, f"parity on the shared set {share:.2%} ({agreeing}/{answered})"


def test_questions_about_another_company_are_left_to_the_server(local_models, device_student):
    # given help questions about someone else's account, newsletter or shop, which the server sends off-topic
    # before its classifier reads them (its rule for other companies' names and public services)
    for text in ("delete my Spotify account", "how do I unsubscribe from my gym's newsletter",
                 "how do I reset my password on Zalando"):
        assert local_models.decide(text).route == "off_topic", text
        # when the device reads them, then it names them as the server does and leaves them to the server
        assert device_student.names_elsewhere(text), text
        assert device_student.decide(text) is None, text
    # and the shop's own words ("PayPal", a payment method it takes) or "your" keep a question the shop's
    for text in ("can I pay with PayPal?", "how do I delete my Example Shoppe account", "do you ship to the UK",
                 "is the Lumo pendant available in brass", "what are the steps to send back the Lumi floor lamp"):
        assert not device_student.names_elsewhere(text), text


def test_the_device_is_taught_the_decisions_the_server_makes_one_message_at_a_time(local_models):
    """The device's labels come from `decide_all` (the multilingual encoder run on batches, for speed):
    each must be the decision the server makes when that message arrives alone."""
    from rag.router.exemplars import exemplar_load

    texts = [text for text, _ in exemplar_load(chat=True)[::97]]  # every language, every kind of message
    assert len(texts) > 150
    together = local_models.decide_all(texts)
    for text, batched in zip(texts, together):
        alone = local_models.decide(text)
        assert (batched.route, batched.intent, batched.language) == (alone.route, alone.intent, alone.language), text
        assert batched.confidence == pytest.approx(alone.confidence, abs=1e-3), text
