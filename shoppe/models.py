"""The storefront: customers, products, orders, shipments, invoices and refunds."""
from __future__ import annotations

import unicodedata
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext_lazy as _, pgettext_lazy

from shoppe.money import money_format
from shoppe.po_boxes import is_po_box


def money(amount: Decimal, currency: str) -> str:
    """An amount as customers read it in the active language: €64.00 in English, € 64,00 in Dutch."""
    return money_format(amount, currency)


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer")
    phone = models.CharField(max_length=40, blank=True)
    # The default saved address as text (kept equal to the default `Address`'s text): filled in at checkout.
    default_address = models.TextField(blank=True)
    newsletter = models.BooleanField(default=False, help_text="gets the Thursday newsletter")
    email_confirmed_at = models.DateTimeField(null=True, blank=True, help_text=(
        "when the account's current email address was confirmed by the emailed link (shoppe/email_confirmation.py)"))

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def first_name(self) -> str:
        return self.user.first_name or self.user.username


class Product(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=60)
    description = models.TextField()
    price = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    colour = models.CharField(max_length=40, blank=True)
    stock = models.PositiveIntegerField(default=0)
    final_sale = models.BooleanField(default=False, help_text="Final-sale items cannot be returned.")

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("product", args=[self.slug])

    # The product in the customer's language: English (the fields above) is the source, and the
    # fallback for a language, or a field, not translated yet. Prefetch "translations" for a list.
    def translation_in(self, language: str | None = None) -> ProductTranslation | None:
        """Its words in `language` (default: the active language); None in English or when there are none."""
        code = (language or get_language() or "").lower()
        code = code if code in TRANSLATED_LANGUAGES else code.split("-")[0]
        return self._translations.get(code)

    @cached_property
    def _translations(self) -> dict[str, ProductTranslation]:
        return {t.language: t for t in self.translations.all()}

    def _local(self, field: str) -> str:
        translated = self.translation_in()
        return getattr(translated, field, "") or getattr(self, field)

    @property
    def local_name(self) -> str:
        return self._local("name")

    @property
    def local_description(self) -> str:
        return self._local("description")

    @property
    def local_category(self) -> str:
        return self._local("category")

    @property
    def local_colour(self) -> str:
        return self._local("colour")


# The storefront's languages a product can be translated into: all but English, the catalogue's own.
TRANSLATED_LANGUAGES = {code: name for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}


class ProductTranslation(models.Model):
    """A product's name and words in one of the shop's other languages; a blank field shows the English one."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8, choices=list(TRANSLATED_LANGUAGES.items()))
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=60, blank=True, help_text="the category's name in this language")
    colour = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["product", "language"]
        constraints = [models.UniqueConstraint(fields=["product", "language"], name="one_translation_per_language")]

    def __str__(self) -> str:
        return f"{self.product.name} ({self.language}): {self.name}"


class Order(models.Model):
    class PaymentMethod(models.TextChoices):
        """How the part not paid by a gift card was paid (help: payment-methods). Demo: no money moves."""
        CARD = "card", _("Card (Visa, Mastercard, American Express)")
        PAYPAL = "paypal", "PayPal"
        IDEAL = "ideal", "iDEAL"
        BANCONTACT = "bancontact", "Bancontact"
        APPLE_PAY = "apple_pay", "Apple Pay"
        GOOGLE_PAY = "google_pay", "Google Pay"
        KLARNA = "klarna", _("Klarna (pay in 30 days)")
        GIFT_CARD = "gift_card", _("Gift card")  # the gift card paid the whole order

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Pending payment")
        PROCESSING = "processing", _("Processing")
        PACKED = "packed", _("Packed")
        SHIPPED = "shipped", _("Shipped")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned")

    number = models.PositiveIntegerField(unique=True)
    # None for a guest order, placed without an account: only its number and email say whose it is.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", null=True, blank=True)
    email = models.EmailField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSING)
    placed_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    shipping_address = models.TextField()
    delivery_option = models.CharField(max_length=40, default="Standard")
    shipping_cost = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="EUR")
    payment_method = models.CharField(max_length=12, choices=PaymentMethod.choices, default=PaymentMethod.CARD)
    gift_card = models.ForeignKey("GiftCard", on_delete=models.PROTECT, related_name="orders", null=True, blank=True)
    gift_card_amount = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0.00"),
                                           help_text="the part of the total paid with the gift card")
    review_invited_at = models.DateTimeField(null=True, blank=True, help_text="when the 'how was it' email went")
    cancellation_fee = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True,
                                           help_text="the handling fee kept when the order was cancelled (0: free)")
    # Emails about the order are written in it, also those sent later by a job with no customer's page to go by.
    language = models.CharField(
        max_length=10, blank=True, default="",
        help_text="the storefront language the order was placed in (en-gb, nl, de, fr, es, it, pl, pt)")

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["customer", "-placed_at"])]

    def __str__(self) -> str:
        return f"Order {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("order", args=[self.number])

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None

    @property
    def mail_language(self) -> str:
        """The language of emails about the order: the one it was placed in (older orders: the active one)."""
        return self.language or translation.get_language() or settings.LANGUAGE_CODE

    @property
    def items_total(self) -> Decimal:
        return sum((item.line_total for item in self.items.all()), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.items_total + self.shipping_cost

    @property
    def paid_by_method(self) -> Decimal:
        """What the payment method paid: the total less the gift card's part."""
        return self.total - self.gift_card_amount


