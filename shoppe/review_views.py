"""Writing a review: on the product page (signed-in buyers) or through the "how was it" email's link."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.utils.translation import gettext_lazy

from shoppe.forms import ReviewForm
from shoppe.models import Product, Review
from shoppe.reviews import ReviewRefused, review_invitation_order, review_order_for_user, review_submit

THANKS = gettext_lazy("Thank you! Your review appears on the product page after a short check (up to 2 business days).")


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    order = review_order_for_user(user=request.user, product=product)
    initial = {"author_name": request.user.first_name} if request.user.is_authenticated else {}
    return render(request, "shoppe/product_detail.html", {
        "product": product, "reviews": product.reviews.filter(status=Review.Status.PUBLISHED),
        "review_form": ReviewForm(initial=initial) if order else None})


@require_POST
def review_add(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    order = review_order_for_user(user=request.user, product=product)
    if order is None:
        raise Http404("Only a customer who bought this product can review it")
    form = ReviewForm(request.POST)
    if form.is_valid():
        review_submit(order=order, product=product, **form.cleaned_data)
        messages.success(request, THANKS)
        return redirect(product.get_absolute_url())
    return render(request, "shoppe/product_detail.html", {
        "product": product, "reviews": product.reviews.filter(status=Review.Status.PUBLISHED),
        "review_form": form}, status=400)


def review_write(request: HttpRequest, token: str) -> HttpResponse:
    """The "how was it" email's link: any product of that order, for a guest too."""
    order = review_invitation_order(token=token)
    if order is None:
        raise Http404("No such review link")
    products = [item.product for item in order.items.select_related("product")]
    form = ReviewForm(request.POST or None, products=products)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        product = next(p for p in products if p.id == data.pop("product"))
        try:
            review_submit(order=order, product=product, **data)
        except ReviewRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, THANKS)
            return redirect(product.get_absolute_url())
    return render(request, "shoppe/review_write.html", {"form": form, "order": order})
