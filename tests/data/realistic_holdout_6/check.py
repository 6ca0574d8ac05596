"""Check the holdout6 CSV files (all 8 languages; missing src files are skipped).

Per file: 64 rows; 24 local (>= 20 different routine intents, exactly one
check_refund_policy and one track_refund), 8 get_refund, 4 contact_human_agent,
14 needs_reasoning, 14 off_topic; routes consistent with intents; known
intents only; lang column equal to the file's language; CSV identical to src.
Across all files: no exact or near duplicate texts (case, spacing and
punctuation folded).
"""
import csv
import os
import re
import sys

sys.dont_write_bytecode = True
import unicodedata
from collections import Counter

from build import HERE, LANGS, ROUTE, load_rows

EXPECT_ROUTE = {"local": 24, "human": 12, "llm": 14, "off_topic": 14}
EXPECT_INTENT = {"get_refund": 8, "contact_human_agent": 4,
                 "needs_reasoning": 14, "off_topic": 14,
                 "check_refund_policy": 1, "track_refund": 1}
MIN_ROUTINE_INTENTS = 20
HEADER = ["text", "intent", "expected_route", "lang"]


def norm(text):
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"[^\w]+", " ", t)
    return " ".join(t.split())


def main():
    errors = []
    seen = {}
    total = 0
    for lang in LANGS:
        src = load_rows(lang)
        if src is None:
            print(f"{lang}: no src file, skipped")
            continue
        path = os.path.join(HERE, lang + ".csv")
        if not os.path.exists(path):
            errors.append(f"{lang}: src exists but {lang}.csv missing (run build.py)")
            continue
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        if rows[0] != HEADER:
            errors.append(f"{lang}: bad header {rows[0]}")
        data = rows[1:]
        if [(r[0], r[1]) for r in data] != [tuple(r) for r in src]:
            errors.append(f"{lang}: csv differs from src (run build.py)")
        routes, intents = Counter(), Counter()
        for n, r in enumerate(data, 2):
            if len(r) != 4:
                errors.append(f"{lang}.csv:{n}: {len(r)} columns")
                continue
            text, intent, route, lg = r
            if not text.strip():
                errors.append(f"{lang}.csv:{n}: empty text")
            if intent not in ROUTE:
                errors.append(f"{lang}.csv:{n}: unknown intent {intent!r}")
            elif ROUTE[intent] != route:
                errors.append(f"{lang}.csv:{n}: route {route!r} != {ROUTE[intent]!r}")
            if lg != lang:
                errors.append(f"{lang}.csv:{n}: lang column {lg!r}")
            key = norm(text)
            if key in seen:
                errors.append(f"{lang}.csv:{n}: duplicate of {seen[key]}: {text!r}")
            else:
                seen[key] = f"{lang}.csv:{n}"
            routes[route] += 1
            intents[intent] += 1
        total += len(data)
        routine = sorted(i for i in intents if ROUTE.get(i) == "local")
        print(f"{lang}: {len(data)} rows | " +
              " ".join(f"{k}={routes[k]}" for k in EXPECT_ROUTE) +
              f" | get_refund={intents['get_refund']} "
              f"contact_human_agent={intents['contact_human_agent']} "
              f"| {len(routine)} routine intents")
        if len(data) != 64:
            errors.append(f"{lang}: {len(data)} rows, expected 64")
        for k, v in EXPECT_ROUTE.items():
            if routes[k] != v:
                errors.append(f"{lang}: route {k}={routes[k]}, expected {v}")
        for k, v in EXPECT_INTENT.items():
            if intents[k] != v:
                errors.append(f"{lang}: intent {k}={intents[k]}, expected {v}")
        if len(routine) < MIN_ROUTINE_INTENTS:
            errors.append(f"{lang}: only {len(routine)} routine intents")
    print(f"total rows: {total}")
    if errors:
        print(f"{len(errors)} PROBLEM(S):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
