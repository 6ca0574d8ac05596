"""`python -m tools.english_audit FILE...`: what the English router's audit costs and buys, per file.

Every English message (by its `lang` column, else every row) is decided twice: by the multilingual router
alone and as the site decides it, audited by the English router (`rag.router.decide.english_audited`). Prints
each decision's share routed right, the refund demands each answers, and how the audit changed routes (whether
the change made a wrong route right, a right one wrong, or neither, and by which of the English router's reasons). Aggregates only: it reads no message out.
"""
from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from tools.django_setup import django_start


def audit_compare(path: Path) -> tuple[Counter, Counter]:
    from rag.evaluation import rows_read
    from rag.router.decide import english_audited
    from rag.router.languages import ENGLISH, language_guess
    from rag.router.serving import router_get

    router = router_get()
    counts: Counter = Counter()
    changes: Counter = Counter()
    for row in rows_read(path):
        if row.get("lang", ENGLISH) != ENGLISH:
            continue
        text = router.read(row["text"])
        if language_guess(text)[0] != ENGLISH:  # the site decides these with the multilingual router alone
            counts["not read as English"] += 1
            continue
        expected = set(row["expected_route"].split("|"))
        alone = router.multilingual.decide(text)
        audited = english_audited(alone, router.english.decide(text))
        counts["messages"] += 1
        counts["right alone"] += alone.route in expected
        counts["right audited"] += audited.route in expected
        if row.get("intent") == "get_refund" and expected == {"human"}:
            counts["refunds answered alone"] += alone.route == "local"
            counts["refunds answered audited"] += audited.route == "local"
        if audited.route != alone.route:
            effect = ("made right" if audited.route in expected and alone.route not in expected
                      else "made wrong" if alone.route in expected and audited.route not in expected else "neither")
            changes[(alone.route, audited.route, effect, _reason_kind(audited.reason))] += 1
    return counts, changes


def _reason_kind(reason: str) -> str:
    """The audit's reason without the message's own words (the names it found): which of its rules changed the route."""
    reason = reason.split(" (English router's audit", 1)[0]
    return re.sub(r"^about .*, not this shop$", "about <another organisation>, not this shop",
                  re.sub(r"close second to \w+", "close second to <intent>", reason))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    django_start()
    for path in args.files:
        counts, changes = audit_compare(path)
        n = counts["messages"] or 1
        print(f"{path}: {counts['messages']} English messages; routed right alone {counts['right alone'] / n:.1%}, "
              f"audited {counts['right audited'] / n:.1%}; refund demands answered alone "
              f"{counts['refunds answered alone']}, audited {counts['refunds answered audited']}")
        for (before, after, effect, why), count in sorted(changes.items()):
            print(f"    {before} -> {after}: {count} ({effect}; {why})")


if __name__ == "__main__":
    main()
