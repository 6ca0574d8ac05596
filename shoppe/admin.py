from django.contrib import admin

from shoppe.models import (Address, Customer, GiftCard, Invoice, NewsletterSubscription, Order, OrderItem, Product,
                           ProductTranslation, Refund, Review, Shipment, TrackingEvent, TRANSLATED_LANGUAGES)
from shoppe.reviews import review_moderate


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "phone"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "phone"]

    @admin.display(ordering="user__email")
    def email(self, customer: Customer) -> str:
        return customer.user.email


class ProductTranslationInline(admin.StackedInline):
    """The product in the storefront's other languages (nl, de, fr, es, it, pl, pt): a blank field shows the
    English one in the shop."""

    model = ProductTranslation
    extra = 0
    max_num = len(TRANSLATED_LANGUAGES)
    fields = ["language", "name", "description", "category", "colour"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "price", "stock", "final_sale", "languages"]
    list_filter = ["category", "final_sale"]
    search_fields = ["name", "slug", "description", "translations__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductTranslationInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description="translated into")
    def languages(self, product: Product) -> str:
        return ", ".join(t.language for t in product.translations.all()) or "–"


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    raw_id_fields = ["product"]


class ShipmentInline(admin.TabularInline):
    model = Shipment
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "status", "placed_at", "delivery_option"]
    list_filter = ["status", "delivery_option"]
    list_select_related = ["customer__user"]
    search_fields = ["number", "email", "customer__user__username", "customer__user__last_name"]
    date_hierarchy = "placed_at"
    inlines = [OrderItemInline, ShipmentInline]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["tracking_number", "carrier", "order", "shipped_at", "estimated_delivery"]
    search_fields = ["tracking_number", "order__number"]
    list_select_related = ["order"]


@admin.register(TrackingEvent)
class TrackingEventAdmin(admin.ModelAdmin):
    list_display = ["shipment", "happened_at", "location", "kind", "description"]
    list_filter = ["kind"]
    search_fields = ["shipment__tracking_number", "description"]
    list_select_related = ["shipment"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "issued_at"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order"]


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["order", "amount", "currency", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["order__number", "reason"]
    list_select_related = ["order"]


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["recipient", "street", "city", "country", "customer", "is_default"]
    list_select_related = ["customer__user"]
    search_fields = ["recipient", "street", "city", "customer__user__username"]
    raw_id_fields = ["customer"]


@admin.register(GiftCard)
class GiftCardAdmin(admin.ModelAdmin):
    list_display = ["__str__", "initial_amount", "balance", "expires_at", "purchaser_email"]
    search_fields = ["code", "purchaser_email"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation (help: reviews): publish or not on content only, never on the rating."""

    list_display = ["product", "rating", "author_name", "status", "created_at"]
    list_filter = ["status", "rating"]
    list_select_related = ["product"]
    search_fields = ["product__name", "author_name", "text"]
    raw_id_fields = ["order"]
    actions = ["publish", "reject"]

    @admin.action(description="Publish the selected reviews")
    def publish(self, request, queryset):  # type: ignore[no-untyped-def]
        for review in queryset:
            review_moderate(review_id=review.id, publish=True)

    @admin.action(description="Don't publish the selected reviews")
    def reject(self, request, queryset):  # type: ignore[no-untyped-def]
        for review in queryset:
            review_moderate(review_id=review.id, publish=False)


@admin.register(NewsletterSubscription)
class NewsletterSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "subscribed", "confirmed_at", "created_at", "changed_at"]
    list_filter = ["subscribed"]
    search_fields = ["email"]