# Orders whose payment is nothing to refund: cancelled (the payment is released), or never paid.
NOTHING_PAID = (Order.Status.CANCELLED, Order.Status.PENDING_PAYMENT)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=9, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=40)
    tracking_number = models.CharField(max_length=60)
    shipped_at = models.DateTimeField()
    estimated_delivery = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class TrackingEvent(models.Model):
    """A step of a parcel's journey as the carrier reported it.

    The carrier's steps that every carrier has are a `kind`, shown in the customer's language; a step
    of no known kind shows the carrier's own words (`description`). The location is a place name.
    """

    class Kind(models.TextChoices):
        # In the storefront's catalogues (locale/) and the chat's (support/locale: seven languages), as the order
        # page and the chat's tracking answer both show them.
        HANDED_OVER = "handed_over", pgettext_lazy("tracking event", "Parcel handed to the carrier")
        SORTED = "sorted", pgettext_lazy("tracking event", "Parcel sorted at the carrier's depot")
        OUT_FOR_DELIVERY = "out_for_delivery", pgettext_lazy("tracking event", "Out for delivery")
        NOT_HOME = "not_home", pgettext_lazy("tracking event", "Delivery attempted, nobody was home")
        DELIVERED = "delivered", pgettext_lazy("tracking event", "Delivered")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    happened_at = models.DateTimeField()
    location = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True,
                            help_text="blank: a step of no known kind, shown in the carrier's words")
    description = models.CharField(max_length=200, help_text="the carrier's own words")

    class Meta:
        ordering = ["happened_at"]

    def __str__(self) -> str:
        return f"{self.happened_at:%Y-%m-%d %H:%M} {self.location}: {self.description}"

    @property
    def what(self) -> str:
        """The step in the language being shown: its kind's name, else the carrier's words."""
        return str(self.get_kind_display()) if self.kind else self.description


class Invoice(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="invoice")
    number = models.CharField(max_length=20, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    company_name = models.CharField(max_length=120, blank=True)
    vat_number = models.CharField(max_length=30, blank=True)
    billing_address = models.TextField(blank=True, help_text="when it differs from the delivery address")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("invoice", args=[self.order.number])


class Refund(models.Model):
    """A refund on record for an order (requested, decided by staff, paid)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} for order {self.order.number} ({self.status})"


class OrderAccessCode(models.Model):
    """A one-time code sent to an order's email address: typing it back proves control of that address.

    Only a keyed hash of the code is stored. A code works once, for `holder` only (the chat
    conversation that asked for it), until `expires_at`, and within a few tries (each try is
    counted before it is checked, so tries sent at once cannot outrun the limit).
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="access_codes")
    holder = models.CharField(max_length=64, help_text="who asked for the code: the chat conversation's id")
    code_hash = models.CharField(max_length=64)
    sent_to = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0, help_text="tries so far, right or wrong")
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["order", "holder", "-created_at"])]

    def __str__(self) -> str:
        return f"Code for order {self.order.number} ({'used' if self.used_at else 'unused'})"


# Where the shop delivers (help: shipping-and-delivery, addresses).
EU_COUNTRIES = ["Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark", "Estonia", "Finland",
                "France", "Germany", "Greece", "Hungary", "Ireland", "Italy", "Latvia", "Lithuania", "Luxembourg",
                "Malta", "Netherlands", "Poland", "Portugal", "Romania", "Slovakia", "Slovenia", "Spain", "Sweden"]
