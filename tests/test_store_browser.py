"""End-to-end in Chromium: buy something, get an order number, ask the assistant about it (#15 item 3).

A visitor checks out as a guest and proves the new order in the chat with its number and email; a
new customer signs up, checks out, and asks "where is my order?". Screenshots of the way through at
phone (390x844) and desktop (1280x720) sizes. Fixtures: tests/browser.py.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.browser import finished_reply

pytestmark = pytest.mark.timeout(240)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 720}}


def _add_first_featured_product(page) -> str:  # type: ignore[no-untyped-def]
    """Open the first product on the home page (all in stock) and add it to the cart; its name."""
    from playwright.sync_api import expect

    page.goto("/")
    page.locator("ul.grid li.card a").first.click()
    name = page.locator("h1").inner_text().strip()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    expect(page.locator("table.cart")).to_contain_text(name)
    expect(page.locator(".cart-link .badge")).to_have_text("1")
    return name


def _pay(page, tab, screenshots: Path, size: str) -> str:  # type: ignore[no-untyped-def]
    """The demo payment step: pay with the test card; the order number the confirmation shows."""
    from playwright.sync_api import expect

    page.wait_for_url(re.compile(r"/checkout/payment/$"))
    tab.shot(screenshots, f"store-{size}-3-payment")
    page.fill("#id_cardholder", "Gwen Guest")
    page.fill("#id_card_number", "4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay €")).click()
    page.wait_for_url(re.compile(r"/checkout/done/\d{5}/$"))
    number = page.locator(".order-number strong").inner_text().strip()
    expect(page.locator("h1")).to_have_text("Thank you for your order!")
    tab.shot(screenshots, f"store-{size}-4-done")
    return number


def _guest_checkout(page, email: str) -> None:  # type: ignore[no-untyped-def]
    """From the cart to the checkout, a guest's email and a Dutch delivery address filled in."""
    page.get_by_role("link", name="Checkout").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    page.fill("#id_email", email)
    page.fill("#id_recipient", "Gwen Guest")
    page.fill("#id_street", "Oudegracht 99")
    page.fill("#id_postcode", "3511 AB")
    page.fill("#id_city", "Utrecht")
    page.select_option("#id_country", "Netherlands")


def _ask(page, text: str) -> str:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    before = page.locator("li.chat-bot[data-route]").count()
    page.fill("#chat-input", text)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-bot[data-route]")).to_have_count(before + 1, timeout=45_000)
    return finished_reply(page).locator(".chat-text").inner_text().strip()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_visitor_buys_as_a_guest_and_asks_the_chat_about_the_order(  # type: ignore[no-untyped-def]
        tabs, screenshots: Path, size: str) -> None:
    from playwright.sync_api import expect

    tab = tabs(**(PHONE if size == "phone" else DESKTOP))
    page = tab.page
    name = _add_first_featured_product(page)
    tab.shot(screenshots, f"store-{size}-1-cart")
    email = f"gwen-{uuid.uuid4().hex[:6]}@example.test"
    _guest_checkout(page, email)
    page.select_option("#id_delivery", "Express")
    tab.shot(screenshots, f"store-{size}-2-checkout")
    page.get_by_role("button", name="Continue to payment").click()
    number = _pay(page, tab, screenshots, size)
    expect(page.locator("table")).to_contain_text(name)
    expect(page.locator(".cart-link .badge")).to_have_count(0)  # the cart is empty again

    page.locator(".chat-launcher").click()
    asked = _ask(page, f"where is my order {number}?")
    assert "email" in asked, asked
    answer = _ask(page, email)
    assert f"Order {number} is processing" in answer, answer
    tab.shot(screenshots, f"store-{size}-5-chat")


