"""The learned section ranker (rag/section_choice.py): it chooses among the intent's help sections beside the
similarity, and the answer check then reads both the section it chose and the one the similarity would have shown.

Its effect on the right section is measured in tests/rag/test_help_sections.py; on the own realistic held-out sets a
blind judgement of the 187 help answers it changed preferred its section 82 times, the similarity's 40 (README,
session 34; `python -m tools.section_choice --judge FILE`).
"""
from __future__ import annotations

import pytest

from rag.answerability import answer_check_get, shown_section_features
from rag.section_choice import section_scores
from support.services.answers import INTENT_DOCUMENTS, knowledge_answer
from support.services.routing import help_answer_checked
from tests.rag.held_out import held_out_rows


def _overruled(router):  # type: ignore[no-untyped-def]
    """(row, decision, answer) for the first held-out question whose section the ranker changed."""
    for row in held_out_rows("help_sections", size=200):
        decision = router.decide(row["text"])
        if decision.route != "local" or decision.intent not in INTENT_DOCUMENTS:
            continue
        answer = knowledge_answer(intent=decision.intent, vector=decision.vector, text=row["text"],
                                  language=row["lang"], meaning=decision.meaning)
        if answer.first_guess_section:
            return row, decision, answer
    pytest.fail("the ranker never chose another section than the similarity")


@pytest.mark.django_db
def test_when_the_ranker_overrules_the_similarity_the_check_reads_both_sections(local_models):
    row, decision, answer = _overruled(local_models)
    assert answer.first_guess_section != answer.help_section
    check = answer_check_get()
    probabilities = [check.probability(shown_section_features(meaning=decision.meaning, text=row["text"],
                                                              language=row["lang"], url=url))
                     for url in (answer.help_section, answer.first_guess_section)]
    checked = help_answer_checked(decision, answer, text=row["text"], language=row["lang"])
    assert checked.scores["answers_probability"] == round(min(probabilities), 4)
    assert (checked.route == "llm") == (min(probabilities) < check.threshold)


@pytest.mark.django_db
def test_without_the_message_meaning_the_ranker_has_no_say(local_models):
    row, decision, _ = _overruled(local_models)
    plain = knowledge_answer(intent=decision.intent, vector=decision.vector, text=row["text"], language=row["lang"])
    assert plain.first_guess_section is None
    assert not section_scores(meaning=None, text=row["text"], language=row["lang"], urls=[plain.help_section]).any()
