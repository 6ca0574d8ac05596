"""Answerability by agreement: is the page the router's intent names among the help pages most like the message?

For every labelled message the router answers locally from the help centre, it ranks the help pages by the
message's best passage (the vector routing computed) and reports, for the right and the wrong local answers
apart, how many have their intent's page (support/services/answers.py `INTENT_DOCUMENTS`) in the top 1, 2 or
3 pages: what a check "answer only when the two agree" would keep. Measured in session 18 (README, issue #14):
the wrong answers agree as often as the right ones, so the check was not built.

    SHOPPE_DATA_DIR=$PWD/.data/test .venv/bin/python -m tools.answerability tests/data/realistic_holdout/*.csv
"""
from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

import numpy as np

TOPS = (1, 2, 3)


def page_rank(decision, text: str) -> int:  # type: ignore[no-untyped-def]
    """The rank (0 = most like the message) of the first page the decision's intent names; 99 when none is ranked."""
    from support.services.answers import INTENT_DOCUMENTS, help_search

    index, vector, _ = help_search(vector=decision.vector, text=text, language=decision.language)
    pages: list[str] = []
    for row in np.argsort(-index.passage_scores(vector), kind="stable"):
        slug = index.passages[row].slug
        if slug not in pages:
            pages.append(slug)
    wanted = INTENT_DOCUMENTS[decision.intent]
    return next((rank for rank, slug in enumerate(pages) if slug in wanted), 99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="+", type=Path, help="labelled messages (text, expected_route)")
    files = parser.parse_args().csv

    from tools.django_setup import django_start

    django_start()
    from rag.router.serving import router_get
    from support.services.answers import INTENT_DOCUMENTS

    router = router_get()
    counts: Counter[tuple[bool, str]] = Counter()
    for path in files:
        for row in csv.DictReader(path.open(newline="", encoding="utf-8")):
            decision = router.decide(row["text"])
            if decision.route != "local" or decision.intent not in INTENT_DOCUMENTS:
                continue
            right = decision.route in row["expected_route"].split("|")
            rank = page_rank(decision, row["text"])
            counts[(right, "answers")] += 1
            for top in TOPS:
                counts[(right, f"top {top}")] += rank < top
    for right in (True, False):
        kept = " / ".join(str(counts[(right, f"top {top}")]) for top in TOPS)
        print(f"{'right' if right else 'wrong'} local answers: {counts[(right, 'answers')]}; "
              f"kept by a check at the top {' / '.join(map(str, TOPS))} pages: {kept}")


if __name__ == "__main__":
    main()
