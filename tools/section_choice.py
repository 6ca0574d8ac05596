"""`python -m tools.section_choice [FILES] [--judge FILE]`: what the learned section ranker changes in help answers.

For every message of FILES (default: the own realistic held-out sets in tests/data/) that the router answers from the
help centre, the section shown with the ranker (rag/section_choice.py) and without it (similarity, rare words and
boosts alone), in the language the chat answers in. Prints, per language, how many help answers there are and how
many changed; with --judge FILE writes the changed ones, both sections in random order, for a blind judgement (and
FILE.key.json saying which was which).
"""
from __future__ import annotations

import argparse
import csv
import glob
from collections import Counter, defaultdict

from tools.django_setup import django_start
from tools.help_sections import blind_write

HELD_OUT = ["tests/data/realistic_holdout*/*.csv"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*")
    parser.add_argument("--judge", help="write the changed answers here, blind")
    args = parser.parse_args()
    django_start()
    from rag.router.serving import router_get
    from support.services.answers import INTENT_DOCUMENTS, help_search, knowledge_answer
    from support.services.order_help import ORDER_INTENTS

    files = args.files or sorted(f for pattern in HELD_OUT for f in glob.glob(pattern))
    rows = [row for f in files for row in csv.DictReader(open(f, encoding="utf-8"))]
    router = router_get()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    differences = []
    for row in rows:
        text = row["text"]
        decision = router.decide(text)
        if decision.route != "local" or decision.intent in ORDER_INTENTS or decision.intent not in INTENT_DOCUMENTS:
            continue
        language = row.get("lang") or decision.language
        ranked = knowledge_answer(intent=decision.intent, vector=decision.vector, text=text, language=language,
                                  meaning=decision.meaning)
        counts[language]["help answers"] += 1
        if ranked.first_guess_section is None:
            continue
        counts[language]["changed"] += 1
        index = help_search(vector=decision.vector, text=text, language=language)[0]
        shown = {way: index.passages[index.row_of(url)]
                 for way, url in (("ranker", ranked.help_section), ("similarity", ranked.first_guess_section))}
        differences.append((text, language, shown))
    for language, count in sorted(counts.items()):
        print(language, dict(count))
    print("all", dict(sum(counts.values(), Counter())))
    if args.judge:
        blind_write(args.judge, differences)


if __name__ == "__main__":
    main()
