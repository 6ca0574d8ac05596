"""In Chromium: alice pays her order that waits for its payment, from its page (customer walkthrough: it had no way).

She finds it in My orders, presses "Pay now", gets the checkout's payment step for that order, is told her bank
declined the test card, pays with the card that works and is back on the order, now processing, with its invoice.
Screenshots at 1280x720 and 390x844. Fixtures: tests/browser.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import customer_sign_in

pytestmark = pytest.mark.timeout(240)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 720}}


def test_the_pay_page_fits_a_phone(tabs, screenshots: Path) -> None:
    # First in the module: it pays nothing, and the desktop test below pays alice's only unpaid order.
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    customer_sign_in(page, "alice")
    unpaid = page.locator("tr", has=page.locator(".badge", has_text="Pending payment"))
    unpaid.locator("a").first.click()
    page.get_by_role("link", name="Pay now").click()
    page.get_by_label("PayPal").check()
    expect(page.locator("#id_card_number")).to_be_hidden()  # payment.js: the card's fields only for a card
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tab.shot(screenshots, "order-payment-phone-1-pay")


def test_alice_pays_her_unpaid_order_after_a_declined_card(tabs, screenshots: Path) -> None:
    from playwright.sync_api import expect

    tab = tabs(**DESKTOP)
    page = tab.page
    customer_sign_in(page, "alice")
    unpaid = page.locator("tr", has=page.locator(".badge", has_text="Pending payment"))
    number = unpaid.locator("a").first.inner_text().strip()
    unpaid.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/orders/{number}/$"))
    expect(page.locator(".order-payment")).to_contain_text("This order isn't paid yet")
    tab.shot(screenshots, "order-payment-desktop-1-order")

    page.get_by_role("link", name="Pay now").click()
    page.wait_for_url(re.compile(rf"/orders/{number}/pay/$"))
    expect(page.get_by_role("heading", name=f"Pay order {number}")).to_be_visible()
    to_pay = page.locator("table.summary th").last.inner_text().strip()
    page.fill("#id_cardholder", "Alice Jansen")
    page.fill("#id_card_number", "4000 0000 0000 0002")
    page.get_by_role("button", name=f"Pay {to_pay}").click()
    expect(page.locator("#payment-problem")).to_contain_text("Your bank declined this payment. Please try another card.")
    expect(page.locator("#payment-problem")).to_be_focused()
    tab.shot(screenshots, "order-payment-desktop-2-declined")

    page.fill("#id_card_number", "4242 4242 4242 4242")
    page.get_by_role("button", name=f"Pay {to_pay}").click()
    page.wait_for_url(re.compile(rf"/orders/{number}/$"))
    expect(page.locator(".messages")).to_contain_text(f"Order {number} is paid")
    expect(page.locator(".order-status")).to_have_text("Processing")
    expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Invoice INV-"))).to_be_visible()
    tab.shot(screenshots, "order-payment-desktop-3-paid")

    page.goto(f"/orders/{number}/pay/")  # the pay link again, from the history: refused politely
    page.wait_for_url(re.compile(rf"/orders/{number}/$"))
    expect(page.locator(".messages")).to_contain_text(f"Order {number} is already paid.")
