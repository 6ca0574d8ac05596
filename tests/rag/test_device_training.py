"""How the device student's held-out decisions set what it answers (rag/device/training.py), on small made-up folds."""
from __future__ import annotations

import numpy as np

from rag.device.student import too_long
from rag.device.training import HeldOut, agreement_threshold, twin_intents

CLASSES = ["create_account", "recover_password", "registration_problems", "server"]


def _held_out(predicted: list[int], server: list[int], confidence: list[float]) -> HeldOut:
    count = len(predicted)
    return HeldOut(CLASSES, np.array(server), np.zeros(count, dtype=int), np.array(predicted),
                   np.zeros(count, dtype=int), np.array(confidence), np.ones(count, dtype=bool),
                   np.zeros(count, dtype=bool), np.zeros(count, dtype=bool))


def test_an_intent_the_student_mixes_up_with_a_twin_is_left_to_the_server():
    # given 20 sure answers each for two intents: password always as the server decides it; "registration problems"
    # where the server said "create account" 2 times in 20 (10%, over the 1-in-20 limit)
    predicted = [1] * 20 + [2] * 20
    server = [1] * 20 + [2] * 18 + [0] * 2
    oof = _held_out(predicted, server, [0.9] * 40)

    # then only the mixed-up intent is a twin
    assert twin_intents(oof) == frozenset({"registration_problems"})


def test_a_disagreement_the_server_keeps_for_itself_is_not_a_twin():
    # the server sent 2 of 20 elsewhere (a person, the strong model): the threshold's business, not the scope's
    oof = _held_out([1] * 20, [1] * 18 + [3] * 2, [0.9] * 20)
    assert twin_intents(oof) == frozenset()


def test_unsure_answers_do_not_make_a_twin():
    oof = _held_out([2] * 20, [2] * 10 + [0] * 10, [0.9] * 10 + [0.3] * 10)
    assert twin_intents(oof) == frozenset()


def test_the_threshold_is_the_lowest_confidence_that_keeps_the_agreement():
    confidence = np.array([0.99, 0.98, 0.97, 0.96, 0.95])
    agrees = np.array([True, True, True, False, True])
    assert agreement_threshold(confidence, agrees, 1.0) == 0.97
    assert agreement_threshold(confidence, agrees, 0.8) == 0.95


def test_a_long_message_is_left_to_the_server():
    assert not too_long("I forgot my password", 12)
    assert too_long("I forgot my password and the reset email never arrives, I tried three times today", 12)