COUNTRIES = [*EU_COUNTRIES, "United Kingdom", "Switzerland", "Norway", "United States", "Canada"]
# The countries by the name addresses store (English), with the name customers read in their language.
COUNTRY_NAMES = {
    "Austria": _("Austria"),
    "Belgium": _("Belgium"),
    "Bulgaria": _("Bulgaria"),
    "Croatia": _("Croatia"),
    "Cyprus": _("Cyprus"),
    "Czechia": _("Czechia"),
    "Denmark": _("Denmark"),
    "Estonia": _("Estonia"),
    "Finland": _("Finland"),
    "France": _("France"),
    "Germany": _("Germany"),
    "Greece": _("Greece"),
    "Hungary": _("Hungary"),
    "Ireland": _("Ireland"),
    "Italy": _("Italy"),
    "Latvia": _("Latvia"),
    "Lithuania": _("Lithuania"),
    "Luxembourg": _("Luxembourg"),
    "Malta": _("Malta"),
    "Netherlands": _("Netherlands"),
    "Poland": _("Poland"),
    "Portugal": _("Portugal"),
    "Romania": _("Romania"),
    "Slovakia": _("Slovakia"),
    "Slovenia": _("Slovenia"),
    "Spain": _("Spain"),
    "Sweden": _("Sweden"),
    "United Kingdom": _("United Kingdom"),
    "Switzerland": _("Switzerland"),
    "Norway": _("Norway"),
    "United States": _("United States"),
    "Canada": _("Canada"),
}


def plain_text(name: str) -> str:
    """`name` as it sorts in an alphabetical list: "Österreich" with the O's, "étagère" with the E's."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).lower()


def country_choices() -> list[tuple[str, str]]:
    """The countries for a form, each in the customer's language, in that language's alphabetical order."""
    return sorted(((c, str(COUNTRY_NAMES[c])) for c in COUNTRIES), key=lambda choice: plain_text(choice[1]))


class Address(models.Model):
    """A delivery address a customer saved for checkout. Orders keep their own copy of the address."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(max_length=120)
    street = models.CharField(_("street and number"), max_length=200)
    postcode = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=60, choices=[(c, c) for c in COUNTRIES], default="Netherlands")
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "created_at", "id"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.recipient}, {self.street}, {self.city}"

    def as_text(self) -> str:
        return f"{self.recipient}\n{self.street}\n{self.postcode} {self.city}\n{self.country}"

    @property
    def is_po_box(self) -> bool:
        """A PO box takes Standard delivery only (help: addresses)."""
        return is_po_box(f"{self.street} {self.postcode} {self.city}")


class GiftCard(models.Model):
    """An Example Shoppe gift card: a code worth `balance` euros until `expires_at` (help: gift-cards)."""

    code = models.CharField(max_length=16, unique=True, help_text="16 letters and digits, stored without dashes")
    initial_amount = models.DecimalField(max_digits=9, decimal_places=2)
    balance = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    purchaser_email = models.EmailField(blank=True, help_text="who bought it: a lost code is resent only here")
    payment_method = models.CharField(max_length=12, blank=True, help_text="how it was paid (demo: no money moved)")

    def __str__(self) -> str:
        return f"Gift card …{self.code[-4:]}"

    @property
    def code_display(self) -> str:
        """The code as the email prints it: ABCD-EFGH-IJKL-MNOP."""
        return "-".join(self.code[i:i + 4] for i in range(0, len(self.code), 4))

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @staticmethod
    def normalise(code: str) -> str:
        """A code as typed ("abcd-efgh ijkl-mnop") as it is stored ("ABCDEFGHIJKLMNOP")."""
        return "".join(ch for ch in code.upper() if ch.isalnum())


class NewsletterSubscription(models.Model):
    """An email address asked onto the Thursday newsletter: from the footer form, the checkout or the account page.

    On the newsletter (`subscribed`) only once the address's owner confirmed by the emailed link
    (`confirmed_at`: the record of their consent; shoppe/newsletter.py). `Customer.newsletter`
    mirrors it for accounts with that address; an unsubscribe link switches off both.
    """

    email = models.EmailField(unique=True)
    subscribed = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="when the owner confirmed by the emailed link")
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.email} ({'subscribed' if self.subscribed else 'unsubscribed'})"


class Review(models.Model):
    """A customer's review of a product they bought (help: reviews); published after moderation by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Not published")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reviews",
                              help_text="the purchase that makes the reviewer a buyer")
    author_name = models.CharField(max_length=80)
    rating = models.PositiveSmallIntegerField(choices=[(n, f"{n} out of 5") for n in range(1, 6)])
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["order", "product"], name="one_review_per_product_per_order")]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.product} by {self.author_name}"

    @property
    def stars(self) -> str:
        return "★" * self.rating + "☆" * (5 - self.rating)
