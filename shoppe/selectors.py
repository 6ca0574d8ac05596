"""Reads of storefront data, always scoped to the person asking."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from shoppe.models import Order, Product, Shipment, TrackingEvent, plain_text


def catalogue_list(*, category: str | None = None) -> list[Product]:
    """The products (of one category, by the name products store), with their names in the active language,
    in that language's alphabetical order within each category."""
    products = Product.objects.prefetch_related("translations")
    if category:
        products = products.filter(category=category)
    return sorted(products, key=lambda p: (plain_text(p.local_category), plain_text(p.local_name)))


def catalogue_categories() -> list[tuple[str, str]]:
    """Each category once: (the name products store and links use, its name in the active language)."""
    labels: dict[str, str] = {}
    for product in Product.objects.prefetch_related("translations"):
        if labels.get(product.category, product.category) == product.category:  # the first translated name
            labels[product.category] = product.local_category
    return sorted(labels.items(), key=lambda category: plain_text(category[1]))


def order_list_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Order]:
    """The signed-in customer's own orders, newest first; nothing for anyone else."""
    if not user.is_authenticated:
        return Order.objects.none()
    return (
        Order.objects.filter(customer__user=user)
        .prefetch_related(
            "items__product__translations",
            Prefetch("shipments", queryset=Shipment.objects.prefetch_related(
                Prefetch("events", queryset=TrackingEvent.objects.order_by("happened_at"))
            )),
        )
        .select_related("invoice")
    )


def order_get_for_user(*, user: AbstractBaseUser | AnonymousUser, number: int) -> Order | None:
    return order_list_for_user(user=user).filter(number=number).first()


def _with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related("items__product__translations", "shipments__events").select_related("invoice")


def guest_order_get_by_number_and_email(*, number: int, email: str) -> Order | None:
    """How an anonymous visitor proves a *guest* order is theirs: its number plus its email.

    An order on an account is never found this way, whoever asks: it needs that account
    signed in. A wrong number, a wrong email and an account's order all give None.
    """
    return _with_details(Order.objects.filter(customer__isnull=True, number=number,
                                              email__iexact=email.strip())).first()


def guest_order_list_by_numbers(*, numbers: list[int]) -> QuerySet[Order]:
    """The guest orders among `numbers` (those a conversation proved); never an account's order."""
    return _with_details(Order.objects.filter(customer__isnull=True, number__in=numbers))
