"""A customer's saved delivery addresses: one of them is the default that checkout fills in."""
from __future__ import annotations

import re
from functools import lru_cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from shoppe.models import COUNTRY_NAMES, Address, Customer


def address_parts(text: str) -> dict[str, str]:
    """"Keizersgracht 12\n1015 CN Amsterdam\nNetherlands" as street, postcode, city and country, read from the end:
    an order's address starts with its recipient's name (checkout writes "Alice Jansen\nKeizersgracht 12\n...")."""
    lines = _address_lines(text)
    country = lines.pop() if _ends_with_country(lines) else "Netherlands"
    street = lines[-2] if len(lines) > 1 else (lines[0] if lines else "")
    place = lines[-1] if len(lines) > 1 else ""
    tokens = place.split()
    # A postcode has digits ("10961", "D02 X285"), or is the Dutch letters after them ("1015 CN").
    code = [i for i, t in enumerate(tokens) if any(c.isdigit() for c in t)
            or (len(t) == 2 and t.isupper() and i and any(c.isdigit() for c in tokens[i - 1]))]
    postcode = " ".join(tokens[i] for i in code)
    city = " ".join(t for i, t in enumerate(tokens) if i not in code)
    return {"street": street, "postcode": postcode, "city": city or place, "country": country}


def address_recipient(text: str) -> str:
    """The name an address is for: its first line when a street and a place follow it (and maybe a country), or when
    it has no number and the street after it has ("Alice Jansen\nPrinsengracht 263, 1016 GV Amsterdam")."""
    lines = _address_lines(text)
    if _ends_with_country(lines):
        lines.pop()
    if len(lines) >= 3 or (len(lines) == 2 and not _has_digit(lines[0]) and _has_digit(lines[1])):
        return lines[0]
    # On one line, as typed in the chat: a name before a street with its number ("Lotte Jansen, Meir 12, 2000
    # Antwerpen" was read back under the order's old recipient, the new one in the street line: session 27's
    # walkthrough); "Calle Mayor, 3, 28013 Madrid" has no name (the part after "Calle Mayor" is a number alone).
    parts = [part.strip() for part in lines[0].split(",")] if len(lines) == 1 else []
    if len(parts) >= 3 and not _has_digit(parts[0]) and _has_digit(parts[1]) and re.search(r"[^\W\d_]{2}", parts[1]):
        return parts[0]
    return ""


def _has_digit(line: str) -> bool:
    return any(c.isdigit() for c in line)


def address_for_recipient(new: str, *, old: str) -> str:
    """A new address typed in the chat (street, postcode, city, country: what the chat asks for) under the `old`
    address's recipient: a parcel needs a name, and one changed in the chat lost it (session 25's walkthrough)."""
    recipient = address_recipient(old)
    if not recipient or address_recipient(new) or new.strip().casefold().startswith(recipient.casefold()):
        return new.strip()  # no name to keep, or the customer typed one
    return f"{recipient}\n{new.strip()}"


def address_country(text: str) -> str | None:
    """The country an address typed in the chat names at its end ("..., 10115 Berlin, Germany", "... Deutschland"),
    by its name in any of the storefront's languages (stored as the English name), or None."""
    tail = re.split(r"[,\n]", str(text or "").strip())[-1].strip(" .").casefold()
    return _country_names().get(tail)


def country_named_in(text: str) -> str | None:
    """A country `text` names anywhere ("how long does delivery to Belgium take?"), by its name in any storefront
    language, or None."""
    folded = str(text or "").casefold()
    return next((country for name, country in _country_names().items()
                 if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded)), None)


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from django.conf import settings
    from django.utils import translation

    names: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.update({str(local).casefold(): country for country, local in COUNTRY_NAMES.items()})
    names.update({country.casefold(): country for country in COUNTRY_NAMES})
    return names


def address_with_country(text: str, country: str) -> str:
    """A typed address with its country on a line of its own, as checkout writes it: the one it names (taken off the
    end), else `country` (the order's own, read back to the customer before anything changes)."""
    named = address_country(text)
    body = re.sub(r"[,\n]\s*[^,\n]*$", "", text.strip()) if named else text.strip()
    return f"{body}\n{named or country}"


def _address_lines(text: str) -> list[str]:
    return [line.strip() for line in str(text or "").strip().splitlines() if line.strip()]


def _ends_with_country(lines: list[str]) -> bool:
    """A last line that is one of the shop's countries, or a third line or later with no number in it ("Nederland")."""
    return len(lines) > 1 and (lines[-1] in COUNTRY_NAMES or (len(lines) > 2 and not _has_digit(lines[-1])))


