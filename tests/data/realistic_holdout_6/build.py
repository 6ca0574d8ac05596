"""Build /work/holdout6/<lang>.csv from /work/holdout6/src/<lang>.py.

Handles all 8 languages of holdout6 (en, nl, de, fr, es, it, pl, pt);
a language whose src file does not exist yet is skipped.
"""
import csv
import importlib.util
import os
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
LANGS = ["en", "nl", "de", "fr", "es", "it", "pl", "pt"]

LOCAL = [
    "create_account", "delete_account", "edit_account", "recover_password",
    "registration_problems", "switch_account", "cancel_order", "change_order",
    "place_order", "track_order", "check_cancellation_fee", "delivery_options",
    "delivery_period", "change_shipping_address", "set_up_shipping_address",
    "check_invoice", "get_invoice", "check_payment_methods", "payment_issue",
    "check_refund_policy", "track_refund", "return_item",
    "contact_customer_service", "newsletter_subscription", "review", "warranty",
    "gift_card", "product_question", "greeting",
]
ROUTE = {i: "local" for i in LOCAL}
ROUTE.update({
    "get_refund": "human",
    "contact_human_agent": "human",
    "needs_reasoning": "llm",
    "off_topic": "off_topic",
})


def load_rows(lang):
    path = os.path.join(SRC, lang + ".py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("holdout6_src_" + lang, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.ROWS)


def main():
    for lang in LANGS:
        rows = load_rows(lang)
        if rows is None:
            print(f"{lang}: no src file, skipped")
            continue
        out = os.path.join(HERE, lang + ".csv")
        with open(out, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["text", "intent", "expected_route", "lang"])
            for text, intent in rows:
                if intent not in ROUTE:
                    sys.exit(f"{lang}: unknown intent {intent!r} for {text!r}")
                w.writerow([text, intent, ROUTE[intent], lang])
        print(f"{lang}: wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
