"""Product reviews (help: reviews): only buyers write them, staff publish them, and nobody is rewarded for one.

A buyer is a customer with a delivered order holding the product (signed in), or whoever holds
the link of the "how was it" email sent 14 days after delivery (guests included): the link is
the order's id signed with the site's key.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from shoppe.models import Order, Product, Review

log = logging.getLogger(__name__)
_SALT = "shoppe.reviews.invitation"
INVITE_AFTER = timedelta(days=14)
INVITE_UNTIL = timedelta(days=60)  # an old delivery gets no invitation (a first run on old data)
REVIEWABLE = {Order.Status.DELIVERED, Order.Status.RETURNED}


class ReviewRefused(Exception):
    """The review cannot be taken; the message says why, for the customer."""


def review_order_for_user(*, user: AbstractBaseUser | AnonymousUser, product: Product) -> Order | None:
    """The signed-in customer's delivered order holding `product` and not reviewed for it yet, if any."""
    if not user.is_authenticated:
        return None
    return (Order.objects.filter(customer__user=user, status__in=REVIEWABLE, items__product=product)
            .exclude(reviews__product=product).order_by("-placed_at").first())


def review_submit(*, order: Order, product: Product, rating: int, text: str, author_name: str) -> Review:
    if order.status not in REVIEWABLE or not order.items.filter(product=product).exists():
        raise ReviewRefused(gettext("You can review a product once it has been delivered to you."))
    try:
        with transaction.atomic():
            return Review.objects.create(order=order, product=product, rating=rating, text=text.strip(),
                                         author_name=author_name.strip()[:80] or "A customer")
    except IntegrityError:
        raise ReviewRefused(gettext("You already reviewed %(product)s for this order.") % {"product": product.local_name}) from None


def review_moderate(*, review_id: int, publish: bool) -> Review:
    """Publish or reject: about content only (personal details, offensive language, ads), never the rating."""
    review = Review.objects.get(id=review_id)
    review.status = Review.Status.PUBLISHED if publish else Review.Status.REJECTED
    review.moderated_at = timezone.now()
    review.save(update_fields=["status", "moderated_at"])
    return review


def review_invitation_path(*, order: Order) -> str:
    return reverse("review_write", args=[signing.dumps(order.id, salt=_SALT)])


# An invitation goes out INVITE_AFTER a delivery, and only until INVITE_UNTIL: its link works a month after that.
INVITATION_VALID = INVITE_UNTIL + timedelta(days=30)


def review_invitation_order(*, token: str) -> Order | None:
    """The order an invitation link was made for; None for a link not made here or older than INVITATION_VALID."""
    try:
        return Order.objects.filter(id=signing.loads(token, salt=_SALT,
                                                     max_age=INVITATION_VALID.total_seconds())).first()
    except signing.BadSignature:
        return None


def _invitation(order: Order, *, link: str) -> dict[str, str]:
    names = ", ".join(item.product.local_name for item in order.items.all())
    body = [gettext("How was your order %(number)s (%(products)s)?") % {"number": order.number, "products": names},
            gettext("Tell other customers what you think: %(link)s") % {"link": link},
            gettext("We publish honest reviews, positive or negative, after a short check. Reviews are never "
                    "rewarded."), "Example Shoppe"]
    return {"subject": gettext("How was your order %(number)s?") % {"number": order.number},
            "message": "\n\n".join(body)}


def review_invitations_send(*, site_url: str, now: datetime | None = None) -> int:
    """The "how was it" emails: once per order delivered 14 days ago (to 60); returns how many went."""
    now = now or timezone.now()
    due = Order.objects.filter(status=Order.Status.DELIVERED, review_invited_at__isnull=True,
                               delivered_at__lte=now - INVITE_AFTER, delivered_at__gte=now - INVITE_UNTIL)
    sent = 0
    for order in due.prefetch_related("items__product"):
        # Claimed first: two runs at once send one email per order.
        if not Order.objects.filter(id=order.id, review_invited_at__isnull=True).update(review_invited_at=now):
            continue
        try:
            with translation.override(order.mail_language):  # no customer's page here: the order's own language
                send_mail(**_invitation(order, link=site_url + review_invitation_path(order=order)),
                          from_email=None, recipient_list=[order.email])
            sent += 1
        except Exception:  # noqa: BLE001 - the next order still gets its email
            log.exception("the review invitation for order %s could not be sent", order.number)
    return sent
