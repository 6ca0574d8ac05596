"""The Thursday newsletter: subscribing (footer form, checkout, account), confirming, unsubscribing (help: newsletter).

Double opt-in, as EU shops do: asking for the newsletter (any of the three ways) only sends
a confirmation link to the address; the address is on the newsletter once its owner opens
the link and confirms (`NewsletterSubscription.confirmed_at` records when). So nobody can
put someone else's address on the list, and the shop holds proof of each consent.

Nobody can flood an address either: NEWSLETTER_CONFIRMATIONS_PER_ADDRESS_PER_DAY confirmation emails
an address a day, and at most NEWSLETTER_SIGNUPS_PER_CLIENT_PER_HOUR sign-ups from one client address an hour (the footer
form answers 429 above it); counted by shoppe/limits.py, which refuses when the cache cannot count.

Confirmation and unsubscribe links carry the address signed with the site's key, so they
work without signing in and cannot be made for another address; a confirmation link
expires after CONFIRM_LINK_DAYS days.
"""
from __future__ import annotations

import enum
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from shoppe.limits import DAY_S, HOUR_S, within_limit
from shoppe.models import Customer, NewsletterSubscription

log = logging.getLogger(__name__)
_SALT = "shoppe.newsletter.unsubscribe"
_CONFIRM_SALT = "shoppe.newsletter.confirm"
CONFIRM_LINK_DAYS = 7


class SignUp(enum.Enum):
    CONFIRMATION_SENT = "confirmation_sent"  # or already sent today: the same answer, so nobody learns which
    ALREADY_SUBSCRIBED = "already_subscribed"  # the address confirmed before: nothing sent
    THROTTLED = "throttled"  # too many sign-ups from this client this hour: nothing done


# --- links ------------------------------------------------------------------------------------------------------
def newsletter_unsubscribe_path(*, email: str) -> str:
    return reverse("newsletter_unsubscribe", args=[signing.dumps(email.strip().lower(), salt=_SALT)])


def newsletter_unsubscribe_email(*, token: str) -> str | None:
    """The address an unsubscribe link was made for; None for a link that was not made here."""
    try:
        return signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None


def newsletter_confirm_path(*, email: str, customer_id: int | None = None) -> str:
    """The confirmation link for `email`; with `customer_id`, confirming also ticks that account's newsletter."""
    token = signing.dumps({"email": email.strip().lower(), "customer": customer_id}, salt=_CONFIRM_SALT)
    return reverse("newsletter_confirm", args=[token])


def newsletter_confirm_request(*, token: str) -> tuple[str, int | None] | None:
    """(address, account id or None) a confirmation link was made for; None for a link not made here or older
    than CONFIRM_LINK_DAYS."""
    try:
        asked = signing.loads(token, salt=_CONFIRM_SALT, max_age=CONFIRM_LINK_DAYS * DAY_S)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return asked["email"], asked["customer"]


# --- asking, confirming, leaving ---------------------------------------------------------------------------------
def newsletter_subscribed(*, email: str) -> bool:
    return NewsletterSubscription.objects.filter(email=email.strip().lower(), subscribed=True).exists()


def newsletter_subscribe(*, email: str, customer: Customer | None = None, client: str = "",
                         site_url: str = "") -> SignUp:
    """Ask for the newsletter at `email`: a confirmation link goes to it (after the commit), nothing more.

    With `customer` (an account asking for its own, unverified address), the link is sent even when the
    address is on the newsletter already, and confirming it ticks that account's newsletter: so the
    account page tells nobody whether an address is subscribed. `client` is the asking client's network
    address, for the hourly limit ("" when the request is part of something already limited, such as a
    placed order); `site_url` ("https://shop.example") makes the link absolute. Fails closed: without
    the cache no email is sent.
    """
    email = email.strip().lower()
    if client and not within_limit("newsletter-signups", client, per_seconds=HOUR_S,
                                   limit=settings.NEWSLETTER_SIGNUPS_PER_CLIENT_PER_HOUR):
        return SignUp.THROTTLED
    if customer is None and newsletter_subscribed(email=email):
        return SignUp.ALREADY_SUBSCRIBED
    if within_limit("newsletter-confirmations", email, per_seconds=DAY_S,
                    limit=settings.NEWSLETTER_CONFIRMATIONS_PER_ADDRESS_PER_DAY):
        link = site_url + newsletter_confirm_path(email=email, customer_id=customer.id if customer else None)
        transaction.on_commit(lambda: _confirmation_send(email, link))
    return SignUp.CONFIRMATION_SENT


def newsletter_confirm(*, email: str, customer_id: int | None = None, site_url: str = "") -> bool:
    """The owner of `email` confirmed by its link: on the newsletter from now, and the account that asked
    (`customer_id`, while its address is still `email`) shows it ticked.

    True when this confirmed it; False when it was confirmed already (no second welcome email).
    """
    email = email.strip().lower()
    now = timezone.now()
    with transaction.atomic():
        if customer_id is not None:
            Customer.objects.filter(id=customer_id, user__email__iexact=email).update(newsletter=True)
        subscription, _ = NewsletterSubscription.objects.select_for_update().get_or_create(
            email=email, defaults={"subscribed": False, "changed_at": now})
        if subscription.subscribed:
            return False
        subscription.subscribed, subscription.confirmed_at, subscription.changed_at = True, now, now
        subscription.save(update_fields=["subscribed", "confirmed_at", "changed_at"])
    link = site_url + newsletter_unsubscribe_path(email=email)
    transaction.on_commit(lambda: _welcome_send(email, link))
    return True


def newsletter_unsubscribe(*, email: str) -> None:
    """Take `email` off the newsletter: its subscription and any account with that address."""
    email = email.strip().lower()
    with transaction.atomic():
        NewsletterSubscription.objects.filter(email=email).update(subscribed=False, changed_at=timezone.now())
        users = User.objects.filter(email__iexact=email)
        Customer.objects.filter(user__in=users).update(newsletter=False)


# --- the emails (in the language of the page the customer asked on) ---------------------------------------------
def _confirmation_send(email: str, link: str) -> None:
    body = "\n\n".join([
        gettext("Someone, hopefully you, asked for the Example Shoppe newsletter at this address. To receive it "
                "every Thursday, confirm here: %(link)s") % {"link": link},
        gettext("The link works for %(days)s days. If you didn't ask for the newsletter, ignore this email: "
                "you won't be subscribed and won't hear from us again.") % {"days": CONFIRM_LINK_DAYS},
        "Example Shoppe"])
    try:
        send_mail(gettext("Please confirm your Example Shoppe newsletter subscription"), body, None, [email])
    except Exception:  # noqa: BLE001 - the customer can ask again; nothing was subscribed
        log.exception("the newsletter confirmation email could not be sent")


def _welcome_send(email: str, link: str) -> None:
    body = "\n\n".join([
        gettext("You're subscribed to the Example Shoppe newsletter. It arrives every Thursday with new products, "
                "home inspiration and offers."),
        gettext("Changed your mind? Unsubscribe here: %(link)s") % {"link": link}, "Example Shoppe"])
    try:
        send_mail(gettext("Welcome to the Example Shoppe newsletter"), body, None, [email])
    except Exception:  # noqa: BLE001 - a mail server that is down does not undo the subscription
        log.exception("the newsletter welcome email could not be sent")