def address_in_language(text: str | None) -> str:
    """An address as stored ("...\n1015 CN Amsterdam\nNetherlands") with its country in the language being shown
    (any of the storefront's languages)."""
    lines = str(text or "").splitlines()
    if lines and lines[-1].strip() in COUNTRY_NAMES:
        lines[-1] = str(COUNTRY_NAMES[lines[-1].strip()])
    return "\n".join(lines)


# A postcode as the EU writes them: "1016 GV" (NL), "10115" (DE, FR, IT, ES, FI, HR, EE), "1000" (BE, AT, DK, HU, SI,
# BG, CY), "00-950" (PL), "1000-001" (PT), "114 55" (SE, CZ, SK, GR), "010011" (RO), "LV-1050", "LT-01100", "L-1234"
# (LV, LT, LU), "D02 X285" (IE's Eircode; not Malta's "VLT 1117", which "EUR 1200" would read as); and a house number
# apart from it ("263", "12b", "5-7").
_POSTCODE = re.compile(r"(?<![\w-])(?:\d{4}\s?[A-Za-z]{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{3}\s\d{2}|\d{4,6}"
                       r"|[A-Z]{1,2}-\d{4,5}|(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[0-9AC-FHKNPRTV-Y]{4})(?![\w-])")
_HOUSE_NUMBER = re.compile(r"(?<![\w-])\d{1,4}(?:[a-zA-Z]|-\d{1,4})?(?![\w-])")
_WORD = re.compile(r"[^\W\d_]{3,}")


def reads_as_address(text: str, *, not_numbers: tuple[int, ...] = ()) -> bool:
    """Whether `text` is a postal address on its own ("Prinsengracht 263, 1016 GV Amsterdam"), not a
    sentence about one: a postcode, a house number apart from it and a street or town, in a few words, with
    no question in it. `not_numbers` (an order's number) are never taken for the postcode."""
    if "?" in text or len(text.split()) > 12 or not _WORD.search(text):
        return False
    postcodes = _postcodes(text, not_numbers=not_numbers)
    if not postcodes:
        return False
    postcode = postcodes[-1]
    return any(not postcode.start() <= number.start() < postcode.end() for number in _HOUSE_NUMBER.finditer(text))


def _postcodes(text: str, *, not_numbers: tuple[int, ...] = ()) -> list[re.Match[str]]:
    return [m for m in _POSTCODE.finditer(text) if not m.group(0).isdigit() or int(m.group(0)) not in not_numbers]


# The words a customer wraps a new address in, by language: what leads up to it ("moet naar Keizersgracht 12, ...") and
# the remarks after it ("... 1015 CS Amsterdam ipv prinsengracht"). None of them belongs on a parcel label: a Dutch
# guest's walkthrough saved "Keizersgracht 12, 1015 CS Amsterdam ipv prinsengracht" as the street.
ADDRESS_LEAD_INS = {
    "en": ("it needs to go to", "it should go to", "it has to go to", "please send it to", "send it to",
           "deliver it to", "ship it to", "change it to", "to"),
    "nl": ("moet naar", "mag naar", "graag naar", "sturen naar", "bezorgen op", "bezorgen bij", "naar"),
    "de": ("bitte an", "bitte nach", "soll nach", "soll an", "liefern an", "schicken an", "an", "nach"),
    "fr": ("à livrer au", "à livrer à", "livrer au", "livrer à", "envoyer au", "envoyer à", "au", "à"),
    "es": ("enviar a", "envíenlo a", "mandar a", "entregar en", "a"),
    "it": ("spedire a", "spedite a", "inviare a", "consegnare a", "a", "in"),
    "pl": ("proszę wysłać na", "proszę wysłać do", "wysłać na", "wyślijcie na", "na"),
    "pt": ("enviar para", "mandar para", "entregar em", "para"),
}
ADDRESS_REMARKS = {
    "en": ("instead of", "rather than", "not to", "thanks", "thank you", "please", "cheers"),
    "nl": ("ipv", "i.p.v.", "in plaats van", "niet naar", "bedankt", "dank je", "dank u", "alstublieft", "aub",
           "a.u.b.", "graag", "veranderen", "wijzigen", "aanpassen"),
    "de": ("statt", "anstatt", "anstelle von", "nicht nach", "danke", "vielen dank", "bitte", "ändern"),
    "fr": ("au lieu de", "à la place de", "merci", "s'il vous plaît", "s'il te plaît", "svp", "stp"),
    "es": ("en lugar de", "en vez de", "gracias", "por favor"),
    "it": ("invece di", "anziché", "anziche", "al posto di", "grazie", "per favore"),
    "pl": ("zamiast", "dziękuję", "dzięki", "proszę"),
    "pt": ("em vez de", "ao invés de", "no lugar de", "obrigado", "obrigada", "por favor"),
}
# The words a street's name starts with in lower case ("ul. Marszałkowska", "rue de Rivoli", "via Roma"): the
# address's, not the sentence's before it.
STREET_WORDS = frozenset({
    "ul.", "al.", "os.", "pl.", "rue", "avenue", "av.", "bd", "boulevard", "place", "chemin", "allée", "quai", "via",
    "viale", "piazza", "corso", "vicolo", "calle", "c/", "avenida", "avda.", "paseo", "plaza", "rua", "travessa",
    "largo", "praça",
})
_LEAD_INS = sorted({lead_in for lead_ins in ADDRESS_LEAD_INS.values() for lead_in in lead_ins}, key=len, reverse=True)
_REMARK = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(remark) for remark in sorted(
    {remark for remarks in ADDRESS_REMARKS.values() for remark in remarks}, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE)


