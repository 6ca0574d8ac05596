"""The invoice shows its VAT (help: invoices, "the VAT is shown separately on the invoice"; session 26's walkthrough
found none): the delivery country's standard rate for an order in the EU, none for an export, and the seller's VAT
number."""
from __future__ import annotations

from decimal import Decimal

import pytest

from shoppe.vat import SHOP_VAT_NUMBER, order_vat

pytestmark = pytest.mark.django_db


def test_an_order_to_the_netherlands_shows_21_percent_included_and_the_total_without_it(client, make_customer,
                                                                                      make_order) -> None:
    alice = make_customer("alice")
    order = make_order(alice, status="delivered")  # 64.00 + 4.95 delivery, to Amsterdam
    client.force_login(alice)
    page = client.get(f"/orders/{order.number}/invoice/").content.decode()
    assert "Included VAT 21% (Netherlands)" in page and "€11.97" in page  # 68.95 * 21 / 121
    assert "Total excl. VAT" in page and "€56.98" in page
    assert SHOP_VAT_NUMBER in page
    german = client.get(f"/de/orders/{order.number}/invoice/").content.decode()
    assert "Enthaltene USt. 21% (Niederlande)" in german and "Summe ohne USt." in german


@pytest.mark.parametrize(("country", "rate", "vat"), [("Germany", "19", "11.01"), ("Finland", "25.5", "14.01"),
                                                      ("Switzerland", "0", "0.00")])
def test_the_rate_is_the_delivery_countrys_and_an_export_has_none(make_customer, make_order, country, rate,
                                                                  vat) -> None:
    order = make_order(make_customer("alice"))
    order.shipping_address = f"Somewhere 1\n12345 Town\n{country}"
    figures = order_vat(order)
    assert (figures.rate, figures.amount) == (Decimal(rate), Decimal(vat))
    assert figures.net + figures.amount == order.total and figures.export == (country == "Switzerland")
