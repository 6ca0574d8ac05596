"""The cart, checkout (address and delivery, then the demo payment) and the order confirmation."""
from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shoppe.addresses import address_list_for_user, address_parts, address_save, customer_for
from shoppe.cart import MAX_QUANTITY, Cart
from shoppe.checkout import CheckoutRefused, delivery_option_get, delivery_options, order_place
from shoppe.forms import CheckoutForm, DemoPaymentForm, GiftCardApplyForm
from shoppe.gift_cards import Lookup, gift_card_balance_check, gift_card_usable
from shoppe.links import email_site_url
from shoppe.models import EU_COUNTRIES, Address, GiftCard, Order, Product
from shoppe.newsletter import SignUp, newsletter_subscribe

CHECKOUT_KEY = "checkout"
PLACED_KEY = "placed_orders"  # order numbers this browser placed: their confirmation pages open without signing in


def _quantity(value: str | None, default: int = 1) -> int:
    try:
        return max(0, min(int(value or default), MAX_QUANTITY))
    except ValueError:
        return default


def cart_view(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    lines = cart.lines()
    return render(request, "shoppe/cart.html", {
        "lines": lines, "items_total": sum((line.line_total for line in lines), Decimal("0.00")),
        "max_quantity": MAX_QUANTITY})


@require_POST
def cart_add(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    if product.stock < 1:
        messages.error(request, gettext("Sorry, %(product)s is out of stock.") % {"product": product.local_name})
        return redirect(product.get_absolute_url())
    wanted = _quantity(request.POST.get("quantity"))
    in_cart = Cart(request.session).add(product, wanted)
    messages.success(request, gettext("%(product)s is in your cart (%(count)s).") % {"product": product.local_name, "count": in_cart})
    return redirect("cart")


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    """New quantities for the cart's lines ("quantity-<product id>"), or one line removed ("remove")."""
    cart = Cart(request.session)
    if request.POST.get("remove", "").isdigit():
        cart.remove(int(request.POST["remove"]))
        return redirect("cart")
    for line in cart.lines():
        field = f"quantity-{line.product.id}"
        if field in request.POST:
            cart.set(line.product.id, min(_quantity(request.POST[field], default=line.quantity), line.product.stock))
    messages.success(request, gettext("Your cart is updated."))
    return redirect("cart")


def _cart_problem(cart: Cart) -> str | None:
    lines = cart.lines()
    if not lines:
        return gettext("Your cart is empty.")
    short = [line for line in lines if not line.in_stock]
    if short:
        return (gettext("Sorry, only %(left)s × %(product)s left in stock. Please update your cart.")
                % {"left": short[0].product.stock, "product": short[0].product.local_name})
    return None


def checkout(request: HttpRequest) -> HttpResponse:
    """Step 1: email (visitors), delivery address and delivery option."""
    cart = Cart(request.session)
    problem = _cart_problem(cart)
    if problem:
        if cart.count:
            messages.error(request, problem)
        return redirect("cart")
    signed_in = request.user.is_authenticated and bool(request.user.email)
    addresses = list(address_list_for_user(user=request.user))
    saved = request.session.get(CHECKOUT_KEY) or {}
    form = CheckoutForm(request.POST or None, addresses=addresses, signed_in=signed_in,
                        initial={key: saved[key] for key in ("email", "delivery", "billing_address", "company_name",
                                                             "vat_number", "newsletter") if key in saved})
    items_total = cart.items_total()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if delivery_option_get(name=data["delivery"], country=data["country"], items_total=items_total) is None:
            form.add_error("delivery", f"{data['delivery']} delivery isn't available to {data['country']}.")
        else:
            request.session[CHECKOUT_KEY] = {
                "email": request.user.email if signed_in else data["email"], "address": data["address"],
                "country": data["country"], "delivery": data["delivery"],
                "save_address": bool(data.get("save_address")) and not data.get("saved_address"),
                "billing_address": data["billing_address"].strip(), "company_name": data["company_name"].strip(),
                "vat_number": data["vat_number"], "newsletter": data["newsletter"]}
            return redirect("checkout_payment")
    return render(request, "shoppe/checkout.html", {
        "form": form, "items_total": items_total, "lines": cart.lines(),
        "delivery_table": [(gettext("EU"), delivery_options(country="Germany", items_total=items_total)),
                           (gettext("Netherlands and Belgium"), delivery_options(country="Netherlands",
                                                                        items_total=items_total)[2:]),
                           (gettext("United Kingdom, Switzerland, Norway"), delivery_options(country="Norway",
                                                                                    items_total=items_total)),
                           (gettext("United States, Canada"), delivery_options(country="Canada", items_total=items_total))],
        "eu_countries": EU_COUNTRIES})


def _gift_card_apply(request: HttpRequest, details: dict) -> GiftCardApplyForm:
    """Check a code typed at checkout (throttled like the balance page) and keep it for the payment."""
    form = GiftCardApplyForm(request.POST)
    if form.is_valid():
        checked = gift_card_balance_check(code=form.cleaned_data["gift_card"],
                                          address=request.META.get("REMOTE_ADDR", ""))
        if checked.outcome is Lookup.THROTTLED:
            form.add_error(None, "Too many codes were tried that didn't match a gift card. Please try again in an "
                                 "hour, or ask our support team.")
        elif problem := gift_card_usable(checked.card):
            form.add_error("gift_card", problem)
        else:
            assert checked.card is not None
            details["gift_card"] = checked.card.code
            request.session[CHECKOUT_KEY] = details
    return form


def checkout_payment(request: HttpRequest) -> HttpResponse:
    """Step 2: a gift card (optional), then the demo payment of the rest; a payment that goes through places the order."""
    cart = Cart(request.session)
    details = request.session.get(CHECKOUT_KEY)
    problem = _cart_problem(cart)
    if problem or not details:
        if problem and cart.count:
            messages.error(request, problem)
        return redirect("cart" if problem else "checkout")
    lines = cart.lines()
    items_total = cart.items_total()
    option = delivery_option_get(name=details["delivery"], country=details["country"], items_total=items_total)
    if option is None:
        return redirect("checkout")
    total = items_total + option.cost
    action = request.POST.get("action") if request.method == "POST" else None
    gift_form = GiftCardApplyForm()
    if action == "apply_gift_card":
        gift_form = _gift_card_apply(request, details)
    elif action == "remove_gift_card":
        details.pop("gift_card", None)
        request.session[CHECKOUT_KEY] = details
    card = GiftCard.objects.filter(code=details["gift_card"]).first() if details.get("gift_card") else None
    if card is not None and gift_card_usable(card):  # spent or expired since it was applied
        messages.error(request, gettext("Gift card …%(last4)s: %(problem)s")
                       % {"last4": card.code[-4:], "problem": gift_card_usable(card)})
        details.pop("gift_card", None)
        request.session[CHECKOUT_KEY] = details
        card = None
    from_card = min(card.balance, total) if card else Decimal("0.00")
    to_pay = total - from_card
    paying = request.method == "POST" and action not in {"apply_gift_card", "remove_gift_card"}
    form = DemoPaymentForm(request.POST if paying else None, covered=card is not None and to_pay == 0)
    if paying and form.is_valid():
        customer = customer_for(request.user) if request.user.is_authenticated else None
        try:
            order = order_place(lines=[(line.product.id, line.quantity) for line in lines], email=details["email"],
                                customer=customer, address=details["address"], country=details["country"],
                                delivery=details["delivery"], payment_method=form.cleaned_data["method"],
                                gift_card_code=card.code if card else "",
                                company_name=details.get("company_name", ""),
                                vat_number=details.get("vat_number", ""),
                                billing_address=details.get("billing_address", ""),
                                site_url=email_site_url(request))
        except CheckoutRefused as refused:
            messages.error(request, str(refused))
            return redirect("checkout_payment" if card else "cart")
        if customer is not None and details.get("save_address"):
            parts = address_parts("\n".join(details["address"].splitlines()[1:]))
            address_save(address=Address(customer=customer, recipient=details["address"].splitlines()[0], **parts))
        if details.get("newsletter"):  # double opt-in: a link to confirm goes to the order's address
            asked = newsletter_subscribe(email=details["email"], site_url=email_site_url(request))
            if asked is SignUp.CONFIRMATION_SENT:
                messages.info(request, gettext("To receive the newsletter, open the link we've emailed to %(email)s.")
                              % {"email": details["email"]})
        cart.clear()
        request.session.pop(CHECKOUT_KEY, None)
        request.session[PLACED_KEY] = [*request.session.get(PLACED_KEY, [])[-9:], order.number]
        return redirect("checkout_done", number=order.number)
    return render(request, "shoppe/checkout_payment.html", {
        "form": form, "gift_form": gift_form, "gift_card": card, "from_card": from_card, "to_pay": to_pay,
        "lines": lines, "items_total": items_total, "option": option, "total": total, "details": details})


def checkout_done(request: HttpRequest, number: int) -> HttpResponse:
    """The confirmation: for the browser that placed the order, or the account it is on."""
    order = Order.objects.filter(number=number).prefetch_related("items__product__translations").first()
    mine = order is not None and (number in request.session.get(PLACED_KEY, []) or (
        request.user.is_authenticated and order.customer is not None and order.customer.user_id == request.user.pk))
    if not mine:
        if not request.user.is_authenticated:  # as My orders: an account's order is seen signed in
            return redirect_to_login(request.get_full_path())
        raise Http404("No such order")
    return render(request, "shoppe/checkout_done.html", {"order": order})
