"""The help-answer check (rag/answerability.py): a help section that does not answer the message is not sent.

Two own held-out sets measure it, each 40 messages per language in the eight languages, written by helper sessions
that read only the help pages (session 24): 30 routine-sounding questions the help centre does not answer ("Liefert
ihr auch nach Helgoland?", "¿Hacéis envíos a Canarias?") and 10 it does. `help_unanswered_2` was used to compare the
check's features and its regularisation; `help_unanswered` was measured once the check was built.
`help_answers_judged.csv` holds the bot's help answers on real-style messages, judged.
"""
from __future__ import annotations

import csv

import pytest

from rag.answerability import TRAINING, answer_check_get, shown_section_features, training_rows
from rag.documents import ENGLISH, document_get, document_passages
from rag.evaluation import rows_read
from support.services.answers import knowledge_answer
from support.services.routing import help_answer_checked
from tests.rag.held_out import DATA, held_out_rows
from tools.answer_check import help_answer_routed

LANGUAGES = {"en", "nl", "de", "fr", "es", "it", "pl", "pt"}


@pytest.mark.django_db
def test_the_training_pairs_name_sections_that_exist_in_every_language():
    rows = training_rows()
    assert len(rows) >= 800 and {row["lang"] for row in rows} == LANGUAGES
    assert {row["label"] for row in rows} == {"answers", "other_section", "unanswered"}
    for row in rows:
        for slug, heading in ((row["slug"], row["heading"]), (row["other_slug"], row["other_heading"])):
            if slug:
                headings = [p.heading.lower() for p in document_passages(document_get(slug=slug, language=ENGLISH))]
                assert heading.strip().lower() in headings, (slug, heading)
    assert all(path.suffix == ".csv" for path in TRAINING.iterdir())


def _escalated(rows, router):  # type: ignore[no-untyped-def]
    """{"no": (escalated, local help answers), "yes": (...)} for the rows the router answers from the help centre."""
    counts = {"no": [0, 0], "yes": [0, 0]}
    for row in rows:
        routed = help_answer_routed(router, row["text"], row["lang"])
        if routed is None:
            continue
        counts[row["answered"]][0] += routed[1].route == "llm"
        counts[row["answered"]][1] += 1
    return counts


# Measured in session 24 (see the README's router section): of the help answers the router would send, unanswered
# questions escalated 22 of 153 / 35 of 132, answerable ones 0 of 60 / 1 of 62. A floor keeps it from getting worse.
FLOORS = {"help_unanswered": {"caught": 0.12, "lost": 0.05}, "help_unanswered_2": {"caught": 0.22, "lost": 0.05}}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["help_unanswered", "help_unanswered_2"])
def test_help_sections_that_do_not_answer_are_not_sent(local_models, name):
    counts = _escalated(held_out_rows(name, size=320), local_models)
    (caught, unanswered), (lost, answerable) = counts["no"], counts["yes"]
    print(f"{name}: unanswered escalated {caught}/{unanswered}, answerable escalated {lost}/{answerable}")
    assert unanswered >= 120 and answerable >= 50
    assert caught / unanswered >= FLOORS[name]["caught"]
    assert lost / answerable <= FLOORS[name]["lost"]


def _in_own_language(url: str, language: str) -> str:
    """The judged section `url` as the bot shows it today: the Italian, Polish and Portuguese answers judged in session
    24 were English sections, and since session 34 those customers get the same section of their own page."""
    from rag.device.passages import passage_id_in

    if not url.startswith("/help/") or language == ENGLISH:
        return url
    slug, anchor = url.removeprefix("/help/").split("/#")
    own = passage_id_in(f"{slug}#{anchor}", source=ENGLISH, target=language)
    assert own is not None, (url, language)
    return f"/{language}/help/" + own.replace("#", "/#", 1)


@pytest.mark.django_db
def test_on_judged_answers_the_check_stops_far_more_non_answers_than_answers(local_models):
    """tests/data/help_answers_judged.csv: the 262 help answers the bot gave on the own realistic sets 3 and 4 (session
    24), judged blind by two helper sessions: 147 answer the message, 40 partly, 75 do not. Measured: the check stops
    20% of those that do not, 12% of the partial ones and 3% of those that do."""
    check, stopped = answer_check_get(), {"yes": [], "partly": [], "no": []}
    for row in rows_read(DATA / "help_answers_judged.csv"):
        decision = local_models.decide(row["text"])
        features = shown_section_features(meaning=decision.meaning, text=row["text"], language=row["lang"],
                                          url=_in_own_language(row["section_url"], row["lang"]))
        stopped[row["verdict"]].append(not check.answers(features)[0])
    share = {verdict: sum(flags) / len(flags) for verdict, flags in stopped.items()}
    print("judged answers stopped:", {verdict: f"{value:.0%}" for verdict, value in share.items()})
    assert share["no"] >= 0.17 and share["yes"] <= 0.05 and share["no"] > 3 * share["yes"]


@pytest.mark.django_db
def test_an_answering_section_is_sent_and_its_probability_recorded(local_models):
    text = "how long does delivery take to Belgium?"
    decision = local_models.decide(text)
    answer = knowledge_answer(intent=decision.intent, vector=decision.vector, text=text)
    checked = help_answer_checked(decision, answer, text=text, language="en")
    assert checked.route == "local" and checked.scores["answers_probability"] >= 0.5


def test_the_held_out_sets_were_not_trained_on():
    trained = {row["text"].strip().lower() for row in training_rows()}
    for name, size in (("help_unanswered", 320), ("help_unanswered_2", 320), ("help_sections", 200),
                       ("help_sections_2", 120),
                       ("offtopic_holdout", 400), ("offtopic_holdout_2", 240)):
        for row in held_out_rows(name, size=size):
            assert row["text"].strip().lower() not in trained
    with open(TRAINING / "payments-ordering-refunds.csv", encoding="utf-8") as handle:
        assert csv.DictReader(handle).fieldnames == ["slug", "heading", "text", "lang", "label", "other_slug",
                                                     "other_heading"]
