"""Account pages: signing up, the account's details, and the customer's saved addresses (their own only)."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.utils.translation import gettext

from shoppe.addresses import (address_delete, address_get_for_user, address_list_for_user, address_save,
                              customer_for)
from shoppe.email_confirmation import (email_changed, email_confirm, email_confirmation_request,
                                       email_confirmation_send, email_confirmed)
from shoppe.forms import AccountForm, AddressForm, SignUpForm
from shoppe.links import email_site_parts, email_site_url
from shoppe.limits import DAY_S, HOUR_S, within_limit
from shoppe.models import Address, Customer
from shoppe.newsletter import SignUp, newsletter_subscribe, newsletter_unsubscribe

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after the form: the page asked for, if it is on this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return fallback


def signup(request: HttpRequest) -> HttpResponse:
    """A new customer account; the customer is signed in straight away.

    Each sign-up emails the address given, with the name given in it: over ACCOUNT_SIGNUPS_PER_CLIENT_PER_HOUR from
    one client it is refused (429), as password resets and the newsletter are, so the form is no way to send the
    shop's emails to strangers in bulk (session 27's security probe)."""
    if request.user.is_authenticated:
        return redirect("account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not within_limit(
            "signup-client", request.META.get("REMOTE_ADDR", ""), per_seconds=HOUR_S,
            limit=settings.ACCOUNT_SIGNUPS_PER_CLIENT_PER_HOUR):
        form.add_error(None, gettext("Too many accounts were created from your connection. Please try again in an "
                                     "hour."))
        return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request, "")}, status=429)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        email_confirmation_send(user=user, site_url=email_site_url(request))
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, gettext("Welcome, %(name)s! Your account is ready.") % {"name": user.first_name})
        return redirect(_safe_next(request, "/account/"))
    return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request, "")})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    customer = Customer.objects.filter(user=request.user).first()
    previous_email = request.user.email
    form = AccountForm(request.POST or None, instance=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        form.save()
        customer = customer or customer_for(request.user)
        messages.success(request, gettext("Your details are saved."))
        changed = "email" in form.changed_data
        if changed:
            email_changed(user=request.user, previous=previous_email, site_url=email_site_url(request))
        _newsletter_choice(request, customer, wanted=form.cleaned_data["newsletter"], email_changed=changed)
        return redirect("account")
    default = address_list_for_user(user=request.user).filter(is_default=True).first()
    return render(request, "shoppe/account.html", {"form": form, "default_address": default,
                                                   "email_confirmed": email_confirmed(request.user)})


@login_required
@require_POST
def email_confirmation_resend(request: HttpRequest) -> HttpResponse:
    """The account page's "send the link again" for an address not confirmed yet."""
    if email_confirmed(request.user) or not email_confirmation_send(user=request.user, site_url=email_site_url(request)):
        messages.error(request, gettext("No new link was sent: the address is confirmed already, or it got several "
                                        "links today. Please use the newest one."))
    else:
        messages.info(request, gettext("We've emailed a new link to %(email)s.") % {"email": request.user.email})
    return redirect("account")


def email_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation email's link: a GET asks, a POST confirms (mail scanners follow links)."""
    asked = email_confirmation_request(token=token)
    if asked is None:
        return render(request, "shoppe/email_confirm.html", {"expired": True}, status=404)
    user_id, email = asked
    if request.method != "POST":
        return render(request, "shoppe/email_confirm.html", {"email": email, "done": False})
    if not email_confirm(user_id=user_id, email=email):  # the account's address changed since the link was sent
        return render(request, "shoppe/email_confirm.html", {"expired": True}, status=404)
    return render(request, "shoppe/email_confirm.html", {"email": email, "done": True})