def test_on_a_phone_a_declined_card_is_said_where_the_customer_looks(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    """Session 27's walkthrough: after a declined card the page came back at its top, the error below the screen."""
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    _add_first_featured_product(page)
    _guest_checkout(page, f"gwen-{uuid.uuid4().hex[:6]}@example.test")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/checkout/payment/$"))
    page.fill("#id_cardholder", "Gwen Guest")
    page.fill("#id_card_number", "4000 0000 0000 0002")
    page.get_by_role("button", name=re.compile(r"^Pay €")).click()
    problem = page.locator("#payment-problem")
    expect(problem).to_contain_text("Your bank declined this payment")
    expect(problem).to_be_focused()
    expect(problem).to_be_in_viewport()
    tab.shot(screenshots, "store-phone-declined")
    problem.get_by_role("link").click()  # the summary leads to the card's field
    expect(page.locator("#id_card_number")).to_be_focused()


def test_a_new_customer_signs_up_buys_and_the_assistant_knows_the_order(  # type: ignore[no-untyped-def]
        tabs, screenshots: Path) -> None:
    from playwright.sync_api import expect

    tab = tabs(**DESKTOP)
    page = tab.page
    page.goto("/account/login/")
    tab.shot(screenshots, "store-desktop-0-sign-in")
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_attribute("href", "/account/password_reset/")
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url(re.compile(r"/account/signup/"))
    username = f"nia{uuid.uuid4().hex[:6]}"
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.test")
    page.fill("#id_first_name", "Nia")
    page.fill("#id_password1", "a-long-demo-passphrase-9")
    page.fill("#id_password2", "a-long-demo-passphrase-9")
    tab.shot(screenshots, "store-desktop-0-sign-up")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/account/$"))
    expect(page.locator(".messages")).to_contain_text("Welcome, Nia")

    _add_first_featured_product(page)
    page.get_by_role("link", name="Checkout").click()
    page.fill("#id_recipient", "Nia Nieuw")
    page.fill("#id_street", "Damrak 1")
    page.fill("#id_postcode", "1012 LG")
    page.fill("#id_city", "Amsterdam")
    page.check("#id_save_address")
    page.get_by_role("button", name="Continue to payment").click()
    number = _pay(page, tab, screenshots, "desktop-customer")

    page.locator(".chat-launcher").click()
    answer = _ask(page, "where is my order?")
    assert f"Order {number}" in answer and "processing" in answer, answer
    tab.shot(screenshots, "store-desktop-customer-5-chat")

    page.goto("/account/addresses/")  # the address typed at checkout was saved, as the default
    expect(page.locator("li.card")).to_contain_text("Damrak 1")
    expect(page.locator("li.card .badge")).to_have_text("Default")
    tab.shot(screenshots, "store-desktop-customer-6-addresses")


def test_a_german_visitor_reads_the_catalogue_in_german(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    """The demo catalogue in German (#16): the category, the product's name and words, the cart."""
    from django.utils.text import slugify
    from playwright.sync_api import expect

    from shoppe.demo_catalogue import PRODUCT_WORDS

    german = {slugify(english): words["de"] for english, (_, words) in PRODUCT_WORDS.items()}
    tab = tabs(**DESKTOP, locale="de-DE")
    page = tab.page
    page.goto("/products/")  # the browser's language: the German pages
    page.wait_for_url(re.compile(r"/de/products/$"))
    page.get_by_role("link", name="Leuchten").click()
    expect(page.locator("h1")).to_have_text("Produkte: Leuchten")
    page.goto("/")
    page.locator("ul.grid li.card a").first.click()  # a featured product: in stock
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    name, description = german[slug]
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("main")).to_contain_text(description)
    tab.shot(screenshots, "store-desktop-de-product")
    page.get_by_role("button", name="In den Warenkorb").click()
    page.wait_for_url(re.compile(r"/de/cart/$"))
    expect(page.locator("table.cart")).to_contain_text(name)
    tab.shot(screenshots, "store-desktop-de-cart")


def test_with_a_saved_address_chosen_the_new_address_fields_are_hidden(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    # Session 25's walkthrough: the empty fields for a new address showed under the saved address carol had chosen.
    from playwright.sync_api import expect

    from tests.browser import customer_sign_in

    tab = tabs(**DESKTOP)
    page = tab.page
    customer_sign_in(page, "alice")
    _add_first_featured_product(page)
    page.goto("/checkout/")
    deliver_to = page.locator("#id_saved_address")
    expect(deliver_to).to_be_visible()
    for name in ("recipient", "street", "postcode", "city", "country"):
        expect(page.locator(f"#id_{name}")).to_be_hidden()
    tab.shot(screenshots, "store-checkout-saved-address")
    deliver_to.select_option("")  # "A new address (below)"
    for name in ("recipient", "street", "postcode", "city", "country"):
        expect(page.locator(f"#id_{name}")).to_be_visible()
    assert tab.errors == [] and tab.csp_violations == []
