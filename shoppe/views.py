"""Storefront pages."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from shoppe.forms import DemoPaymentForm, GiftCardBalanceForm, GiftCardBuyForm, NewsletterForm
from shoppe.gift_cards import Lookup, gift_card_balance_check, gift_card_buy
from shoppe.guest_orders import order_for_page
from shoppe.links import email_site_url
from shoppe.models import Customer, GiftCard, Product
from shoppe.newsletter import (SignUp, newsletter_confirm, newsletter_confirm_request, newsletter_subscribe,
                               newsletter_unsubscribe, newsletter_unsubscribe_email)
from shoppe.selectors import catalogue_categories, catalogue_list, order_list_for_user
from shoppe.vat import SHOP_VAT_NUMBER, order_vat


def home(request: HttpRequest) -> HttpResponse:
    featured = Product.objects.filter(stock__gt=0).order_by("-price").prefetch_related("translations")[:6]
    return render(request, "shoppe/home.html", {"featured": featured})


def product_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category")
    categories = catalogue_categories()
    return render(request, "shoppe/product_list.html", {
        "products": catalogue_list(category=category), "categories": categories, "category": category,
        "category_label": dict(categories).get(category, category)})


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    return render(request, "shoppe/order_list.html", {"orders": order_list_for_user(user=request.user)})


def invoice_detail(request: HttpRequest, number: int) -> HttpResponse:
    """An order's invoice, for its owner signed in, or for the browser whose chat proved the guest order (the chat
    links to it: a guest's link led to the sign-in form, session 26's walkthrough)."""
    order = order_for_page(user=request.user, session=request.session, number=number, to_change=False)
    if order is None and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if order is None or not hasattr(order, "invoice"):
        raise Http404("No such invoice")
    return render(request, "shoppe/invoice.html", {"order": order, "invoice": order.invoice, "vat": order_vat(order),
                                                   "shop_vat_number": SHOP_VAT_NUMBER})


def gift_card_balance(request: HttpRequest) -> HttpResponse:
    """A gift card's balance by its code (POST, so codes stay out of addresses and logs); guesses are throttled."""
    form = GiftCardBalanceForm(request.POST or None)
    card, status = None, 200
    if request.method == "POST" and form.is_valid():
        checked = gift_card_balance_check(code=form.cleaned_data["code"], address=request.META.get("REMOTE_ADDR", ""))
        if checked.outcome is Lookup.THROTTLED:
            status = 429
            form.add_error(None, gettext("Too many codes were tried that didn't match a gift card. Please try again "
                                         "in an hour, or ask our support team."))
        elif checked.outcome is Lookup.UNKNOWN:
            form.add_error("code", gettext("We don't recognise this code. Check that you typed it exactly as in the "
                                           "gift card email."))
        else:
            card = checked.card
    return render(request, "shoppe/gift_card_balance.html", {"form": form, "card": card}, status=status)


def newsletter_signup(request: HttpRequest) -> HttpResponse:
    """The footer's sign-up form (every page), no account needed; the page it was sent from is shown again.

    Double opt-in (shoppe/newsletter.py): the address gets a link to confirm, and the answer is the same
    whether or not it was on the list already, so the form tells nobody who subscribes.
    """
    form = NewsletterForm(request.POST or None, prefix="newsletter")  # "newsletter-email": not the page's own email field
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        mine = (Customer.objects.filter(user=request.user).first()
                if request.user.is_authenticated and request.user.email.lower() == email.lower() else None)
        asked = newsletter_subscribe(email=email, customer=mine, client=request.META.get("REMOTE_ADDR", ""),
                                     site_url=email_site_url(request))
        if asked is SignUp.THROTTLED:
            form.add_error(None, gettext("Too many newsletter sign-ups came from your connection. Please try again "
                                         "in an hour."))
            return render(request, "shoppe/newsletter.html", {"form": form}, status=429)
        messages.success(request, gettext("Almost done: we've emailed a link to %(email)s. Open it to confirm, and "
                                          "the newsletter arrives every Thursday.") % {"email": email})
        # Back to the page it was sent from. Not a hidden field: every page would echo its own URL
        # (an order number on a 404 included) into its footer.
        back = request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(back)
        return redirect("home")
    return render(request, "shoppe/newsletter.html", {"form": form}, status=400 if request.method == "POST" else 200)


def newsletter_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation email's link: a GET asks, a POST subscribes (mail scanners follow links, and must not
    subscribe anyone). An expired or made-up link says so and points to the form."""
    asked = newsletter_confirm_request(token=token)
    if asked is None:
        return render(request, "shoppe/newsletter_confirm.html", {"expired": True}, status=404)
    email, customer_id = asked
    done = False
    if request.method == "POST":
        newsletter_confirm(email=email, customer_id=customer_id, site_url=email_site_url(request))
        done = True
    return render(request, "shoppe/newsletter_confirm.html", {"email": email, "done": done})


def newsletter_unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every newsletter email: a GET asks, a POST unsubscribes (mail scanners follow links)."""
    email = newsletter_unsubscribe_email(token=token)
    if email is None:
        raise Http404("No such unsubscribe link")
    done = False
    if request.method == "POST":
        newsletter_unsubscribe(email=email)
        done = True
    return render(request, "shoppe/newsletter_unsubscribe.html", {"email": email, "done": done})


BOUGHT_KEY = "gift_cards_bought"  # ids of the cards this browser bought: their page shows the code


def gift_card_shop(request: HttpRequest) -> HttpResponse:
    """Buy a digital gift card: an amount, the buyer's email, and the demo payment."""
    email = request.user.email if request.user.is_authenticated else ""
    form = GiftCardBuyForm(request.POST or None, initial={"email": email})
    payment = DemoPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and payment.is_valid():
        data = form.cleaned_data
        card = gift_card_buy(amount=data["amount"], purchaser_email=data["email"],
                             payment_method=payment.cleaned_data["method"], recipient=data["recipient"],
                             message=data["message"])
        request.session[BOUGHT_KEY] = [*request.session.get(BOUGHT_KEY, [])[-9:], card.id]
        return redirect("gift_card_bought", card_id=card.id)
    return render(request, "shoppe/gift_card_shop.html", {"form": form, "payment": payment})


def gift_card_bought(request: HttpRequest, card_id: int) -> HttpResponse:
    """The confirmation, for the browser that bought the card only."""
    if card_id not in request.session.get(BOUGHT_KEY, []):
        raise Http404("No such gift card")
    return render(request, "shoppe/gift_card_bought.html", {"card": get_object_or_404(GiftCard, id=card_id)})
