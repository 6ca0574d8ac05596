"""The storefront in the customer's language (#16): pages, prices and dates for a German customer,
the language switcher, and a catalogue that has every storefront string in nl, de, fr, es, it, pl and pt
(Polish with its three plural forms)."""
from __future__ import annotations

import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import trans_real

from shoppe.catalogues import catalogues_compile
from shoppe.models import Product
from shoppe.money import money_format

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
TRANSLATED = ("nl", "de", "fr", "es", "it", "pl", "pt")
BASE = Path(settings.BASE_DIR)
# The storefront's own sources; the chat widget, the help centre and the admin keep their own strings.
NOT_OURS = ("support", "rag", "admin")


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogues():  # type: ignore[no-untyped-def]
    """The .mo files are built, not committed: compile them and forget catalogues read before."""
    catalogues_compile()
    trans_real._translations = {}
    trans_real._default = None
    yield


@pytest.fixture
def dining_table(db) -> Product:  # type: ignore[no-untyped-def]
    return Product.objects.create(slug="oak-dining-table", name="Oak dining table", category="Furniture",
                                  description="Solid oak, seats six.", price=Decimal("1299.00"), stock=3)


def german(path: str, client: Client | None = None) -> str:
    response = (client or Client()).get(path, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5", follow=True)
    assert response.status_code == 200, (path, response.status_code)
    assert response["Content-Language"] == "de"
    return response.content.decode()


# --- money ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "shown"), [
    ("en-gb", "€1,299.00"), ("nl", f"€{NBSP}1.299,00"), ("de", f"1.299,00{NBSP}€"), ("es", f"1.299,00{NBSP}€"),
    ("fr", f"1{NBSP}299,00{NBSP}€"), ("it", f"1.299,00{NBSP}€"), ("pl", f"1{NBSP}299,00{NBSP}€"),
    ("pt", f"1{NBSP}299,00{NBSP}€"),
])
def test_a_price_is_written_the_way_its_language_writes_it(language: str, shown: str) -> None:
    assert money_format(Decimal("1299"), "EUR", language) == shown
    with translation.override(language):
        assert money_format(Decimal("1299.00")) == shown
    assert money_format(Decimal("4.95"), "EUR", "de") == f"4,95{NBSP}€"
    assert money_format(Decimal("1234567.5"), "EUR", "en") == "€1,234,567.50"


def test_a_sub_cent_cost_keeps_the_decimals_it_asks_for() -> None:
    """The operations dashboard's LLM costs go through the same formatter (#17 item 9)."""
    assert money_format(Decimal("0.000675"), "EUR", "en", decimals=5) == "€0.00068"
    assert money_format(Decimal("0.000675"), "EUR", "de", decimals=5) == f"0,00068{NBSP}€"
    assert money_format(Decimal("1234.4"), "EUR", "en", decimals=0) == "€1,234"


# --- (a) a German customer ----------------------------------------------------------------------------------

def test_a_german_customer_browses_the_shop_in_german_with_german_prices(dining_table: Product) -> None:
    client = Client()
    home = german("/", client)
    assert '<html lang="de">' in home
    assert "Schönes fürs Zuhause" in home and "Warenkorb" in home and "Produkte" in home
    assert f"1.299,00{NBSP}€" in home and "€1" not in home

    product = german("/products/oak-dining-table/", client)
    assert "In den Warenkorb" in product and "3 auf Lager" in product and "Rezensionen" in product
    assert f"1.299,00{NBSP}€" in product

    client.post("/de/cart/add/oak-dining-table/", {"quantity": "1"})
    cart = german("/cart/", client)
    assert "Ihr Warenkorb" in cart and "Zur Kasse" in cart and "Mengen aktualisieren" in cart
    assert f"1.299,00{NBSP}€" in cart and f"50,00{NBSP}€" in cart  # free standard delivery over €50

    checkout = german("/checkout/", client)
    assert "Adresse und Versand" in checkout and "Weiter zur Zahlung" in checkout
    assert "Straße und Hausnummer" in checkout and "Sie bestellen als Gast" in checkout
    assert "Next-Day" in checkout and f"14,95{NBSP}€" in checkout
    # stored in English, shown in German; chosen for a visitor reading the German pages
    assert '<option value="Germany" selected>Deutschland</option>' in checkout

    sign_in = german("/account/login/")
    assert "Anmelden" in sign_in and "Passwort vergessen?" in sign_in and "Kundenkonto anlegen" in sign_in


