"""The catalogue in the customer's language (#16): product names, descriptions, categories and colours in
nl, de, fr, es, it, pl and pt, English the source and the fallback, on every page that shows a product (the
demo catalogue is written in every storefront language; a product without a translation shows English)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from shoppe.demo import CATALOGUE, demo_load, demo_product_translations_ensure
from shoppe.models import Customer, Order, Product, ProductTranslation
from tests.shoppe.test_storefront_languages import compiled_catalogues  # noqa: F401 - the German pages' .mo files

pytestmark = pytest.mark.django_db

GUEST = {"email": "gwen@example.test", "recipient": "Gwen Gast", "street": "Bergmannstraße 7", "postcode": "10961",
         "city": "Berlin", "country": "Germany", "delivery": "Standard"}
CARD = {"cardholder": "Gwen Gast", "card_number": "4242 4242 4242 4242"}


@pytest.fixture
def lamp() -> Product:
    product = Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                                     description="A hand-glazed blue lamp.", price=Decimal("64.00"), colour="blue",
                                     stock=5)
    ProductTranslation.objects.create(product=product, language="de", name="Tischleuchte aus blauer Keramik",
                                      description="Handglasierter Keramikfuß in tiefem Blau.", category="Leuchten",
                                      colour="Blau")
    return product


@pytest.fixture
def candle() -> Product:
    """Not translated yet: every language shows its English words."""
    return Product.objects.create(slug="scented-candle-trio", name="Scented candle trio", category="Decor",
                                  description="Three soy-wax candles.", price=Decimal("27.50"), colour="amber", stock=9)


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


# --- the demo catalogue -------------------------------------------------------------------------------------

def test_every_demo_product_has_a_name_and_description_in_every_storefront_language() -> None:
    demo_load()
    products = list(Product.objects.prefetch_related("translations"))
    assert len(products) == len(CATALOGUE)
    for product in products:
        english = (product.name, product.description, product.category)
        assert "Designed to last" not in product.description  # its own words, not the one line for all
        for language, _ in settings.LANGUAGES:  # the demo's copy is written in every one
            with translation.override(language):
                assert product.local_name and product.local_description and product.local_category, (product, language)
                if language != settings.LANGUAGE_CODE:
                    words = product.translation_in(language)
                    assert words is not None and words.name and words.description, (product.slug, language)
                    # written for that language, not the English left in place
                    assert (product.local_name, product.local_description, product.local_category) != english
                    assert product.local_description != product.description
                    assert not product.colour or words.colour, (product.slug, language, "colour")
                    assert words.category, (product.slug, language, "category")
    lamp = next(p for p in products if p.slug == "blue-ceramic-table-lamp")  # the slug stays the English one
    assert lamp.translation_in("fr").name == "Lampe à poser en céramique bleue"
    assert {language: lamp.translation_in(language).name for language in ("it", "pl", "pt")} == {
        "it": "Lampada da tavolo in ceramica blu", "pl": "Lampa stołowa z niebieskiej ceramiki",
        "pt": "Candeeiro de mesa em cerâmica azul"}


@pytest.mark.parametrize("language, name, description, details", [
    ("it", "Lampada da tavolo in ceramica blu", "Base in ceramica smaltata a mano in un blu intenso",
     "Colore: blu · Categoria: Illuminazione"),
    ("pl", "Lampa stołowa z niebieskiej ceramiki", "Ręcznie szkliwiona ceramiczna podstawa",
     "Kolor: niebieski · Kategoria: Oświetlenie"),
    ("pt", "Candeeiro de mesa em cerâmica azul", "Base em cerâmica vidrada à mão, num azul profundo",
     "Cor: azul · Categoria: Iluminação"),
])
def test_a_demo_product_on_the_italian_polish_and_portuguese_storefronts_shows_their_words(
        client: Client, language: str, name: str, description: str, details: str) -> None:
    demo_load()
    product = page(client, f"/{language}/products/blue-ceramic-table-lamp/")
    assert f'<html lang="{language}">' in product and f"<h1>{name}</h1>" in product
    assert description in product and details in product
    assert "Blue ceramic table lamp" not in product and "A hand-glazed ceramic base" not in product
    listing = page(client, f"/{language}/products/")
    assert name in listing and "Blue ceramic table lamp" not in listing


@pytest.mark.parametrize("language", ["it", "pl", "pt"])
def test_a_product_on_a_storefront_without_its_translation_shows_its_english_words(client: Client, candle: Product,
                                                                                  language: str) -> None:
    assert candle.translation_in(language) is None
    with translation.override(language):
        assert (candle.local_name, candle.local_description) == (candle.name, candle.description)
    product = page(client, f"/{language}/products/scented-candle-trio/")
    assert f'<html lang="{language}">' in product and "<h1>Scented candle trio</h1>" in product
    assert candle.description in product
    assert "Scented candle trio" in page(client, f"/{language}/products/")


def test_a_demo_loaded_before_the_translations_gets_them_and_keeps_what_staff_changed() -> None:
    # given a demo product as the demo wrote it before #16, one already translated by staff
    old = Product.objects.create(slug="oak-dining-table", name="Oak dining table", category="Furniture", price=689,
                                 description="Oak dining table, from Example Shoppe's furniture collection. "
                                             "Designed to last, delivered with care.")
    ProductTranslation.objects.create(product=old, language="nl", name="Onze eettafel", description="Door ons.")
    # when the demo is loaded again
    demo_load()
    # then the product has its own description and every language, and the staff's Dutch is kept
    old.refresh_from_db()
    assert old.description.startswith("A solid oak table that seats six")
    words = {t.language: t.name for t in old.translations.all()}
    assert words == {"nl": "Onze eettafel", "de": "Esstisch aus Eiche", "fr": "Table à manger en chêne",
                     "es": "Mesa de comedor de roble", "it": "Tavolo da pranzo in rovere",
                     "pl": "Dębowy stół do jadalni", "pt": "Mesa de jantar em carvalho"}
    demo_product_translations_ensure()  # once only
    assert old.translations.count() == 7


# --- the catalogue's pages ----------------------------------------------------------------------------------

def test_the_german_product_list_and_page_show_the_german_words(client: Client, lamp: Product) -> None:
    listing = page(client, "/de/products/")
    assert "Tischleuchte aus blauer Keramik" in listing and "Blue ceramic table lamp" not in listing
    assert '<a href="?category=Lamps">Leuchten</a>' in listing  # the link keeps the stored name
    assert "Leuchten" in page(client, "/de/products/?category=Lamps").split("</h1>")[0]

    product = page(client, "/de/products/blue-ceramic-table-lamp/")
    assert "<h1>Tischleuchte aus blauer Keramik</h1>" in product
    assert "Handglasierter Keramikfuß in tiefem Blau." in product
    assert "Farbe: Blau" in product and "Kategorie: Leuchten" in product
    assert "Blue ceramic table lamp" not in product and "A hand-glazed blue lamp." not in product
    assert "Tischleuchte aus blauer Keramik" in page(client, "/de/")  # the home page's featured products


def test_the_english_pages_show_the_english_words(client: Client, lamp: Product) -> None:
    listing = page(client, "/products/")
    assert "Blue ceramic table lamp" in listing and "Tischleuchte" not in listing
    assert '<a href="?category=Lamps">Lamps</a>' in listing
    product = page(client, "/products/blue-ceramic-table-lamp/")
    assert "<h1>Blue ceramic table lamp</h1>" in product and "A hand-glazed blue lamp." in product
    assert "Colour: blue" in product and "Category: Lamps" in product
    assert "Blue ceramic table lamp" in page(client, "/nl/products/blue-ceramic-table-lamp/")  # no Dutch yet


def test_a_product_without_a_translation_shows_its_english_words(client: Client, lamp: Product,
                                                                 candle: Product) -> None:
    listing = page(client, "/de/products/")
    assert "Scented candle trio" in listing and "Tischleuchte aus blauer Keramik" in listing
    assert '<a href="?category=Decor">Decor</a>' in listing
    product = page(client, "/de/products/scented-candle-trio/")
    assert "<h1>Scented candle trio</h1>" in product and "Three soy-wax candles." in product
    # a translation with a blank field: that field in English
    ProductTranslation.objects.create(product=candle, language="de", name="Duftkerzen-Trio")
    product = page(client, "/de/products/scented-candle-trio/")
    assert "<h1>Duftkerzen-Trio</h1>" in product and "Three soy-wax candles." in product
    assert "Farbe: amber" in product


# --- the cart, checkout and orders --------------------------------------------------------------------------

def test_a_german_customer_buys_and_reads_the_german_name_from_cart_to_invoice(
        client: Client, lamp: Product, candle: Product, django_capture_on_commit_callbacks) -> None:
    client.post("/de/cart/add/blue-ceramic-table-lamp/", {"quantity": "2"})
    client.post("/de/cart/add/scented-candle-trio/")
    cart = page(client, "/de/cart/")
    assert "Tischleuchte aus blauer Keramik" in cart and "Blue ceramic table lamp" not in cart
    assert "Menge von Tischleuchte aus blauer Keramik" in cart  # the quantity field's label
    assert "Scented candle trio" in cart  # no German yet

    assert client.post("/de/checkout/", GUEST).status_code == 302
    payment = page(client, "/de/checkout/payment/")
    assert "2 × Tischleuchte aus blauer Keramik" in payment and "Blue ceramic" not in payment
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/de/checkout/payment/", CARD)
    order = Order.objects.get()
    assert order.items.get(product=lamp).product_id == lamp.id  # the order holds the product, not a name

    done = page(client, f"/de/checkout/done/{order.number}/")
    assert "2 × Tischleuchte aus blauer Keramik" in done
    email = mail.outbox[0].body
    assert "2 × Tischleuchte aus blauer Keramik" in email and "Vielen Dank" in email
    assert "Blue ceramic" not in email

    alice = User.objects.create_user("alice", "alice@example.test", "pw")
    Order.objects.filter(id=order.id).update(customer=Customer.objects.create(user=alice))
    client.force_login(alice)
    detail = page(client, f"/de/orders/{order.number}/")
    assert "Tischleuchte aus blauer Keramik" in detail and "Blue ceramic table lamp" not in detail
    assert "Tischleuchte aus blauer Keramik" in page(client, f"/de/orders/{order.number}/invoice/")
    assert "Blue ceramic table lamp" in page(client, f"/orders/{order.number}/")  # English at the plain URL


def test_a_german_sold_out_message_names_the_product_in_german(client: Client, lamp: Product) -> None:
    Product.objects.filter(id=lamp.id).update(stock=0)
    product = client.post("/de/cart/add/blue-ceramic-table-lamp/", follow=True).content.decode()
    assert "Tischleuchte aus blauer Keramik ist leider ausverkauft." in product
    assert "Blue ceramic table lamp" not in product


def test_a_german_return_names_the_items_in_german_and_staff_keep_the_english(
        client: Client, lamp: Product, make_customer, make_order) -> None:  # type: ignore[no-untyped-def]
    alice = make_customer("alice")
    order = make_order(alice, status="delivered", product="Blue ceramic table lamp")
    client.force_login(alice)
    item = order.items.get()
    assert client.post(f"/de/orders/{order.number}/refund/", {"items": [str(item.id)], "reason": "Zu groß"}).status_code == 302
    assert order.refund_requests.get().items[0]["product"] == "Blue ceramic table lamp"  # what staff read

    detail = page(client, f"/de/orders/{order.number}/")
    assert "Blue ceramic table lamp" not in detail and "Tischleuchte aus blauer Keramik" in detail
    label = page(client, f"/de/orders/{order.number}/return-label/")
    assert "1 × Tischleuchte aus blauer Keramik" in label and "Blue ceramic" not in label
    assert "1 × Blue ceramic table lamp" in page(client, f"/orders/{order.number}/return-label/")


# --- the admin ----------------------------------------------------------------------------------------------

def test_staff_translate_a_product_in_the_admin_inline(client: Client, candle: Product) -> None:
    client.force_login(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    change = page(client, f"/admin/shoppe/product/{candle.id}/change/")
    # one form per language a product can be translated into: nl, de, fr, es, it, pl, pt
    assert 'name="translations-TOTAL_FORMS"' in change and 'name="translations-MAX_NUM_FORMS" value="7"' in change
    assert all(f'<option value="{code}">{name}</option>' in change
               for code, name in [("it", "Italiano"), ("pl", "Polski"), ("pt", "Português")])

    saved = client.post(f"/admin/shoppe/product/{candle.id}/change/", {
        "slug": candle.slug, "name": candle.name, "category": candle.category, "description": candle.description,
        "price": "27.50", "currency": "EUR", "colour": "amber", "stock": "9",
        "translations-TOTAL_FORMS": "1", "translations-INITIAL_FORMS": "0", "translations-MIN_NUM_FORMS": "0",
        "translations-MAX_NUM_FORMS": "7",
        "translations-0-language": "fr", "translations-0-name": "Trio de bougies parfumées",
        "translations-0-description": "Trois bougies en cire de soja.", "translations-0-category": "Décoration",
        "translations-0-colour": "ambre", "translations-0-product": str(candle.id),
    })
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert candle.translations.get().language == "fr"
    french = page(Client(), "/fr/products/scented-candle-trio/")
    assert "<h1>Trio de bougies parfumées</h1>" in french and "Trois bougies en cire de soja." in french
    assert "Scented candle trio" in page(Client(), "/products/scented-candle-trio/")
    # the list says which languages a product has, and finds it by a translated name
    listing = page(client, "/admin/shoppe/product/?q=bougies")
    assert "Scented candle trio" in listing and "<td class=\"field-languages\">fr</td>" in listing


def test_the_demo_orders_on_their_way_are_not_late() -> None:
    """A demo customer asking where an order on its way is hears it is coming, not that it is 13 days late."""
    demo_load()
    on_their_way = Order.objects.filter(status__in=[Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY])
    assert on_their_way.count() >= 2
    for order in on_their_way:
        for shipment in order.shipments.all():
            assert shipment.estimated_delivery >= timezone.localdate(), (order.number, order.status)
            assert not shipment.events.filter(happened_at__gt=timezone.now()).exists(), order.number