def address_typed(text: str, *, not_numbers: tuple[int, ...] = ()) -> str | None:
    """The new address a customer typed in the chat, or None when it holds no clear one (street and number, postcode
    and city), so that no sentence is ever saved as an address. Typed on its own it stays as they laid it out; read
    out of a sentence ("moet naar Keizersgracht 12, 1015 CS Amsterdam ipv prinsengracht") it is the address alone, on
    a parcel label's lines ("Keizersgracht 12\n1015 CS Amsterdam")."""
    lines = _address_lines(text)
    if lines and _lead_in_alone(lines[0]):
        lines.pop(0)  # "Moet naar:\nKeizersgracht 12\n1015 CS Amsterdam"
    if lines and _REMARK.match(lines[-1]):
        lines.pop()  # "...\n1015 CS Amsterdam\nBedankt!"
    if _on_its_own("\n".join(lines), not_numbers=not_numbers):
        return "\n".join(lines)
    found = address_in(text, not_numbers=not_numbers)
    return address_laid_out(found, not_numbers=not_numbers) if found else None


def address_laid_out(address: str, *, not_numbers: tuple[int, ...] = ()) -> str:
    """An address found on one line ("Keizersgracht 12, 1015 CS Amsterdam, Netherlands") on a parcel label's lines:
    street and number, postcode and city, then what follows (a country), as checkout writes them."""
    chunks = [chunk.strip() for chunk in re.split(r"[,\n]", address) if chunk.strip()]
    at = max((i for i, chunk in enumerate(chunks) if _postcodes(chunk, not_numbers=not_numbers)), default=None)
    if at is None:
        return address.strip()
    street, place = chunks[:at], chunks[at]
    postcode = _postcodes(place, not_numbers=not_numbers)[-1]
    if _HOUSE_NUMBER.search(place[:postcode.start()]):  # no comma between them: "Rue Neuve 5 1000 Brussel"
        street, place = [*street, place[:postcode.start()].strip()], place[postcode.start():]
    # a name before the street ("stuur naar Lotte Jansen, Meir 12, 2000 Antwerpen"): the recipient's line, as checkout
    # writes it; "Calle Mayor, 3" is a street and its number
    name = street.pop(0) if len(street) > 1 and not _has_digit(street[0]) and re.search(r"[^\W\d_]{2}", street[1]) \
        and _has_digit(street[1]) else ""
    return "\n".join(line for line in (name, ", ".join(street), place, *chunks[at + 1:]) if line)


def _on_its_own(text: str, *, not_numbers: tuple[int, ...]) -> bool:
    """Whether `text` is an address and nothing else: it reads as one, starts as one (not "moet naar ...") and has no
    remark after it ("... ipv prinsengracht")."""
    return (reads_as_address(text, not_numbers=not_numbers) and _starts_like_address(text)
            and _without_lead_in(text) == text and _without_remark(text, not_numbers=not_numbers) == text)


def _starts_like_address(text: str) -> bool:
    """A street's name ("Keizersgracht", "ul. Marszałkowska"), a house number ("12 rue de Rivoli") or a name."""
    first = text.split()[0] if text.split() else ""
    return bool(first) and (first[0].isupper() or first[0].isdigit() or first.casefold() in STREET_WORDS)


