"""The help passages an answer of the strong model cites: shown under it as its sources, the markers taken out.

The model reads the help passages numbered (`<help_passage number="2" ...>`, support/llm/prompt.py) and is told to
cite a passage after a sentence it drew from it, as "[2]" (support/prompts/system.md). The search hands it several
passages as context, and not all of them answer the question: showing them all as sources put a page about Klarna
under an answer about a wobbly table. Only the passages the answer cites are its sources; an answer that cites none
shows none. The customer reads the text without the markers.
"""
from __future__ import annotations

import re

# " [2]", "[1, 3]", "[1][2]": a number of one or two digits in square brackets. The redactor's placeholders
# ("[EMAIL_1]") have letters, so they are never read as citations.
CITATION = re.compile(r" ?\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")


def citations_taken_out(text: str) -> tuple[str, list[int]]:
    """`text` without its citation markers, and the passage numbers it cites, in order of first citation."""
    cited: list[int] = []
    for match in CITATION.finditer(text):
        for number in re.findall(r"\d+", match.group(1)):
            if int(number) not in cited:
                cited.append(int(number))
    return CITATION.sub("", text), cited


def sources_cited(sources: list[dict], cited: list[int]) -> list[dict]:
    """The sources (numbered from 1, as the model read them) that `cited` names; numbers it was never shown are
    ignored."""
    return [sources[number - 1] for number in cited if 1 <= number <= len(sources)]