def _newsletter_choice(request: HttpRequest, customer: Customer, *, wanted: bool, email_changed: bool) -> None:
    """The account's newsletter tick: off at once; on once the account's address is confirmed by the emailed
    link (double opt-in, shoppe/newsletter.py), since nobody has checked that the address is the customer's.

    The page answers the same whether or not the address is on the newsletter already, and unticking takes off
    only the address this account confirmed: an account pointed at someone else's address learns and changes
    nothing about that person's subscription.
    """
    email = request.user.email
    if email_changed and customer.newsletter:  # the tick was the old address's; the new one is not confirmed
        Customer.objects.filter(id=customer.id).update(newsletter=False)
        customer.newsletter = False
    if not wanted:
        if customer.newsletter:
            newsletter_unsubscribe(email=email)
        return
    if customer.newsletter:
        return
    asked = newsletter_subscribe(email=email, customer=customer, client=request.META.get("REMOTE_ADDR", ""),
                                 site_url=email_site_url(request))
    if asked is SignUp.THROTTLED:
        messages.error(request, gettext("Too many newsletter sign-ups came from your connection. Please try again in "
                                        "an hour."))
    else:
        messages.info(request, gettext("To receive the newsletter, open the link we've emailed to %(email)s.")
                      % {"email": email})


@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    return render(request, "shoppe/address_list.html", {"addresses": address_list_for_user(user=request.user)})


def _own_address(request: HttpRequest, address_id: int) -> Address:
    address = address_get_for_user(user=request.user, address_id=address_id)
    if address is None:  # someone else's address looks exactly like no address
        raise Http404("No such address")
    return address


def _saved(request: HttpRequest, address: Address) -> None:
    if address.is_po_box:  # help: addresses: a PO box takes Standard delivery only
        messages.success(request, gettext("Address saved. It's a PO box, so choose Standard delivery when you use "
                                          "it at checkout."))
    else:
        messages.success(request, gettext("Address saved."))


@login_required
def address_add(request: HttpRequest) -> HttpResponse:
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = form.save(commit=False)
        address.customer = customer_for(request.user)
        address_save(address=address)
        _saved(request, address)
        return redirect("addresses")
    return render(request, "shoppe/address_form.html", {"form": form, "adding": True})


@login_required
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    address = _own_address(request, address_id)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        _saved(request, address_save(address=form.save(commit=False)))
        return redirect("addresses")
    return render(request, "shoppe/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_remove(request: HttpRequest, address_id: int) -> HttpResponse:
    address_delete(address=_own_address(request, address_id))
    messages.success(request, gettext("Address deleted. Orders you already placed keep their address."))
    return redirect("addresses")


class SignIn(auth_views.LoginView):
    """The sign-in form; a customer already signed in (a "Sign in" link on an earlier chat reply) goes on to the
    page it led to, or My orders. A `next` that is the sign-in page itself (any language) counts as none: Django
    refuses to redirect a signed-in user to the page they are on (a 500)."""

    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        return "" if urlsplit(url).path.endswith("/account/login/") else url

    def get_default_redirect_url(self) -> str:
        """With no page to go back to: the support team to their console (they landed on an empty My orders:
        session 26's walkthrough), customers to My orders."""
        from support.roles import can_view_console

        return resolve_url("console") if can_view_console(self.request.user) else super().get_default_redirect_url()


class PasswordReset(auth_views.PasswordResetView):
    """Django's password reset, limited: an account's address is not verified, so the form must not be a way to
    flood an inbox. Over PASSWORD_RESETS_PER_ADDRESS_PER_DAY an address gets no more emails, and the page is the
    same as for a sent one (nobody learns anything); over PASSWORD_RESETS_PER_CLIENT_PER_HOUR a client is told
    to wait (429)."""

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        if not within_limit("password-reset-client", self.request.META.get("REMOTE_ADDR", ""), per_seconds=HOUR_S,
                            limit=settings.PASSWORD_RESETS_PER_CLIENT_PER_HOUR):
            form.add_error(None, gettext("Too many password resets came from your connection. Please try again in "
                                         "an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not within_limit("password-reset-address", form.cleaned_data["email"], per_seconds=DAY_S,
                            limit=settings.PASSWORD_RESETS_PER_ADDRESS_PER_DAY):
            return redirect(self.get_success_url())
        self.extra_email_context = email_site_parts()  # the link points at SITE_URL, not at the Host header
        return super().form_valid(form)
