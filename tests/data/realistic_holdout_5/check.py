"""Checks the holdout5 CSV files: counts, intents, routes, lang column, duplicates."""
import csv, os, sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
LANGS = ["en", "nl", "de", "fr", "es", "it", "pl", "pt"]
INTENTS = set("""cancel_order change_order change_shipping_address check_cancellation_fee
check_invoice check_payment_methods check_refund_policy complaint contact_customer_service
contact_human_agent create_account delete_account delivery_options delivery_period edit_account
get_invoice get_refund gift_card greeting needs_reasoning newsletter_subscription off_topic
payment_issue place_order product_question recover_password registration_problems review
set_up_shipping_address switch_account track_order track_refund return_item warranty""".split())
ROUTE = {"get_refund": "human", "contact_human_agent": "human", "complaint": "human",
         "needs_reasoning": "llm", "off_topic": "off_topic"}
WANT_ROUTES = {"local": 24, "human": 12, "llm": 14, "off_topic": 10}

errors = []
seen_all = {}
for lang in LANGS:
    path = os.path.join(HERE, lang + ".csv")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    if header != ["text", "intent", "expected_route", "lang"]:
        errors.append(f"{lang}: bad header {header}")
    if len(rows) != 60:
        errors.append(f"{lang}: {len(rows)} rows, expected 60")
    for i, r in enumerate(rows, 2):
        if len(r) != 4:
            errors.append(f"{lang}:{i}: {len(r)} columns"); continue
        text, intent, route, l = r
        if not text.strip():
            errors.append(f"{lang}:{i}: empty text")
        if intent not in INTENTS:
            errors.append(f"{lang}:{i}: unknown intent {intent}")
        if route != ROUTE.get(intent, "local"):
            errors.append(f"{lang}:{i}: route {route} wrong for {intent}")
        if l != lang:
            errors.append(f"{lang}:{i}: lang {l}")
        key = " ".join(text.lower().split())
        if key in seen_all:
            errors.append(f"{lang}:{i}: duplicate text (also {seen_all[key]}): {text!r}")
        seen_all[key] = f"{lang}:{i}"
    routes = Counter(r[2] for r in rows)
    intents = Counter(r[1] for r in rows)
    local_intents = {r[1] for r in rows if r[2] == "local"}
    if dict(routes) != WANT_ROUTES:
        errors.append(f"{lang}: route counts {dict(routes)}")
    if intents["get_refund"] != 8 or intents["contact_human_agent"] != 4:
        errors.append(f"{lang}: get_refund={intents['get_refund']} contact_human_agent={intents['contact_human_agent']}")
    if len(local_intents) < 15:
        errors.append(f"{lang}: only {len(local_intents)} distinct local intents")
    for need in ("check_refund_policy", "track_refund"):
        if need not in local_intents:
            errors.append(f"{lang}: missing {need}")
    print(f"{lang}: rows={len(rows)} local={routes['local']} human={routes['human']} "
          f"(get_refund={intents['get_refund']}, contact_human_agent={intents['contact_human_agent']}) "
          f"llm={routes['llm']} off_topic={routes['off_topic']} distinct_local_intents={len(local_intents)}")

print(f"total rows={len(seen_all)} unique texts across all files")
if errors:
    print("FAILED:")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("OK: all checks passed")
