"""Reading the strong model's citations: the markers out of the text, the passages they name."""
from __future__ import annotations

from support.llm.citations import citations_taken_out, sources_cited


def test_markers_are_taken_out_and_the_cited_numbers_kept_in_order_of_first_citation():
    text, cited = citations_taken_out("Free returns [3]. Use the label [1, 3][2]; done.")
    assert (text, cited) == ("Free returns. Use the label; done.", [3, 1, 2])


def test_the_redactors_placeholders_and_other_brackets_are_not_citations():
    text = "We'll write to [EMAIL_1] about order [10231] in [a week]."
    assert citations_taken_out(text) == (text, [])


def test_only_passages_the_model_was_shown_become_sources():
    sources = [{"title": "Returns", "url": "/help/returns/"}, {"title": "Delivery", "url": "/help/delivery/"}]
    assert sources_cited(sources, [2, 7, 0, 1]) == [sources[1], sources[0]]
