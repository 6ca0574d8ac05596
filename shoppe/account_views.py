"""Account pages: signing up, the account's details, and the customer's saved addresses (their own only)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.utils.translation import gettext

from shoppe.addresses import (address_delete, address_get_for_user, address_list_for_user, address_save,
                              customer_for)
from shoppe.forms import AccountForm, AddressForm, SignUpForm
from shoppe.models import Address, Customer
from shoppe.newsletter import SignUp, newsletter_subscribe, newsletter_subscribed, newsletter_unsubscribe

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after the form: the page asked for, if it is on this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return fallback


def signup(request: HttpRequest) -> HttpResponse:
    """A new customer account; the customer is signed in straight away."""
    if request.user.is_authenticated:
        return redirect("account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, gettext("Welcome, %(name)s! Your account is ready.") % {"name": user.first_name})
        return redirect(_safe_next(request, "/account/"))
    return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request, "")})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    customer = Customer.objects.filter(user=request.user).first()
    form = AccountForm(request.POST or None, instance=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        form.save()
        customer = customer or customer_for(request.user)
        messages.success(request, gettext("Your details are saved."))
        _newsletter_choice(request, customer, wanted=form.cleaned_data["newsletter"])
        return redirect("account")
    default = address_list_for_user(user=request.user).filter(is_default=True).first()
    return render(request, "shoppe/account.html", {"form": form, "default_address": default})


def _newsletter_choice(request: HttpRequest, customer: Customer, *, wanted: bool) -> None:
    """The account's newsletter tick: off at once; on only once the account's address is confirmed by the emailed
    link (double opt-in, shoppe/newsletter.py), since nobody has checked that the address is the customer's."""
    email = request.user.email
    subscribed = newsletter_subscribed(email=email)
    if not wanted:
        if subscribed or customer.newsletter:
            newsletter_unsubscribe(email=email)
            Customer.objects.filter(id=customer.id).update(newsletter=False)
        return
    if subscribed:
        Customer.objects.filter(id=customer.id).update(newsletter=True)  # confirmed before, e.g. in the footer
        return
    Customer.objects.filter(id=customer.id).update(newsletter=False)  # an address changed since it was confirmed
    asked = newsletter_subscribe(email=email, client=request.META.get("REMOTE_ADDR", ""),
                                 site_url=request.build_absolute_uri("/").rstrip("/"))
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
