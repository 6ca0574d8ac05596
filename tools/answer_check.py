"""`python -m tools.answer_check FILES`: what the help-answer check (rag/answerability.py) does to local help answers.

FILES are CSVs with `text` and, where known, `answered` ("yes" / "no": whether the help centre answers the
question) or `expected_route` (a routing set), and `slug`, `heading` (the section that answers it, or the nearest
one). The language is the `lang` column's, else the file's name (`nl.csv`), else the router's reading, as the chat
answers it. For each language: the messages the router answers from the help centre, and of those the share the
check sends to the strong model, for the questions the help centre does not answer, the ones it answers with the
section shown, and the ones it answers with another section.
"""
from __future__ import annotations

import argparse
import csv
from collections import Counter, defaultdict
from pathlib import Path

from tools.django_setup import django_start


def help_answer_routed(router, text: str, language: str):  # type: ignore[no-untyped-def]
    """(the help answer, the decision after the check) for a message `router` answers from the help centre, as the
    chat does (support/services/replies.py) in the reply's `language`; None for any other message."""
    from support.services.answers import INTENT_DOCUMENTS, knowledge_answer
    from support.services.order_help import ORDER_INTENTS
    from support.services.routing import help_answer_checked

    decision = router.decide(text)
    if decision.route != "local" or decision.intent in ORDER_INTENTS or decision.intent not in INTENT_DOCUMENTS:
        return None
    answer = knowledge_answer(intent=decision.intent, vector=decision.vector, text=text, language=language,
                              meaning=decision.meaning)
    return answer, help_answer_checked(decision, answer, text=text, language=language)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    django_start()
    from django.utils.text import slugify

    from rag.router.languages import LANGUAGES
    from rag.router.serving import router_get

    router = router_get()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name in args.files:
        with open(name, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            language = row.get("lang") or (Path(name).stem if Path(name).stem in LANGUAGES
                                           else router.decide(row["text"]).language)
            routed = help_answer_routed(router, row["text"], language)
            if routed is None:
                continue
            answer, checked = routed
            if row.get("answered", "yes") == "no":
                kind = "unanswered"
            elif row.get("slug") and f"/help/{row['slug']}/#{slugify(row['heading'])}" in (answer.help_section or ""):
                kind = "right section"
            elif row.get("slug"):
                kind = "other section"
            elif row.get("expected_route"):  # a routing set: what the message needs
                expected = row["expected_route"].split("|")[0]  # "off_topic|llm": declined, or the strong model's
                kind = "expected local" if expected == "local" else f"expected {expected}"
            else:
                kind = "answerable"
            for group in (language, "all"):
                counts[group][kind] += 1
                counts[group][f"{kind} escalated"] += checked.route == "llm"
    for group, count in sorted(counts.items(), key=lambda item: (item[0] == "all", item[0])):
        parts = []
        for kind in ("unanswered", "right section", "other section", "answerable", "expected local", "expected llm",
                     "expected human", "expected off_topic"):
            if count[kind]:
                parts.append(f"{kind} {count[f'{kind} escalated']}/{count[kind]} "
                             f"({100 * count[f'{kind} escalated'] / count[kind]:.0f}%)")
        print(f"{group:4s} escalated: " + ", ".join(parts))


if __name__ == "__main__":
    main()
