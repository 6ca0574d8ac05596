"""An order's page in My orders and what the customer can do there: pay it, cancel, change the address, ask a refund.

The same services as the chat assistant's (shoppe.services, support.services.refunds), so the
site and the chat keep the same rules: cancel until shipped (a fee once packed), a new address
until packed, and a refund request that goes to the support team, never paid by itself. An order waiting for its
payment is paid with the checkout's payment step (shoppe.checkout.order_pay). A guest order's page opens for the
browser whose chat proved it, or that followed the link in its emails (shoppe.guest_orders), to read and to pay;
changing it takes the chat's emailed code.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shoppe.addresses import address_list_for_user
from shoppe.checkout import CheckoutRefused, DeliveryOption, delivery_name, order_pay, order_payment_refusal
from shoppe.forms import DemoPaymentForm, OrderAddressForm, RefundRequestForm
from shoppe.guest_orders import ORDER_LINK_DAYS, order_for_page, order_link_open
from shoppe.links import email_site_url
from shoppe.models import COUNTRY_NAMES, Order, money
from shoppe.returns import (RETURN_ADDRESS, barcode_svg, free_return_label, no_label_reason,
                            return_code, return_items, return_label_order, return_started)
from shoppe.selectors import order_get_for_user
from shoppe.services import (ADDRESS_CHANGEABLE, OrderChangeRefused, order_address_change, order_cancel,
                             order_cancellation_fee, same_delivery)

REFUNDABLE = {Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY, Order.Status.DELIVERED}


def _own_order(request: HttpRequest, number: int) -> Order:
    order = order_get_for_user(user=request.user, number=number)
    if order is None:  # someone else's order looks exactly like no order
        raise Http404("No such order")
    return order


def _order_to_read(request: HttpRequest, number: int) -> Order | HttpResponse:
    """The order whose page this visitor may open (their own, or the guest order their chat proved); else a visitor
    is asked to sign in and anyone signed in gets a 404, as for an order that does not exist."""
    order = order_for_page(user=request.user, session=request.session, number=number, to_change=False)
    if order is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404("No such order")
    return order


def _page(request: HttpRequest, order: Order, *, address_form: OrderAddressForm | None = None,
          refund_form: RefundRequestForm | None = None, status: int = 200) -> HttpResponse:
    refund_requests = list(order.refund_requests.prefetch_related("decisions").order_by("-created_at"))
    from support.services.refunds import refund_lines, refund_room

    for asked in refund_requests:  # "1 of 2 × Ceramic mug, Oak dining table", not the stored dicts
        asked.item_names = refund_lines(asked, whole_counted=False)
        # Why it was turned down: the note staff must write for the customer (support.services.refunds.refund_decide),
        # which the chat passed on and the page left out (session 26's walkthrough).
        asked.customer_note = next((d.note for d in reversed(asked.decisions.all()) if d.verdict == "reject"), "")
    # Items whose refund request waits or was approved are not offered again: the same items are never refunded twice.
    refund_form = refund_form or _refund_form(order)
    # Changing a guest order takes the code the chat emails to it: its page (shoppe.guest_orders) reads and pays.
    changeable = not order.is_guest
    # Nor for an order whose payment is refunded in full (its refunds are listed): a request could only be rejected.
    # A form sent back is shown, with why it was refused.
    can_refund = (changeable and order.status in REFUNDABLE and bool(refund_form.fields["items"].choices)
                  and (refund_form.is_bound or refund_room(order) > 0))
    if changeable and address_form is None and order.status in ADDRESS_CHANGEABLE:
        address_form = OrderAddressForm(addresses=list(address_list_for_user(user=request.user)))
    return render(request, "shoppe/order_detail.html", {
        "order": order, "payable": order_payment_refusal(order) is None,
        "cancellation_fee": order_cancellation_fee(order=order) if changeable else None,
        "address_form": address_form if changeable and order.status in ADDRESS_CHANGEABLE else None,
        "refund_form": refund_form if can_refund else None,
        "refund_requests": refund_requests, "refunds": list(order.refunds.all()),
        # Returns (help: returns-and-exchanges): a free label for a delivered EU order once a return is started.
        "return_started": order.status == Order.Status.DELIVERED and return_started(order),
        "return_label": free_return_label(order)}, status=status)


def _refund_form(order: Order, data: QueryDict | None = None) -> RefundRequestForm:
    """The refund form for what is left to ask for (bought, less what standing requests hold): each item with some
    left, and how many where more than one is."""
    from support.services.refunds import refund_quantities_left

    left = refund_quantities_left(order)
    items = [item for item in order.items.select_related("product") if left.get(item.id, 0) > 0]
    return RefundRequestForm(data, items=items, currency=order.currency, left=left)


def order_detail(request: HttpRequest, number: int) -> HttpResponse:
    order = _order_to_read(request, number)
    return order if isinstance(order, HttpResponse) else _page(request, order)


def order_open(request: HttpRequest, number: int, token: str) -> HttpResponse:
    """`/orders/<number>/open/<token>/`: the link in a guest order's emails. This browser may read the order from now on
    (`order_link_open`); it goes on to the order's page at its plain address, so the token stays out of the address bar,
    the history and what the page's links send as their referrer.

    A link that opens nothing (changed, expired, another order's) leads to what that page shows anyone: the sign-in
    form for a visitor, saying the link did not work; signed in, the account's own order or a 404. A GET that only lets
    the browser following it read is safe from mail scanners: they read what they already hold.
    """
    if not request.user.is_authenticated and order_link_open(request.session, number, token) is None:
        messages.error(request, gettext("This link to order %(number)s has expired or is not complete (links in our "
                                        "emails work for %(days)s days). Our assistant in the chat can show you the "
                                        "order: give it the order number and your email address.")
                       % {"number": number, "days": ORDER_LINK_DAYS})
    return redirect("order", number=number)


def order_pay_view(request: HttpRequest, number: int) -> HttpResponse:
    """The checkout's payment step for an order waiting for its payment; one paid or cancelled says so on its page."""
    order = _order_to_read(request, number)
    if isinstance(order, HttpResponse):
        return order
    if refused := order_payment_refusal(order):
        messages.info(request, refused)
        return redirect("order", number=number)
    form = DemoPaymentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            order_pay(order_id=order.id, payment_method=form.cleaned_data["method"], site_url=email_site_url(request))
        except CheckoutRefused as refused_now:  # paid or cancelled meanwhile, in another tab or the chat
            messages.info(request, str(refused_now))
        else:
            messages.success(request, gettext("Thank you! Order %(number)s is paid. We've sent a confirmation to "
                                              "%(email)s.") % {"number": order.number, "email": order.email})
        return redirect("order", number=number)
    return render(request, "shoppe/checkout_payment.html", {
        "paying_order": order, "form": form, "to_pay": order.paid_by_method, "total": order.total,
        "gift_card": order.gift_card, "from_card": order.gift_card_amount, "lines": list(order.items.all()),
        "option": DeliveryOption(order.delivery_option, order.shipping_cost, ""),
        "details": {"address": order.shipping_address, "email": order.email}})


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, number: int) -> HttpResponse:
    order = _own_order(request, number)
    try:
        fee = order_cancellation_fee(order=order)
        order_cancel(order_id=order.id)
    except OrderChangeRefused as refused:
        messages.error(request, str(refused))
    else:
        if fee:
            done = gettext("Order %(number)s is cancelled. What you paid goes back to where it came from, less the "
                           "%(fee)s handling fee; we've emailed you a confirmation.")
        else:
            done = gettext("Order %(number)s is cancelled. What you paid goes back to where it came from; we've "
                           "emailed you a confirmation.")
        messages.success(request, done % {"number": order.number, "fee": money(fee or 0, order.currency)})
    return redirect("order", number=number)


