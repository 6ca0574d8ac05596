"""What the LLM guard looks for, in every language the shop answers in: data, one entry per language.

The strong model answers in the customer's language (support/prompts/system.md), so a promise of money ("Ihre
Erstattung wurde veranlasst", "le remboursement a été effectué") or an attempt to rewrite its instructions ("ignoriere
alle vorherigen Anweisungen") reads in that language too. Each language lists:

- `money`: words for money going back to the customer (refund, compensation, credit, discount, voucher...);
- `granted`: words saying it is done or certain (approved, issued, processed, granted, on its way, guaranteed);
- `we_pay`: the shop saying it pays, first person ("we will refund", "wir erstatten", "je vais vous rembourser");
- `you_get`: the customer told they will get money back ("you'll receive a refund", "u krijgt uw geld terug");
- `ignore_instructions`: "ignore / forget / disregard ... instructions / rules / prompt", in the language's order.

A promise is `money` followed within 40 characters by `granted`, or `we_pay`, or `you_get`. Staff decide refunds
(the human tier); a reply that promises one is replaced by a handoff (support/services/escalation.py). The examples
each language must catch and must leave alone are in tests/support/test_guard_phrases.py. Patterns are matched
case-insensitively on the text as written (accents included); `\\w*` takes the endings.
"""
from __future__ import annotations

import re