def _lead_in_alone(line: str) -> bool:
    return line.strip(" :").casefold() in _LEAD_INS


def _without_lead_in(address: str) -> str:
    """`address` without the words leading up to it, where a capital took them in ("Naar Keizersgracht 12"); not when
    they start the street's own name ("An der Alster 5")."""
    for lead_in in _LEAD_INS:
        rest = address[len(lead_in):]
        if address[:len(lead_in)].casefold() == lead_in and rest[:1] in (" ", ":") and _starts_like_address(rest):
            return rest.strip(" :")
    return address


def _without_remark(text: str, *, not_numbers: tuple[int, ...]) -> str:
    """`text` up to the first remark that follows an address ("... 1015 CS Amsterdam ipv prinsengracht", "...
    Amsterdam instead of Prinsengracht 263, 1016 GV Amsterdam"); a "please" before the address stays."""
    for remark in _REMARK.finditer(text):
        before = text[:remark.start()].rstrip(" ,.;:!-–")
        if _address_ending(before, not_numbers=not_numbers):
            return before
    return text.strip()


def address_in(text: str, *, not_numbers: tuple[int, ...] = ()) -> str | None:
    """The postal address a sentence holds ("change order 10022 to Prinsengracht 263, 1016 GV Amsterdam", "moet naar
    Keizersgracht 12, 1015 CS Amsterdam ipv prinsengracht"), or None: the sentence's ending that reads as an address
    once the remark after it is cut off, without the words leading up to it."""
    found = _address_ending(_without_remark(text, not_numbers=not_numbers), not_numbers=not_numbers)
    return _without_lead_in(found) if found else None


_HOUSE_NUMBER_FIRST = re.compile(r"\d{1,4}[a-zA-Z]?,?$")


def _address_ending(text: str, *, not_numbers: tuple[int, ...] = ()) -> str | None:
    """The shortest ending of `text` that reads as an address (`reads_as_address`) and starts with a capitalised
    street name, else with a house number ("12 rue de Rivoli, 75001 Paris"), or None."""
    words = text.strip().rstrip(".!").split()
    starts = [i for i in range(len(words) - 1, -1, -1) if reads_as_address(" ".join(words[i:]), not_numbers=not_numbers)]
    by_street = next((i for i in starts if words[i][0].isupper()), None)
    if by_street is not None:
        # with the words of the street's name before it ("Calle Mayor 3", "via Roma 12"), not a label ("adresse:")
        while by_street > 0 and _street_name_word(words[by_street - 1]) and len(words) - by_street < 12:
            by_street -= 1
        return " ".join(words[by_street:])
    by_number = next((i for i in starts if _HOUSE_NUMBER_FIRST.match(words[i])), None)
    return " ".join(words[by_number:]) if by_number is not None else None


def _street_name_word(word: str) -> bool:
    return (word[0].isupper() and not word.endswith(":")) or word.casefold() in STREET_WORDS


def address_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Address]:
    """The signed-in customer's own saved addresses, default first; nothing for anyone else."""
    if not user.is_authenticated:
        return Address.objects.none()
    return Address.objects.filter(customer__user=user)


def address_get_for_user(*, user: AbstractBaseUser, address_id: int) -> Address | None:
    return address_list_for_user(user=user).filter(id=address_id).first()


def customer_for(user: AbstractBaseUser) -> Customer:
    """The user's customer profile, made on first use (staff may shop too)."""
    customer, _ = Customer.objects.get_or_create(user=user)
    return customer


def address_save(*, address: Address) -> Address:
    """Save `address`; the first one, or one marked default, becomes the only default (and the account's text)."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(id=address.customer_id)
        if not Address.objects.filter(customer=customer, is_default=True).exclude(id=address.id).exists():
            address.is_default = True
        address.save()
        if address.is_default:
            Address.objects.filter(customer=customer).exclude(id=address.id).update(is_default=False)
            customer.default_address = address.as_text()
            customer.save(update_fields=["default_address"])
    return address


def address_delete(*, address: Address) -> None:
    """Delete `address`; if it was the default, the next one saved becomes it. Placed orders keep their copy."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(id=address.customer_id)
        address.delete()
        if address.is_default:
            following = Address.objects.filter(customer=customer).first()
            if following is not None:
                following.is_default = True
                following.save(update_fields=["is_default"])
            customer.default_address = following.as_text() if following else ""
            customer.save(update_fields=["default_address"])
