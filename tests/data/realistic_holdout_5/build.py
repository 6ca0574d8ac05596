"""Writes {lang}.csv from the hand-written rows in src/{lang}.py."""
import csv, importlib.util, os

HERE = os.path.dirname(os.path.abspath(__file__))
LANGS = ["en", "nl", "de", "fr", "es", "it", "pl", "pt"]
ROUTE = {"get_refund": "human", "contact_human_agent": "human", "complaint": "human",
         "needs_reasoning": "llm", "off_topic": "off_topic"}

for lang in LANGS:
    spec = importlib.util.spec_from_file_location(lang, os.path.join(HERE, "src", lang + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with open(os.path.join(HERE, lang + ".csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "intent", "expected_route", "lang"])
        for text, intent in mod.ROWS:
            w.writerow([text, intent, ROUTE.get(intent, "local"), lang])