@login_required
@require_POST
def order_address_view(request: HttpRequest, number: int) -> HttpResponse:
    order = _own_order(request, number)
    if order.status not in ADDRESS_CHANGEABLE:
        messages.error(request, gettext("Order %(number)s is already %(status)s, so its address can't be changed "
                                        "any more. The carrier may be able to redirect it from the tracking link.")
                       % {"number": order.number, "status": order.get_status_display().lower()})
        return redirect("order", number=number)
    form = OrderAddressForm(request.POST, addresses=list(address_list_for_user(user=request.user)),
                            delivery=order.delivery_option)
    if form.is_valid():
        country = form.cleaned_data["country"]
        if not same_delivery(order, country):
            # Another country changes what the delivery costs or whether it is possible: a person sorts that out.
            form.add_error(None, gettext("%(option)s delivery to %(country)s would change the order's delivery "
                                         "cost or isn't possible. Please ask our team in the chat.")
                           % {"option": delivery_name(order.delivery_option), "country": COUNTRY_NAMES.get(country, country)})
        else:
            try:
                order_address_change(order_id=order.id, address=form.cleaned_data["address"])
            except OrderChangeRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, gettext("Order %(number)s will now be delivered to the new address.")
                                 % {"number": order.number})
                return redirect("order", number=number)
    return _page(request, _own_order(request, number), address_form=form, status=400)


@login_required
@require_POST
def order_refund_view(request: HttpRequest, number: int) -> HttpResponse:
    from support.services.refunds import refund_request_from_order_page

    order = _own_order(request, number)
    form = _refund_form(order, request.POST)
    if form.is_valid() and order.status in REFUNDABLE:
        try:
            refund_request_from_order_page(user=request.user, session=request.session, order=order,
                                           item_ids=form.cleaned_data["items"], reason=form.cleaned_data["reason"],
                                           quantities=form.quantities())
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, gettext("Your refund request is with our support team. They decide every "
                                              "refund and reply in the chat (bottom right); you can follow it here too."))
            return redirect("order", number=number)
    return _page(request, order, refund_form=form, status=400)


def order_return_label(request: HttpRequest, number: int) -> HttpResponse:
    """The free return label of a delivered EU order with a return started: a page to print (or save as PDF).

    For the order's owner, or the visitor whose chat proved the guest order; anyone else signed in
    sees no such page, and a visitor without a proof is asked to sign in, as for the order's page.
    An order of theirs without a label says why (404): the chat's link to it stays in the history after a
    refund request is turned down, and led to a bare "Not Found" (session 25's walkthrough).
    """
    order = return_label_order(user=request.user, session=request.session, number=number)
    if order is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404("No return label")
    if reason := no_label_reason(order):
        return render(request, "shoppe/no_return_label.html", {"order": order, "reason": reason}, status=404)
    code = return_code(order)
    return render(request, "shoppe/return_label.html", {
        "order": order, "items": return_items(order), "code": code, "barcode": barcode_svg(code),
        "return_address": RETURN_ADDRESS, "sender": order.shipping_address})
