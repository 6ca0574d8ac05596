"""Confirming that an account's email address is its owner's: a link sent at sign-up and after each change.

Until it is confirmed (`Customer.email_confirmed_at`), nothing the address would grant is granted:
no conversation transcripts are emailed to it, and a visitor's conversation that proved a guest
order placed with that address is not taken into the account on sign-in (support.services.proofs
`proofs_belong_to`). After a change the previous address is told. The link carries the account and the address, signed with the site's key, and
works for CONFIRM_LINK_DAYS days and only while the account still has that address; its GET asks and
its POST confirms (mail scanners follow links). At most EMAIL_CONFIRMATIONS_PER_ADDRESS_PER_DAY links
go to one address a day (shoppe/limits.py).
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from shoppe.limits import DAY_S, within_limit
from shoppe.models import Customer

log = logging.getLogger(__name__)
_SALT = "shoppe.account.email-confirm"
CONFIRM_LINK_DAYS = 3


def email_confirmed(user: AbstractBaseUser) -> bool:
    """Whether the account's current address was confirmed by its owner."""
    return Customer.objects.filter(user_id=user.pk, email_confirmed_at__isnull=False).exists()


def email_confirmation_send(*, user: AbstractBaseUser, site_url: str = "") -> bool:
    """Email the account's address a link to confirm it (after the commit); False when over the address's limit."""
    email = (getattr(user, "email", "") or "").strip()
    if not email or not within_limit("email-confirmations", email, per_seconds=DAY_S,
                                     limit=settings.EMAIL_CONFIRMATIONS_PER_ADDRESS_PER_DAY):
        return False
    token = signing.dumps({"user": user.pk, "email": email.lower()}, salt=_SALT)
    link = site_url + reverse("email_confirm", args=[token])
    name = getattr(user, "first_name", "") or user.get_username()
    transaction.on_commit(lambda: _send(email, name, link))
    return True


def email_changed(*, user: AbstractBaseUser, previous: str, site_url: str = "") -> None:
    """The account's address changed from `previous`: not confirmed any more, a link goes to the new one, and the
    previous address is told (after the commit): if it was not its owner who changed it (a session left open,
    or stolen), they learn it while they can still reset their password there."""
    Customer.objects.filter(user_id=user.pk).update(email_confirmed_at=None)
    email_confirmation_send(user=user, site_url=site_url)
    if previous:
        new = user.email
        transaction.on_commit(lambda: _change_notice_send(previous, new))


def email_confirmation_request(*, token: str) -> tuple[int, str] | None:
    """(account id, address) a link was made for; None for a link not made here or too old."""
    try:
        asked = signing.loads(token, salt=_SALT, max_age=CONFIRM_LINK_DAYS * DAY_S)
    except signing.BadSignature:
        return None
    return asked["user"], asked["email"]


def email_confirm(*, user_id: int, email: str) -> bool:
    """Confirm the account's address; False when the account's address is no longer the one the link was for."""
    return bool(Customer.objects.filter(user_id=user_id, user__email__iexact=email)
                .update(email_confirmed_at=timezone.now()))


def _send(email: str, name: str, link: str) -> None:
    body = "\n\n".join([
        gettext("Hello %(name)s,") % {"name": name},
        gettext("Please confirm that this is the email address of your Example Shoppe account: %(link)s")
        % {"link": link},
        gettext("The link works for %(days)s days. If you don't have an account with us, ignore this email: "
                "nothing is sent to this address until it is confirmed.") % {"days": CONFIRM_LINK_DAYS},
        "Example Shoppe"])
    try:
        send_mail(gettext("Please confirm your email address for Example Shoppe"), body, None, [email])
    except Exception:  # noqa: BLE001 - the account page offers to send the link again
        log.warning("the email confirmation could not be sent", exc_info=True)


def _change_notice_send(previous: str, new: str) -> None:
    local, _, domain = new.partition("@")
    masked = f"{local[:2]}…@{domain}"
    body = "\n\n".join([
        gettext("The email address of your Example Shoppe account was just changed to %(address)s.") % {"address": masked},
        gettext("If that was you, there is nothing to do. If it wasn't, reset your password now with this address "
                "and write to support@example-shoppe.test."),
        "Example Shoppe"])
    try:
        send_mail(gettext("Your Example Shoppe email address was changed"), body, None, [previous])
    except Exception:  # noqa: BLE001 - the change stands; the notice is a courtesy
        log.warning("the email-change notice could not be sent", exc_info=True)