GUARD_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "money": r"refund|reimburs|compensat|credit|discount|voucher|pay you|money back",
        "granted": r"approved|issued|processed|granted|on (?:its|the) way|guaranteed",
        "we_pay": r"\b(?:i|we)(?:'ve| have|'ll| will| can| shall)\b.{0,30}\b(?:refund|reimburse|compensate|credit|pay)\w*",
        "you_get": r"\byou(?:'ll| will)\b.{0,20}\b(?:get|receive|be given)\b.{0,25}\b(?:refund|money back|"
                   r"reimbursement|compensation|discount|voucher)",
        "ignore_instructions": r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|rules|prompt|"
                               r"guidelines|above|previous)\b",
    },
    "nl": {
        "money": r"terugbetal|terugstort|restitutie|vergoeding|compensatie|tegoed|korting|voucher|geld terug",
        "granted": r"goedgekeurd|uitgevoerd|verwerkt|toegekend|onderweg|gegarandeerd|overgemaakt|teruggestort",
        "we_pay": r"\b(?:ik|wij|we)\b.{0,25}\b(?:terugbetalen|terugstorten|vergoeden|crediteren|compenseren|"
                  r"betalen\b.{0,30}\bterug|storten\b.{0,30}\bterug|maken\b.{0,30}\bover)",
        "you_get": r"\b(?:u|je|jij)\s+(?:krijgt|ontvangt)\b.{0,40}\b(?:geld terug|terugbetaling|vergoeding|tegoed|"
                   r"korting|compensatie|voucher)",
        "ignore_instructions": r"\b(?:negeer|vergeet)\b.{0,40}\b(?:instructies|prompt|richtlijnen)\b",
    },
    "de": {
        "money": r"rückerstatt|erstattung|gutschrift|entschädigung|rabatt|gutschein|geld zurück",
        "granted": r"genehmigt|veranlasst|bearbeitet|gewährt|unterwegs|garantiert|überwiesen|ausgezahlt|angewiesen",
        "we_pay": r"\b(?:ich|wir)\b.{0,30}\b(?:erstatten|zurückerstatten|gutschreiben|entschädigen|zurückzahlen|"
                  r"überweisen)\b|\b(?:ich|wir) (?:erstatte|erstatten) (?:ihnen|dir)\b",
        "you_get": r"\b(?:sie|du)\s+(?:erhalten|bekommen|erhältst|bekommst)\b.{0,40}\b(?:rückerstattung|erstattung|"
                   r"gutschrift|geld zurück|entschädigung|gutschein|rabatt)",
        "ignore_instructions": r"\b(?:ignorier\w*|vergiss|vergessen sie|missachte\w*)\b.{0,40}\b(?:anweisungen|"
                               r"prompt|vorgaben|instruktionen)\b",
    },
    "fr": {
        "money": r"rembours|dédommag|indemnis|(?:un|votre|d'un) avoir|réduction|bon d'achat|geste commercial",
        "granted": r"approuvé|accordé|effectué|traité|validé|en route|garanti|versé|viré",
        "we_pay": r"\b(?:je|nous)\b.{0,30}\b(?:rembourser|rembourserons|rembourserai|remboursons|dédommager|"
                  r"indemniser|créditer|verser)\b|\bnous vous (?:remboursons|dédommageons)\b",
        "you_get": r"\bvous\s+(?:recevrez|allez recevoir|obtiendrez)\b.{0,40}\b(?:rembours|dédommag|indemnis|"
                   r"avoir|réduction|bon d'achat)|\bvous serez (?:rembours|dédommag|indemnis)",
        "ignore_instructions": r"\b(?:ignore[zs]?|oublie[zs]?)\b.{0,40}\b(?:instructions|consignes|prompt)\b",
    },
    "es": {
        "money": r"reembols|devolución del dinero|compensación|indemnización|descuento|cupón|vale (?:de compra|regalo|"
                 r"descuento)|abono",
        "granted": r"aprobad[oa]|emitid[oa]|procesad[oa]|concedid[oa]|en camino|garantizad[oa]|realizad[oa]|"
                   r"transferid[oa]",
        "we_pay": r"\b(?:te|le|les)?\s*(?:voy a|vamos a|hemos|he|podemos)\b.{0,20}\b(?:reembolsar|devolver el dinero|"
                  r"compensar|abonar|indemnizar)\w*|\breembolsaremos\b|\bte devolvemos el dinero\b",
        "you_get": r"\b(?:recibirás|recibirá|obtendrás|obtendrá|tendrás|tendrá)\b.{0,40}\b(?:reembolso|devolución|"
                   r"compensación|descuento|cupón|abono|vale)",
        "ignore_instructions": r"\b(?:ignora|olvida|olvídate de)\b.{0,40}\b(?:instrucciones|prompt)\b",
    },
    "it": {
        "money": r"rimbors|risarciment|indennizz|compensazion|sconto|buono (?:sconto|regalo|acquisto)|accredit",
        "granted": r"approvat[oa]|emess[oa]|elaborat[oa]|concess[oa]|in arrivo|garantit[oa]|effettuat[oa]",
        "we_pay": r"\b(?:rimborseremo|rimborserò|rimborsiamo|accrediteremo|risarciremo|compenseremo|"
                  r"ti rimborso|la rimborso)\b",
        "you_get": r"\b(?:riceverà|riceverai|otterrà|otterrai|avrà|avrai)\b.{0,40}\b(?:rimborso|risarcimento|sconto|"
                   r"buono|accredito|indennizzo)",
        "ignore_instructions": r"\b(?:ignora|dimentica|ignori|dimentichi)\b.{0,40}\b(?:istruzioni|prompt)\b",
    },
    "pl": {
        "money": r"zwrot (?:pieniędzy|środków|kosztów|należności)|rekompensat|odszkodowan|rabat|zniżk|"
                 r"bon(?:u|em|y)? (?:towarow|podarunkow|rabatow)|kupon",
        "granted": r"zatwierdzon\w*|wydany|wydano|przetworzon\w*|przyznan\w*|w drodze|gwarantowan\w*|"
                   r"zrealizowan\w*|przelan\w*|zlecon\w*",
        "we_pay": r"\b(?:zwrócimy|zwrócę|oddamy|zrekompensujemy|przelejemy|wypłacimy)\b",
        "you_get": r"\b(?:otrzymasz|otrzyma pan|otrzyma pani|otrzymają państwo|dostaniesz|dostanie pan|"
                   r"dostanie pani)\b.{0,40}\b(?:zwrot|rekompensat|rabat|zniżk|bon|kupon|odszkodowan)",
        "ignore_instructions": r"\b(?:zignoruj|ignoruj|zapomnij)\b.{0,40}\b(?:instrukcje|instrukcji|polecenia|"
                               r"prompt)\b",
    },
    "pt": {
        "money": r"reembols|devolução do dinheiro|compensação|indemnização|indenização|desconto|"
                 r"vale (?:de compras|de desconto|oferta)|cupão|cupom|crédito (?:na|em) loja",
        "granted": r"aprovad[oa]|emitid[oa]|processad[oa]|concedid[oa]|a caminho|garantid[oa]|efetuad[oa]|"
                   r"transferid[oa]",
        "we_pay": r"\b(?:vamos|vou|iremos|podemos)\b.{0,20}\b(?:reembolsar|devolver o (?:seu )?dinheiro|compensar|"
                  r"indemnizar|creditar)\w*|\breembolsaremos\b",
        "you_get": r"\b(?:receberá|receberás|vai receber|irá receber|terá direito a)\b.{0,40}\b(?:reembolso|"
                   r"compensação|desconto|vale|crédito|indemnização)",
        "ignore_instructions": r"\b(?:ignore|ignora|esqueça|esquece)\b.{0,40}\b(?:instruções|prompt|diretrizes)\b",
    },
}


def _promise(phrases: dict[str, str]) -> str:
    return (rf"\b(?:{phrases['money']})\w*\b.{{0,40}}\b(?:{phrases['granted']})\b|"
            rf"{phrases['we_pay']}|{phrases['you_get']}")


MONEY_PROMISE = re.compile("|".join(f"(?:{_promise(p)})" for p in GUARD_PHRASES.values()), re.IGNORECASE)
IGNORE_INSTRUCTIONS = re.compile("|".join(f"(?:{p['ignore_instructions']})" for p in GUARD_PHRASES.values()),
                                 re.IGNORECASE)
