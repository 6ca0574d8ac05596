"""The router's decisions on a file of messages, from one saved artifact: `python tools/router_decisions.py IN OUT`.

Why: to show that two versions of the code decide alike (#17: a restructure changes no decision),
run this file against each checkout, on the same messages and the same artifact, and compare
the two outputs row by row. So it imports only what every version since the multilingual router
has (`RouterModel.load`, `MultilingualModel.load`, `IntentRouter`, `LanguageRouter`,
`MultilingualRouter`, `encoder_get`), and nothing from `tools`:

    cd <checkout> && SHOPPE_DATA_DIR=<dir with router/ and router-multilingual/> \
        PYTHONPATH=$PWD python <this file> messages.txt decisions.csv

The artifact is loaded as it is, never checked for staleness or retrained (a checkout whose
exemplars differ would otherwise train its own). IN has one message a line; OUT gets each
message's route, intent, language, reason, confidence and its scores, floats written exactly
(shortest round-trip form), and no latency, the only thing that may differ.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

FIELDS = ["text", "route", "intent", "language", "reason", "confidence", "scores"]


def router_from_artifacts():  # type: ignore[no-untyped-def]  # the checkout's own LanguageRouter
    from django.conf import settings

    from rag.encoder import encoder_get
    from rag.router.decide import IntentRouter, LanguageRouter
    from rag.router.model import RouterModel

    multilingual = None
    if settings.RAG_MULTILINGUAL:
        from rag.router.multilingual import MultilingualRouter
        from rag.router.multilingual_model import ENCODER, MultilingualModel

        multilingual = MultilingualRouter(MultilingualModel.load(), encoder_get(ENCODER))
    return LanguageRouter(IntentRouter(RouterModel.load(), encoder_get()), multilingual)


def decisions_write(messages: list[str], out: Path) -> None:
    router = router_from_artifacts()
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for text in messages:
            decision = router.decide(text)
            writer.writerow({"text": text, "route": decision.route, "intent": decision.intent,
                             "language": decision.language, "reason": decision.reason,
                             "confidence": repr(float(decision.confidence)),
                             "scores": json.dumps(decision.scores, sort_keys=True, default=repr)})


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit("usage: python tools/router_decisions.py MESSAGES.txt DECISIONS.csv")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoppe.settings")
    import django

    django.setup()
    messages = [line for line in Path(argv[0]).read_text(encoding="utf-8").splitlines() if line.strip()]
    decisions_write(messages, Path(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
