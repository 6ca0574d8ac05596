from django.apps import AppConfig


class ShoppeConfig(AppConfig):
    name = "shoppe"
    verbose_name = "Storefront"
