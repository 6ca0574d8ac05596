"""Check the second realistic held-out set before it is used: every language file parses
with the csv module, has 60 rows, the four columns, a route the router can give, the
file's own language, no empty text and no message twice; prints the counts per route.

Run: python tests/data/realistic_holdout_2/check_files.py
"""
from __future__ import annotations

import collections
import csv
import pathlib
import sys

FOLDER = pathlib.Path(__file__).resolve().parent
LANGUAGES = ("en", "nl", "de", "fr", "es", "it", "pl", "pt")
ROUTES = ("local", "human", "llm", "off_topic")
COLUMNS = ["text", "intent", "expected_route", "lang"]
ROWS_PER_LANGUAGE = 60


def problems_of(lang: str) -> tuple[list[str], collections.Counter]:
    """The problems found in one language's file and its count of rows per route."""
    problems: list[str] = []
    with open(FOLDER / f"{lang}.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            problems.append(f"{lang}: columns {reader.fieldnames}, expected {COLUMNS}")
        rows = list(reader)
    if len(rows) != ROWS_PER_LANGUAGE:
        problems.append(f"{lang}: {len(rows)} rows, expected {ROWS_PER_LANGUAGE}")
    for number, row in enumerate(rows, start=2):
        if None in row or any(value is None for value in row.values()):
            problems.append(f"{lang}:{number}: wrong number of fields")
            continue
        if not row["text"].strip() or not row["intent"].strip():
            problems.append(f"{lang}:{number}: empty text or intent")
        if row["expected_route"] not in ROUTES:
            problems.append(f"{lang}:{number}: route {row['expected_route']!r}")
        if row["lang"] != lang:
            problems.append(f"{lang}:{number}: lang {row['lang']!r}")
    texts = collections.Counter(row.get("text") for row in rows)
    problems += [f"{lang}: twice: {text!r}" for text, count in texts.items() if count > 1]
    return problems, collections.Counter(row.get("expected_route") for row in rows)


def main() -> int:
    problems: list[str] = []
    total: collections.Counter = collections.Counter()
    for lang in LANGUAGES:
        found, routes = problems_of(lang)
        problems += found
        total += routes
        print(lang, " ".join(f"{route} {routes[route]}" for route in ROUTES))
    print("all", " ".join(f"{route} {total[route]}" for route in ROUTES), "=", sum(total.values()))
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
