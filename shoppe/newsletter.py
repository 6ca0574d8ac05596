"""The Thursday newsletter: subscribing (footer form, checkout, account) and unsubscribing by link (help: newsletter).

An unsubscribe link carries the address signed with the site's key, so it works without
signing in and cannot be made for someone else's address.
"""
from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from shoppe.models import Customer, NewsletterSubscription

log = logging.getLogger(__name__)
_SALT = "shoppe.newsletter.unsubscribe"


def newsletter_unsubscribe_path(*, email: str) -> str:
    return reverse("newsletter_unsubscribe", args=[signing.dumps(email.strip().lower(), salt=_SALT)])


def newsletter_unsubscribe_email(*, token: str) -> str | None:
    """The address an unsubscribe link was made for; None for a link that was not made here."""
    try:
        return signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None


def newsletter_subscribe(*, email: str, customer: Customer | None = None, site_url: str = "") -> None:
    """Put `email` on the newsletter (the account's flag too, when it is a customer's own address).

    A welcome email with the unsubscribe link goes to the address after the commit; `site_url`
    ("https://shop.example") makes the link absolute.
    """
    email = email.strip().lower()
    with transaction.atomic():
        if customer is not None:
            Customer.objects.filter(id=customer.id).update(newsletter=True)
        else:
            NewsletterSubscription.objects.update_or_create(
                email=email, defaults={"subscribed": True, "changed_at": timezone.now()})
    link = site_url + newsletter_unsubscribe_path(email=email)
    transaction.on_commit(lambda: _welcome_send(email, link))


def newsletter_unsubscribe(*, email: str) -> None:
    """Take `email` off the newsletter: its subscription and any account with that address."""
    email = email.strip().lower()
    with transaction.atomic():
        NewsletterSubscription.objects.filter(email=email).update(subscribed=False, changed_at=timezone.now())
        users = User.objects.filter(email__iexact=email)
        Customer.objects.filter(user__in=users).update(newsletter=False)


def _welcome_send(email: str, link: str) -> None:
    # Sent after the commit of the customer's own request: in the language of the page they subscribed on.
    body = "\n\n".join([
        gettext("You're subscribed to the Example Shoppe newsletter. It arrives every Thursday with new products, "
                "home inspiration and offers."),
        gettext("Changed your mind? Unsubscribe here: %(link)s") % {"link": link}, "Example Shoppe"])
    try:
        send_mail(gettext("Welcome to the Example Shoppe newsletter"), body, None, [email])
    except Exception:  # noqa: BLE001 - a mail server that is down does not undo the subscription
        log.exception("the newsletter welcome email could not be sent")