def test_a_german_customer_reads_their_orders_in_german(make_customer, make_order) -> None:  # type: ignore[no-untyped-def]
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    # noon in the shop's time zone: "now" moved to 5 March was 6 March in Amsterdam when the suite ran
    # between 23:00 and 24:00 UTC (the page shows the shop's dates, rightly)
    order.placed_at = datetime(2026, 3, 5, 12, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    order.save()
    client = Client()
    client.force_login(alice)
    orders = german("/orders/", client)
    assert "Meine Bestellungen" in orders and "In Bearbeitung" in orders  # the help centre's status name
    assert f"68,95{NBSP}€" in orders and "05.03.2026" in orders
    detail = german(f"/orders/{order.number}/", client)
    assert "Lieferadresse ändern" in detail and "Bestellung stornieren" in detail
    assert "Versand: Standard" in detail and f"4,95{NBSP}€" in detail


def test_a_german_customer_follows_a_parcel_in_german(make_customer, make_order) -> None:  # type: ignore[no-untyped-def]
    # The carrier's steps every carrier has are shown in the customer's language; a step of no known kind
    # keeps the carrier's own words; the delivery address names its country in German.
    from shoppe.models import Shipment, TrackingEvent

    alice = make_customer("alice")
    alice.customer.default_address = "Keizersgracht 12\n1015 CN Amsterdam\nNetherlands"
    alice.customer.save()
    order = make_order(alice, status="out_for_delivery")
    shipment = Shipment.objects.create(order=order, carrier="DHL", tracking_number="DH123",
                                       shipped_at=datetime(2026, 3, 5, 9, 0, tzinfo=ZoneInfo(settings.TIME_ZONE)))
    for hours, (place, kind, words) in enumerate([("Amsterdam", "handed_over", "Received"), ("Utrecht", "sorted", "Sorted"),
                                                  ("Utrecht", "", "Held for customs paperwork"),
                                                  ("Amsterdam", "out_for_delivery", "With driver")]):
        TrackingEvent.objects.create(shipment=shipment, happened_at=shipment.shipped_at.replace(hour=9 + hours),
                                     location=place, kind=kind, description=words)
    client = Client()
    client.force_login(alice)
    detail = german(f"/orders/{order.number}/", client)
    assert "Paket an den Paketdienst übergeben" in detail and "Paket im Verteilzentrum sortiert" in detail
    assert "Amsterdam: In Zustellung" in detail and "Held for customs paperwork" in detail
    assert "Received" not in detail and "With driver" not in detail
    assert "1015 CN Amsterdam\nNiederlande" in detail and "Netherlands" not in detail


@pytest.mark.parametrize(("language", "words", "price"), [
    ("it", ("Aggiungi al carrello", "3 disponibili", "Recensioni", "Carrello", "Accedi"), f"1.299,00{NBSP}€"),
    ("pl", ("Dodaj do koszyka", "3 szt. w magazynie", "Recenzje", "Koszyk", "Zaloguj się"), f"1{NBSP}299,00{NBSP}€"),
    ("pt", ("Adicionar ao carrinho", "3 em stock", "Comentários", "Carrinho", "Iniciar sessão"),
     f"1{NBSP}299,00{NBSP}€"),
])
def test_an_italian_polish_or_portuguese_customer_browses_the_shop_in_their_language(
        dining_table: Product, language: str, words: tuple[str, ...], price: str) -> None:
    client = Client()
    response = client.get("/products/oak-dining-table/", HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5", follow=True)
    assert response.redirect_chain == [(f"/{language}/products/oak-dining-table/", 302)]
    assert response["Content-Language"] == language
    product = response.content.decode()
    assert f'<html lang="{language}">' in product and price in product
    assert all(word in product for word in words), [word for word in words if word not in product]
    assert "Add to cart" not in product and "Chat with us" not in product
    # no translation of the product in these languages yet: its English words, not an empty page
    assert "<h1>Oak dining table</h1>" in product and "Solid oak, seats six." in product


def test_an_italian_checkout_offers_italy_and_names_the_countries_in_italian(dining_table: Product) -> None:
    client = Client()
    client.post("/it/cart/add/oak-dining-table/", {"quantity": "1"})
    checkout = client.get("/it/checkout/").content.decode()
    assert "Indirizzo e consegna" in checkout and "Via e numero civico" in checkout
    assert '<option value="Italy" selected>Italia</option>' in checkout
    assert '<option value="Netherlands">Paesi Bassi</option>' in checkout


# --- (b) the switcher ---------------------------------------------------------------------------------------

def test_a_plain_url_with_an_encoded_character_goes_to_its_page_in_the_customers_language_once() -> None:
    # Session 27's security probe: "/newsletter/confirm/a%20b/" redirected a Dutch visitor to itself for ever
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    first = client.get("/newsletter/confirm/caf%C3%A9%20x/?from=mail")
    assert first.status_code == 302 and first["Location"] == "/nl/newsletter/confirm/caf%C3%A9%20x/?from=mail"
    assert client.get(first["Location"]).status_code != 302


def test_the_switcher_shows_the_languages_in_their_own_names(dining_table: Product) -> None:
    page = german("/products/oak-dining-table/")
    assert 'action="/i18n/setlang/"' in page
    for name in ("English", "Nederlands", "Deutsch", "Français", "Español", "Italiano", "Polski", "Português"):
        assert f">{name}</button>" in page
    assert 'name="next"' not in page  # the page's own URL is not echoed into it (a 404's order number)


def local(url: str) -> str:
    """The path and query of a redirect (set_language keeps the Referer's scheme and host)."""
    parts = urlsplit(url)
    assert parts.netloc in ("", "testserver"), url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_switcher_keeps_the_customer_on_the_same_page_in_the_new_language(dining_table: Product) -> None:
    client = Client()
    german("/products/oak-dining-table/", client)
    switched = client.post("/i18n/setlang/", {"language": "nl"},
                           HTTP_REFERER="http://testserver/de/products/oak-dining-table/?x=1")
    assert (switched.status_code, local(switched["Location"])) == (302, "/nl/products/oak-dining-table/?x=1")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    dutch = client.get(local(switched["Location"])).content.decode()
    assert '<html lang="nl">' in dutch and "In winkelwagen" in dutch and f"€{NBSP}1.299,00" in dutch

    # Back to English: the plain URL, which stays English although the browser prefers German.
    english = client.post("/i18n/setlang/", {"language": "en-gb"}, HTTP_REFERER="http://testserver/nl/products/oak-dining-table/")
    assert local(english["Location"]) == "/products/oak-dining-table/"
    page = client.get(local(english["Location"]), HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200 and '<html lang="en-gb">' in page.content.decode()
    assert "Add to cart" in page.content.decode() and "€1,299.00" in page.content.decode()


# --- (c) every storefront string is translated ------------------------------------------------------------

def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(BASE / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_entry_is_translated_and_not_fuzzy(language: str) -> None:
    po = catalogue(language)
    problems = [entry.msgid for entry in po if not entry.obsolete and (
        "fuzzy" in entry.flags
        or (entry.msgid_plural and not all(entry.msgstr_plural.values()))
        or (not entry.msgid_plural and not entry.msgstr))]
    assert not problems, f"{language}: {len(problems)} entries without a translation: {problems[:10]}"
    assert len(po) > 300  # the storefront's strings, not an empty file


def test_polish_has_its_three_plural_forms() -> None:
    """One, few (2-4, 22-24...) and many (5-21, 25...): "1 sztuka", "2 sztuki", "5 sztuk"."""
    for domain in ("django", "djangojs"):
        po = polib.pofile(str(BASE / "locale" / "pl" / "LC_MESSAGES" / f"{domain}.po"))
        assert po.metadata["Plural-Forms"].startswith("nplurals=3;"), domain
        plurals = [entry for entry in po if entry.msgid_plural]
        assert plurals and all(sorted(e.msgstr_plural) == [0, 1, 2] and all(e.msgstr_plural.values()) for e in plurals)
    with translation.override("pl"):
        left = [translation.ngettext("Only %(left)s left", "Only %(left)s left", n) % {"left": n}
                for n in (1, 3, 5, 22, 12)]
    assert left == ["Została tylko 1 sztuka", "Zostały tylko 3 sztuki", "Zostało tylko 5 sztuk",
                    "Zostały tylko 22 sztuki", "Zostało tylko 12 sztuk"]


def test_every_storefront_string_in_the_sources_has_a_translation(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Extract the strings of the storefront's templates and shoppe's Python as makemessages does, and
    find each in every language's catalogue with a translation."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext's xgettext is not installed: makemessages cannot extract the strings "
                    "(the catalogue test above still checks every entry is translated)")
    shutil.copytree(BASE / "templates", tmp_path / "templates",
                    ignore=lambda folder, names: [n for n in names if Path(folder) == BASE / "templates" and n in NOT_OURS])
    shutil.copytree(BASE / "shoppe", tmp_path / "shoppe",
                    ignore=shutil.ignore_patterns("__pycache__", "migrations", "locale", "*.pyc"))
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
        call_command("makemessages", locale=["de"], domain="django", verbosity=0, no_location=True)
    extracted = polib.pofile(str(tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    wanted = {(e.msgctxt, e.msgid) for e in extracted}
    assert len(wanted) > 300 and (None, "My orders") in wanted
    for language in TRANSLATED:
        translated = {(e.msgctxt, e.msgid) for e in catalogue(language)
                      if not e.obsolete and "fuzzy" not in e.flags and (e.msgstr or any(e.msgstr_plural.values()))}
        missing = sorted(msgid for _, msgid in wanted - translated)
        assert not missing, f"{language}: {len(missing)} storefront strings without a translation: {missing[:10]}"
