"""Reads of storefront data, always scoped to the person asking."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from shoppe.models import Order, Shipment, TrackingEvent


def order_list_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Order]:
    """The signed-in customer's own orders, newest first; nothing for anyone else."""
    if not user.is_authenticated:
        return Order.objects.none()
    return (
        Order.objects.filter(customer__user=user)
        .prefetch_related(
            "items__product",
            Prefetch("shipments", queryset=Shipment.objects.prefetch_related(
                Prefetch("events", queryset=TrackingEvent.objects.order_by("happened_at"))
            )),
        )
        .select_related("invoice")
    )


def order_get_for_user(*, user: AbstractBaseUser | AnonymousUser, number: int) -> Order | None:
    return order_list_for_user(user=user).filter(number=number).first()


def order_get_by_number_and_email(*, number: int, email: str) -> Order | None:
    """How an anonymous visitor proves an order is theirs: its number plus its email."""
    return order_list_for_user_any().filter(number=number, email__iexact=email.strip()).first()


def order_list_for_user_any() -> QuerySet[Order]:
    return Order.objects.prefetch_related("items__product", "shipments__events").select_related("invoice")
