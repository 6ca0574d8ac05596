"""In Chromium: pay part of an order with a gift card and the rest another way; the order shows both (#15 item 3).

Desktop: alice applies the demo card SHOP-PE50-DEMO-0001 (€50) and pays the rest by card, then finds
what the card paid on the order and its invoice. Phone: a visitor applies SHOP-PE99-DEMO-0002 (€37.50)
and pays the rest with PayPal. Screenshots at 1280x720 and 390x844. Fixtures: tests/browser.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import customer_sign_in

pytestmark = pytest.mark.timeout(240)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 720}}


def _to_payment(page) -> None:  # type: ignore[no-untyped-def]
    """The home page's first (dearest) product in the cart, on to checkout."""
    page.goto("/")
    page.locator("ul.grid li.card a").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    page.get_by_role("link", name="Checkout").click()
    page.wait_for_url(re.compile(r"/checkout/$"))


def _apply(page, code: str, value: str) -> str:  # type: ignore[no-untyped-def]
    """Apply the gift card; what is left to pay (the pay button says it)."""
    from playwright.sync_api import expect

    page.wait_for_url(re.compile(r"/checkout/payment/$"))
    page.fill("#id_gift_card", code.lower())
    page.get_by_role("button", name="Apply gift card").click()
    expect(page.locator(".gift-card-applied")).to_contain_text(f"Gift card …{code[-4:]} pays €{value}")
    expect(page.locator(".gift-card-line")).to_contain_text(f"−€{value}")
    to_pay = page.locator(".to-pay").inner_text().strip()
    expect(page.get_by_role("button", name=f"Pay {to_pay}")).to_be_visible()
    return to_pay


def test_alice_pays_with_a_gift_card_and_a_card_and_sees_both_on_the_order(tabs, screenshots: Path) -> None:
    from playwright.sync_api import expect

    tab = tabs(**DESKTOP)
    page = tab.page
    customer_sign_in(page, "alice")
    _to_payment(page)
    page.get_by_role("button", name="Continue to payment").click()  # her default address
    to_pay = _apply(page, "SHOP-PE50-DEMO-0001", "50.00")
    page.fill("#id_cardholder", "Alice Jansen")
    page.fill("#id_card_number", "4242 4242 4242 4242")
    tab.shot(screenshots, "gift-card-desktop-1-payment")
    page.get_by_role("button", name=f"Pay {to_pay}").click()
    page.wait_for_url(re.compile(r"/checkout/done/\d{5}/$"))
    expect(page.locator("tr.paid-gift-card")).to_contain_text("€50.00")
    expect(page.locator("tr.paid-method td")).to_have_text(["Paid with Card (Visa, Mastercard, American Express)",
                                                            to_pay])
    tab.shot(screenshots, "gift-card-desktop-2-done")
    number = page.locator(".order-number strong").inner_text().strip()

    page.goto(f"/orders/{number}/")
    expect(page.locator("tr.paid-gift-card")).to_contain_text("Paid with gift card …0001")
    expect(page.get_by_role("button", name=f"Cancel order {number}")).to_be_visible()
    tab.shot(screenshots, "gift-card-desktop-3-order")
    page.locator(".order-actions").scroll_into_view_if_needed()  # cancel and change the address, below the order
    tab.shot(screenshots, "gift-card-desktop-3-order-actions")
    page.get_by_role("link", name=re.compile(r"^Invoice INV-")).click()
    expect(page.locator("tr.paid-gift-card")).to_contain_text("€50.00")
    tab.shot(screenshots, "gift-card-desktop-4-invoice")

    page.goto("/gift-cards/balance/")  # the card was spent
    page.fill("#id_code", "SHOP-PE50-DEMO-0001")
    page.get_by_role("button", name=re.compile("Check")).click()
    expect(page.locator("main")).to_contain_text("€0.00")


def test_a_visitor_on_a_phone_pays_with_a_gift_card_and_paypal(tabs, screenshots: Path) -> None:
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    _to_payment(page)
    page.fill("#id_email", "gwen@example.test")
    page.fill("#id_recipient", "Gwen Guest")
    page.fill("#id_street", "Oudegracht 99")
    page.fill("#id_postcode", "3511 AB")
    page.fill("#id_city", "Utrecht")
    page.get_by_role("button", name="Continue to payment").click()
    to_pay = _apply(page, "SHOP-PE99-DEMO-0002", "37.50")
    page.get_by_label("PayPal").check()
    expect(page.locator("#id_card_number")).to_be_hidden()  # the card's fields only for a card
    tab.shot(screenshots, "gift-card-phone-1-payment")
    page.get_by_role("button", name=f"Pay {to_pay}").click()
    page.wait_for_url(re.compile(r"/checkout/done/\d{5}/$"))
    expect(page.locator("tr.paid-gift-card")).to_contain_text("€37.50")
    expect(page.locator("tr.paid-method td")).to_have_text(["Paid with PayPal", to_pay])
    tab.shot(screenshots, "gift-card-phone-2-done")
