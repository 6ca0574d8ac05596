"""Personal data out before a request leaves the server, back in for the customer's eyes.

The one definition of what personal data looks like, in the formats the shop's customers
write it (English, Dutch, German, French, Spanish, and Italian, Polish, Portuguese):
`PERSONAL_DATA` lists the patterns in the order they are applied. The LLM request's
`Redactor` and the log scrubber (support.logs) both use it.

- EMAIL: any address.
- IBAN: a SEPA country code, two check digits and the account, written in one piece or in
  groups of four ("NL91ABNA0417164300", "DE89 3704 0044 0532 0130 00"), as long as that
  country's IBANs are. The check digits are not verified: a mistyped IBAN is still the
  customer's.
- CARD: 13 to 19 digits, in groups or not (the redactor also wants a valid Luhn sum).
- PHONE: international ("+31 6 12345678", "+49 30 1234567", "+33 6 12 34 56 78",
  "+34 612 345 678", "0031 6 ..."); national with a trunk 0, Dutch and German style
  ("06-12345678", "020-1234567", "0151 23456789", "030/1234567", "(030) 1234567");
  French pairs ("06 12 34 56 78", "06.12.34.56.78"); Spanish, Polish and Portuguese nine
  digits ("612 34 56 78", "612 345 678"), Italian mobiles ("333 123 4567"); any run of 9
  to 15 digits. Between 9 and 15 digits in all, never a date ("04-12-2026"), never two
  order numbers side by side ("10030 10031": no trunk 0, no country code).
- ADDRESS: a street and its number: "Keizersgracht 12", "Hauptstraße 5", "Berliner
  Straße 12a", "12 rue de Rivoli", "Calle Mayor 3, 2º izq.", "Via Roma 10", "Rua Augusta 25",
  "ul. Marszałkowska 10", "221B Baker Street".
- POSTCODE: a Dutch one ("1015 CN") anywhere; five digits ("10115", "75008", "28013") or a
  Polish or Portuguese one ("00-950", "1100-148") only where they are an address's: after
  a street, before a town ("10115 Berlin"), or after the word for postcode. An order
  number (10030), a price (€1299, 1.299,00) or a date is left as it is.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# SEPA countries and the length of their IBANs.
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
    "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}
IBAN = re.compile(
    rf"(?<![\w])(?:{'|'.join(IBAN_LENGTHS)})\d{{2}}(?:[A-Z0-9]{{11,30}}|(?: ?[A-Z0-9]{{4}}){{2,7}}(?: ?[A-Z0-9]{{1,3}})?)(?![\w])",
    re.IGNORECASE,
)

CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")

_DATE = r"(?!\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d|[./-]\d))"  # 04.12.2026, 4/12/26: not 06.12.34.56.78
PHONE = re.compile(
    r"(?<![\w+])(?<!\d[.,/:-])" + _DATE + r"(?:"
    # international: +31 6 12345678, +49 (0)30 1234567, +33 6 12 34 56 78, +34 612 345 678, 0049 ...
    r"(?:\+|00)[1-9]\d{0,2}[ .-]?(?:\(0\)[ .-]?)?\d{1,4}(?:[ ./-]?\d{2,4}){1,5}"
    # French pairs: 06 12 34 56 78, 06.12.34.56.78, 0612345678
    r"|0[1-9](?P<fr>[ .-]?)\d{2}(?:(?P=fr)\d{2}){3}"
    # trunk 0, Dutch and German: 06-12345678, 020-1234567, 0151 23456789, 030/1234567, (030) 1234567
    r"|\(?0\d{1,4}\)?[ /-]?\d{2,8}(?:[ -]\d{2,4}){0,3}"
    # nine digits, Spanish, Polish, Portuguese: 612 34 56 78, 612 345 678
    r"|[4-9]\d{2}(?P<es>[ .-]?)\d{2}(?P=es)\d{2}(?P=es)\d{2}"
    r"|[4-9]\d{2}(?P<pl>[ .-]?)\d{3}(?P=pl)\d{3}"
    # Italian mobiles: 333 123 4567, 333 1234567
    r"|3\d{2}(?P<it>[ .-]?)\d{3}(?P=it)?\d{3,4}"
    # any other run of digits long enough to be a number someone can be called on
    r"|\d{9,15}"
    r")(?![\w])(?![.,/:-]\d)"
)

_NAME = r"[A-ZÀ-ÖØ-ÞŁŚŻŹĆŃ][\w'’.-]*"  # a capitalised word of a street's name
_NUMBER = r"\d{1,4}(?:\s?[a-zA-Z]\b|-\d{1,4}\b|\s?(?:bis|ter)\b)?"
_DUTCH_GERMAN_SUFFIXES = (
    "straat|gracht|laan|weg|plein|kade|singel|dijk|dreef|hof|steeg|markt|wal|burgwal|haven|park|pad|baan|"
    "straße|strasse|str\\.|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad"
)
ADDRESS = re.compile(
    # Keizersgracht 12, Hauptstraße 5, Van Baerlestraat 12-2, Berliner Straße 12a, Am Alten Markt 3
    rf"\b(?:{_NAME}\s+)?[A-ZÀ-ÖØ-Þ][\w'-]*?(?:{_DUTCH_GERMAN_SUFFIXES})\s?{_NUMBER}"
    rf"|\b{_NAME}\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer)\s+{_NUMBER}"
    # 12 rue de Rivoli, 8 avenue des Champs-Élysées, 3 bis boulevard Haussmann
    r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|all[ée]e|impasse|chemin|quai|cours|"
    rf"route|passage|square)\s+(?:(?:de\s+la|de\s+l'|de|du|des|d')\s*)?{_NAME}(?:\s+{_NAME})*"
    # Calle Mayor 3, 2º izq.; C/ Mayor, 3; Avenida de América 10; Via Roma 10; Rua Augusta 25; ul. Marszałkowska 10
    r"|(?<![\w])(?:Calle|C/|Avenida|Avda\.?|Av\.|Paseo|Plaza|Pza\.|Camino|Carrer|Ronda|Travesía|Glorieta|Via|Viale|"
    r"Piazza|Corso|Largo|Vicolo|Rua|Praça|Travessa|Estrada|ul\.|ulica|al\.|aleja|os\.|pl\.)\s*"
    rf"(?:(?:de\s+la|de\s+los|de\s+las|del|de|da|do|dos|das|di|della|delle)\s+)?{_NAME}(?:\s+{_NAME})*,?\s*"
    r"(?:n\.?\s?º\s*|nº\s*|n\.\s*)?\d{1,4}[a-zA-Z]?\b(?:,?\s*\d{1,2}\s?[ºª°](?:\s*(?:izq(?:da)?|dcha|der|centro|"
    r"izquierda|derecha|[A-Za-z])\b)?\.?)?"
    # 221B Baker Street, 10 Downing St
    r"|\b\d{1,5}[a-zA-Z]?\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*\s+(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|"
    r"Way|Court|Ct|Place|Pl|Square|Sq|Boulevard|Blvd)\b"
)

# Words before a number that make it an order's (or an invoice's), never a postcode.
_ORDER_BEFORE = re.compile(
    r"(?:order|orders|bestelling|bestellingen|bestelnummer|bestellung|bestellnummer|commande|pedido|ordine|zamówienie|"
    r"zamowienie|encomenda|invoice|factuur|rechnung|facture|factura|fattura|faktura|fatura|number|nummer|numéro|"
    r"número|numero|numer|no\.?|nr\.?|nº|n°|#)\s*:?\s*$", re.IGNORECASE)
# Where a number before a town is an address's: on a new line, after a comma or a street, or after
# "in", "to", "nach", "naar", "à", "a", "en", "w", "em", "para", "at", "te", "aus", "uit" (and words for living there).
_ADDRESS_BEFORE = re.compile(
    r"(?:[,\n;]|\]|\b(?:in|to|at|nach|naar|te|uit|aus|à|a|en|w|em|para|de|from|wohne|woon|live|vivo|habite|"
    r"mieszkam|moro|abito))\s*$", re.IGNORECASE)
_POSTCODE_WORD = (r"(?:(?i:postcode|post\s?code|postal\s+code|zip(?:\s?code)?|plz|postleitzahl|code\s+postal|"
                  r"c[óo]digo\s+postal|kod\s+pocztowy|cod\.?\s+postal)|CAP|C\.\s?P\.|CP)")
_TOWN = r"[A-ZÀ-ÖØ-ÞŁŚŻ][a-zà-öø-ÿßłśżźćńąę]+"
POSTCODE = re.compile(
    # Dutch: 1015 CN (never the letters SA, SD or SS), wherever it is written
    r"\b(?P<dutch>[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2})\b"
    # after the word for postcode: PLZ 10115, code postal : 75008, CP 28013, my postcode is 1015cn
    rf"|\b{_POSTCODE_WORD}\s*(?:(?i:is|ist|est|es|è|é|to|jest)\s*)?[:=]?\s*"
    r"(?P<named>\d{4}\s?[A-Za-z]{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{4,5})\b"
    # before a town: 10115 Berlin, 75008 Paris, 28013 Madrid, 00-950 Warszawa, 1100-148 Lisboa
    rf"|(?<![\w.,-])(?P<town>\d{{5}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}})(?=,?\s+{_TOWN}\b)"
)

# In the order they are applied: an IBAN before its digits look like a card or a phone, a
# street before the postcode that follows it.
PERSONAL_DATA: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", EMAIL), ("IBAN", IBAN), ("CARD", CARD), ("PHONE", PHONE), ("ADDRESS", ADDRESS), ("POSTCODE", POSTCODE),
)


def _luhn_ok(digits: str) -> bool:
    total, double = 0, False
    for ch in reversed(digits):
        d = int(ch) * 2 if double else int(ch)
        total += d - 9 if d > 9 else d
        double = not double
    return total % 10 == 0


def _iban_end(value: str) -> int | None:
    """Where the IBAN at the start of `value` ends (a match may run into a following group), or None if it is none."""
    wanted = IBAN_LENGTHS.get(value[:2].upper(), 0)
    seen = 0
    for end, ch in enumerate(value, 1):
        if ch.isalnum():
            seen += 1
            if seen == wanted:
                return end if end == len(value) or not value[end].isalnum() else None
    return None


def personal_data_span(kind: str, match: re.Match[str]) -> tuple[int, int] | None:
    """Where in `match.string` the personal data of a `kind` pattern's match is, or None if it is not personal data."""
    value, start = match.group(0), match.start()
    if kind == "IBAN":
        end = _iban_end(value)
        return (start, start + end) if end else None
    if kind == "PHONE":
        return match.span() if 9 <= sum(ch.isdigit() for ch in value) <= 15 else None
    if kind == "POSTCODE":
        group = next(name for name in ("dutch", "named", "town") if match.group(name) is not None)
        before = match.string[max(0, match.start(group) - 30):match.start(group)]
        if group == "town" and (_ORDER_BEFORE.search(before) or not _ADDRESS_BEFORE.search(before)):
            return None
        return match.span(group)
    return match.span()


