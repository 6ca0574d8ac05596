"""`python -m tools.help_sections [FILES]`: which English help section answers a message in another language.

For every message of FILES (default: the own held-out sets in tests/data/) that the router answers from the
help centre in a language other than English, the section the English pages give when read with MiniLM (the
English index) and when read with the multilingual encoder (the index Italian, Polish and Portuguese are
answered from). Dutch, German, French and Spanish have pages of their own, aligned section by section with the
English ones, so their own page's section is the reference for those two; for the other three languages the
tool counts where the two differ and, with --judge FILE, writes those messages and both passages, in random
order, for a blind judgement (and FILE.key.json saying which was which).
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import random
from collections import Counter, defaultdict

from tools.django_setup import django_start

HELD_OUT = ["tests/data/realistic_holdout*/*.csv", "tests/data/router_holdout*.csv"]


def _section(source: dict[str, str], language: str) -> tuple[str, int]:
    """(slug, position of the section in its page) of an answer's source: the same in every language."""
    from django.utils.text import slugify

    from rag.documents import document_get, document_passages

    slug, anchor = source["url"].split("/help/")[1].split("/#")
    document = document_get(slug=slug, language=language)
    anchors = [slugify(p.heading) for p in document_passages(document)] if document else []
    return slug, anchors.index(anchor) if anchor in anchors else -1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*")
    parser.add_argument("--judge", help="write the Italian, Polish and Portuguese differences here, blind")
    parser.add_argument("--english", action="store_true",
                        help="compare on English messages instead: the English pages read with MiniLM or with the "
                             "multilingual encoder (the differences go to --judge)")
    args = parser.parse_args()
    django_start()
    from rag.documents import ENGLISH, HELP_LANGUAGES, document_list, document_passages
    from rag.encoder import encoder_get
    from rag.router.multilingual_model import ENCODER
    from rag.router.serving import router_get
    from support.services.answers import INTENT_DOCUMENTS, knowledge_answer
    from support.services.order_help import ORDER_INTENTS

    files = args.files or sorted(f for pattern in HELD_OUT for f in glob.glob(pattern))
    texts = [row["text"] for f in files for row in csv.DictReader(open(f, encoding="utf-8"))]
    router = router_get()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    differences = []
    for text in texts:
        decision = router.decide(text)
        english = decision.language == ENGLISH
        if (decision.route != "local" or english != args.english or decision.intent in ORDER_INTENTS
                or decision.intent not in INTENT_DOCUMENTS):
            continue
        vector = decision.vector
        if english:
            vector = encoder_get(ENCODER).encode_one(router.read(text))
        minilm = knowledge_answer(intent=decision.intent, vector=None, text=text, language=ENGLISH)
        multilingual = knowledge_answer(intent=decision.intent, vector=vector, text=text, language="it")
        sections = _section(minilm.sources[0], ENGLISH), _section(multilingual.sources[0], ENGLISH)
        count = counts[decision.language]
        count["help answers"] += 1
        if decision.language in HELP_LANGUAGES:
            own = knowledge_answer(intent=decision.intent, vector=decision.vector, text=text,
                                   language=decision.language)
            reference = _section(own.sources[0], decision.language)
            count["MiniLM = own page"] += sections[0] == reference
            count["multilingual = own page"] += sections[1] == reference
        elif sections[0] != sections[1]:
            count["differ"] += 1
            differences.append((text, decision.language, sections))
    for language, count in sorted(counts.items()):
        print(language, dict(count))
    if args.judge:
        passages = {(d.slug, i): p for d in document_list(ENGLISH) for i, p in enumerate(document_passages(d))}
        blind_write(args.judge, [(text, language, {"minilm": passages[minilm], "multilingual": passages[multilingual]})
                                 for text, language, (minilm, multilingual) in differences])


def blind_write(path: str, differences: list, seed: int = 7) -> None:  # type: ignore[type-arg]
    """Write `differences` ((message, language, {way: passage shown}) with two ways each) to `path` for a blind
    judgement, each pair in random order as [A] and [B], and beside it `path`.key.json saying which way was which."""
    shuffle = random.Random(seed)
    items, key = [], []
    for number, (text, language, shown_by_way) in enumerate(differences, start=1):
        order = list(shown_by_way.items())
        shuffle.shuffle(order)
        items.append(f"### Item {number}\nCustomer ({language}): {text}\n\n"
                     + "\n\n".join(f"[{label}] {p.title}: {p.heading}\n{p.text}" for label, (_, p) in zip("AB", order)))
        key.append({"item": number, "lang": language, "A": order[0][0], "B": order[1][0]})
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n\n".join(items) + "\n")
    with open(path + ".key.json", "w", encoding="utf-8") as out:
        json.dump(key, out, indent=1)


if __name__ == "__main__":
    main()
