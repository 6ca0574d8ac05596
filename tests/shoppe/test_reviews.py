"""Reviews as the help describes them (#15 item 3): buyers review on the product page or through the
"how was it" email sent 14 days after delivery (guests too), staff publish them after moderation.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from shoppe.models import Order, Review
from shoppe.reviews import review_invitations_send, review_moderate

pytestmark = pytest.mark.django_db
LAMP = "/products/blue-ceramic-table-lamp/"
REVIEW = {"rating": "4", "text": "Lovely glaze, a bit smaller than I thought.", "author_name": "Alice J."}


def test_a_buyer_reviews_on_the_product_page_and_it_shows_once_published(client: Client, make_customer,
                                                                         make_order) -> None:
    alice = make_customer("alice")
    make_order(alice, status="delivered")
    client.force_login(alice)
    assert b"Write a review" in client.get(LAMP).content
    response = client.post(f"{LAMP}review/", REVIEW, follow=True)
    assert b"after a short check" in response.content
    review = Review.objects.get()
    assert review.status == Review.Status.PENDING and review.rating == 4
    assert b"Lovely glaze" not in Client().get(LAMP).content  # not before moderation

    review_moderate(review_id=review.id, publish=True)
    page = Client().get(LAMP).content.decode()
    assert "Lovely glaze" in page and "★★★★☆" in page and "Alice J." in page
    assert "Write a review" not in client.get(LAMP).content.decode()  # one review per product per order


def test_only_a_buyer_with_a_delivered_order_gets_the_form(client: Client, make_customer, make_order) -> None:
    bob = make_customer("bob", first_name="Bob")
    make_order(bob, status="shipped")
    client.force_login(bob)
    assert b"Write a review" not in client.get(LAMP).content
    assert client.post(f"{LAMP}review/", REVIEW).status_code == 404
    assert b"Sign in</a> to review it" in Client().get(LAMP).content
    assert not Review.objects.exists()


def test_the_how_was_it_email_lets_a_guest_review(make_guest_order) -> None:
    order = make_guest_order(status="delivered")
    Order.objects.filter(id=order.id).update(delivered_at=timezone.now() - timedelta(days=15))
    fresh = make_guest_order(status="delivered")
    Order.objects.filter(id=fresh.id).update(delivered_at=timezone.now() - timedelta(days=3))

    assert review_invitations_send(site_url="http://testserver") == 1
    assert review_invitations_send(site_url="http://testserver") == 0  # once per order
    assert mail.outbox[0].to == [order.email] and str(order.number) in mail.outbox[0].subject
    link = re.search(r"http://testserver(/reviews/write/\S+/)", mail.outbox[0].body).group(1)  # type: ignore[union-attr]

    guest = Client()
    product = order.items.get().product
    assert guest.post(link, {**REVIEW, "product": str(product.id)})["Location"] == LAMP
    assert Review.objects.get().order == order
    assert guest.get("/reviews/write/made-up/").status_code == 404


def test_an_invitation_link_expires_a_month_after_invitations_stop(make_guest_order, monkeypatch) -> None:
    import time

    from shoppe.reviews import INVITATION_VALID, review_invitation_path

    order = make_guest_order(status="delivered")
    link = review_invitation_path(order=order)
    assert Client().get(link).status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + INVITATION_VALID.total_seconds() + 60)
    assert Client().get(link).status_code == 404  # a forwarded or leaked email no longer posts reviews