def personal_data_replace(text: str, kind: str, pattern: re.Pattern[str],
                          placeholder: Callable[[str, str], str]) -> str:
    """`text` with each piece of personal data of `kind` replaced by `placeholder(kind, value)`."""

    def one(match: re.Match[str]) -> str:
        span = personal_data_span(kind, match)
        if span is None:
            return match.group(0)
        start, end = span[0] - match.start(), span[1] - match.start()
        value = match.group(0)
        return value[:start] + placeholder(kind, value[start:end]) + value[end:]

    return pattern.sub(one, text)


@dataclass
class Redactor:
    """Replaces personal data with numbered placeholders, remembering each original.

    One redactor per LLM request, so the same email is the same placeholder in every
    turn, and `restore` can put the customer's own data back into the reply.
    """

    names: list[str] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value.strip().lower())
        if key not in self._by_value:
            count = sum(1 for k, _ in self._by_value if k == kind) + 1
            token = f"[{kind}_{count}]"
            self._by_value[key] = token
            self.originals[token] = value.strip()
        return self._by_value[key]

    def _card(self, kind: str, value: str) -> str:
        digits = re.sub(r"\D", "", value)
        return self._placeholder(kind, value) if 13 <= len(digits) <= 19 and _luhn_ok(digits) else value

    def redact(self, text: str) -> str:
        for kind, pattern in PERSONAL_DATA:
            text = personal_data_replace(text, kind, pattern, self._card if kind == "CARD" else self._placeholder)
        for name in self.names:
            if len(name) >= 2:
                text = re.sub(rf"\b{re.escape(name)}\b", lambda m: self._placeholder("NAME", m.group(0)), text, flags=re.IGNORECASE)
        return text

    def restore(self, text: str) -> str:
        for token, value in self.originals.items():
            text = text.replace(token, value)
        return text


def personal_data_replace_all(text: str, placeholder: Callable[[str, str], str]) -> str:
    """`text` with every piece of personal data, of each kind in PERSONAL_DATA's order, replaced by
    `placeholder(kind, value)`."""
    for kind, pattern in PERSONAL_DATA:
        text = personal_data_replace(text, kind, pattern, placeholder)
    return text


def personal_data_removed(text: str) -> str:
    """`text` with every piece of personal data taken out (order numbers and prices stay), for the
    router to read (settings.RAG_ROUTING_TEXT): contact details say nothing about what a customer needs,
    yet their characters pulled routing decisions. A message that is nothing but personal data stays
    as it is."""
    stripped = re.sub(r"\s{2,}", " ", personal_data_replace_all(text, lambda kind, value: " ")).strip()
    return stripped if stripped.strip(" ,.;:!?") else text
