"""The storefront's forms: signing up, the account, saved addresses, gift cards, checkout and the demo payment."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy as _

from shoppe.po_boxes import PO_BOX_DELIVERY, is_po_box
from shoppe.checkout import DECLINED_TEST_CARD, DELIVERY_NAMES, card_number_valid, delivery_name
from shoppe.models import COUNTRY_NAMES, EU_COUNTRIES, Address, Customer, Order, OrderItem, Product, country_choices
from shoppe.money import money_format

# A PO box takes Standard delivery only (help: addresses, shipping-and-delivery); Standard goes to EU countries.
PO_BOX_CHOOSE_STANDARD = _("%(option)s delivery can't go to a PO box: the carrier needs a street address to hand "
                           "over the parcel. Choose Standard delivery, or use a street address.")
PO_BOX_KEEPS_DELIVERY = _("%(option)s delivery can't go to a PO box: the carrier needs a street address to hand "
                          "over the parcel. Please use a street address.")
PO_BOX_OUTSIDE_EU = _("A PO box can be used only with Standard delivery, which goes to EU countries. For "
                      "%(country)s, please use a street address.")


def po_box_outside_eu(country: str) -> str:
    return str(PO_BOX_OUTSIDE_EU) % {"country": COUNTRY_NAMES.get(country, country)}


EMAIL_TAKEN = _("An account with this email address already exists. Sign in, or reset your password.")


def _email_taken(email: str, *, except_user: User | None = None) -> bool:
    users = User.objects.filter(email__iexact=email.strip())
    return (users.exclude(pk=except_user.pk) if except_user else users).exists()


class SignUpForm(UserCreationForm):
    """A new customer account: one per email address (help: account-and-password)."""

    email = forms.EmailField(label=_("Email address"), help_text=_("Order confirmations and password resets go here."))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "first_name", "last_name")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if _email_taken(email):
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        if commit:
            Customer.objects.create(user=user)
        return user


class AccountForm(forms.ModelForm):
    newsletter = forms.BooleanField(required=False, label=_("Send me the newsletter (Thursdays)"))

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email")

    def __init__(self, *args: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["newsletter"].initial = bool(customer and customer.newsletter)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if _email_taken(email, except_user=self.instance):
            raise forms.ValidationError(_("This email address belongs to another account."))
        return email


class AddressForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        place = " ".join(data.get(name) or "" for name in ("street", "postcode", "city"))
        if is_po_box(place) and data.get("country") and data["country"] not in EU_COUNTRIES:
            self.add_error("street", po_box_outside_eu(data["country"]))
        return data

    class Meta:
        model = Address
        fields = ("recipient", "street", "postcode", "city", "country", "is_default")
        labels = {"recipient": _("Name"), "street": _("Street and number"), "postcode": _("Postcode"),
                  "city": _("City"), "country": _("Country"), "is_default": _("Use as my default address")}


class GiftCardBalanceForm(forms.Form):
    code = forms.CharField(label=_("Gift card code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XXXX-XXXX-XXXX-XXXX"}))


VAT_NUMBER = re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}")


# Where a visitor reading the shop in a language most likely lives (a default they can change).
LIKELIEST_COUNTRY = {"nl": "Netherlands", "de": "Germany", "fr": "France", "es": "Spain", "it": "Italy", "pl": "Poland",
                     "pt": "Portugal"}


class CheckoutForm(forms.Form):
    """Who orders and where it goes. A signed-in customer may pick a saved address instead of typing one."""

    email = forms.EmailField(label=_("Email address"), help_text=_("We send your order confirmation here."))
    saved_address = forms.ChoiceField(label=_("Deliver to"), required=False)
    recipient = forms.CharField(label=_("Name"), max_length=120, required=False)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, initial="Netherlands", required=False)
    save_address = forms.BooleanField(label=_("Save this address in my account"), required=False)
    delivery = forms.ChoiceField(label=_("Delivery"), choices=list(DELIVERY_NAMES.items()))
    billing_address = forms.CharField(
        label=_("Billing address (if different)"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For card payments: the address your bank has for the card."))
    company_name = forms.CharField(label=_("Company name (business customers)"), max_length=120, required=False)
    vat_number = forms.CharField(label=_("VAT number (business customers)"), max_length=30, required=False,
                                 help_text=_("Printed on your invoice, for example NL123456789B01."))
    newsletter = forms.BooleanField(label=_("Send me the newsletter (Thursdays)"), required=False)

    def __init__(self, *args: Any, addresses: list[Address] | None = None, signed_in: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addresses = {str(a.id): a for a in addresses or []}
        # The new address's country: the customer's default address's, else the page's language's likeliest (a
        # Berlin customer was offered the Netherlands, session 25's walkthrough).
        default = next((a for a in addresses or [] if a.is_default), None)
        self.fields["country"].initial = default.country if default else LIKELIEST_COUNTRY.get(
            (translation.get_language() or "").split("-")[0], "Netherlands")
        if self.addresses:
            self.fields["saved_address"].choices = [
                *((key, f"{a.recipient}, {a.street}, {a.city}") for key, a in self.addresses.items()),
                ("", gettext("A new address (below)"))]
            self.fields["saved_address"].initial = next(iter(self.addresses))
        else:
            del self.fields["saved_address"]
        if signed_in:
            del self.fields["email"]  # the account's email
        else:
            del self.fields["save_address"]

    def clean_vat_number(self) -> str:
        number = re.sub(r"[\s.-]", "", self.cleaned_data["vat_number"]).upper()
        if number and not VAT_NUMBER.fullmatch(number):
            raise forms.ValidationError(_("A VAT number starts with the country's two letters, such as NL123456789B01."))
        return number

    fixed_delivery = ""  # the delivery option when the form has none to choose (OrderAddressForm: the order's)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = self.addresses.get(data.get("saved_address") or "")
        if chosen is not None:
            data["address"], data["country"] = chosen.as_text(), chosen.country
            self._po_box_check(data, f"{chosen.street} {chosen.postcode} {chosen.city}", "saved_address")
            return data
        for name in ("recipient", "street", "postcode", "city", "country"):
            if not (data.get(name) or "").strip():
                self.add_error(name, gettext("Please fill this in."))
        if not self.errors:
            data["address"] = (f"{data['recipient'].strip()}\n{data['street'].strip()}\n"
                               f"{data['postcode'].strip()} {data['city'].strip()}\n{data['country']}")
            self._po_box_check(data, f"{data['street']} {data['postcode']} {data['city']}", "street")
        return data

    def _po_box_check(self, data: dict[str, Any], place: str, address_field: str) -> None:
        """A PO box takes Standard delivery only: Express, Next-day and International need a street address."""
        if not is_po_box(place):
            return
        if data["country"] not in EU_COUNTRIES:
            self.add_error(address_field, po_box_outside_eu(data["country"]))
            return
        if "delivery" in self.fields:
            chosen = data.get("delivery")
            if chosen and chosen != PO_BOX_DELIVERY:
                self.add_error("delivery", str(PO_BOX_CHOOSE_STANDARD) % {"option": delivery_name(chosen)})
        elif self.fixed_delivery and self.fixed_delivery != PO_BOX_DELIVERY:
            self.add_error(address_field, str(PO_BOX_KEEPS_DELIVERY) % {"option": delivery_name(self.fixed_delivery)})


class GiftCardApplyForm(forms.Form):
    gift_card = forms.CharField(label=_("Gift card code"), max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off",
                                                              "placeholder": "XXXX-XXXX-XXXX-XXXX"}))


PAY_WITH = [(value, label) for value, label in Order.PaymentMethod.choices if value != Order.PaymentMethod.GIFT_CARD]


class DemoPaymentForm(forms.Form):
    """The demo payment: no money moves (help: payment-methods).

    A card: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined. Another method is confirmed
    at once, where the real shop would send the customer to PayPal, their bank or Klarna.
    `covered`: a gift card pays the whole order, so there is nothing to choose.
    """

    method = forms.ChoiceField(label=_("Pay with"), choices=PAY_WITH, required=False, widget=forms.RadioSelect,
                               initial=Order.PaymentMethod.CARD)
    cardholder = forms.CharField(label=_("Name on card"), max_length=120, required=False)
    card_number = forms.CharField(label=_("Card number"), max_length=23, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                                "placeholder": "4242 4242 4242 4242"}))

    def __init__(self, *args: Any, covered: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.covered = covered
        if covered:
            for name in ("method", "cardholder", "card_number"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.covered:
            data["method"] = Order.PaymentMethod.GIFT_CARD
            return data
        data["method"] = data.get("method") or Order.PaymentMethod.CARD
        if data["method"] != Order.PaymentMethod.CARD:
            return data
        if not (data.get("cardholder") or "").strip():
            self.add_error("cardholder", gettext("Please fill this in."))
        number = "".join(ch for ch in data.get("card_number") or "" if ch.isdigit())
        if not card_number_valid(number):
            self.add_error("card_number", gettext("That card number isn't valid. Please check it."))
        elif number == DECLINED_TEST_CARD:
            self.add_error("card_number", gettext("Your bank declined this payment. Please try another card."))
        else:
            data["card_number"] = number[-4:]  # only the last four digits are kept
        return data


class NewsletterForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": _("you@example.com")}))


class OrderAddressForm(CheckoutForm):
    """A new delivery address for an order that is not packed yet: a saved address, or one typed in."""

    def __init__(self, *args: Any, delivery: str = "", **kwargs: Any) -> None:
        super().__init__(*args, signed_in=True, **kwargs)
        self.fixed_delivery = delivery  # the order's: a PO box needs it to be Standard
        for name in ("save_address", "delivery", "billing_address", "company_name", "vat_number", "newsletter"):
            del self.fields[name]
        if "saved_address" in self.fields:
            self.fields["saved_address"].label = gettext("New delivery address")


class RefundRequestForm(forms.Form):
    """Which items of the order, and why: filed for the support team to decide (help: refund-policy)."""

    items = forms.TypedMultipleChoiceField(label=_("Items to refund"), coerce=int, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Why?"), min_length=3, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("For example: it arrived damaged, it's the wrong item, or you changed your mind."))

    def __init__(self, *args: Any, items: list[OrderItem], currency: str, left: dict[int, int] | None = None,
                 **kwargs: Any) -> None:
        """`items`: the order's items that may still be asked for (none with a refund request waiting or approved);
        `left`: how many of each are left to ask for, by item id (default: the whole line). A line with more than one
        left asks how many (session 28's walkthrough: the form asked for whole lines, "2 × Rattan lounge chair" after
        one of the two was refunded)."""
        super().__init__(*args, **kwargs)
        left = {item.id: (left or {}).get(item.id, item.quantity) for item in items}
        self.fields["items"].choices = [
            (item.id, f"{left[item.id]} × {item.product.local_name} "
                      f"({money_format(item.unit_price * left[item.id], currency)})"
                      + (" · " + gettext("final sale") if item.product.final_sale else "")) for item in items]
        self.counted = {item.id: f"quantity_{item.id}" for item in items if left[item.id] > 1}
        for item in items:
            if item.id in self.counted:
                self.fields[self.counted[item.id]] = forms.IntegerField(
                    label=gettext("How many of %(product)s (at most %(left)s)") % {
                        "product": item.product.local_name, "left": left[item.id]},
                    min_value=1, max_value=left[item.id], initial=left[item.id], required=False)
        self.order_fields(["items", *self.counted.values(), "reason"])

    def quantities(self) -> dict[int, int]:
        """How many of each chosen item, by item id, where the form asked (a valid form's)."""
        chosen = set(self.cleaned_data.get("items") or [])
        return {item_id: self.cleaned_data[name] for item_id, name in self.counted.items()
                if item_id in chosen and self.cleaned_data.get(name)}


class GiftCardBuyForm(forms.Form):
    """A digital gift card (help: gift-cards): any amount from €10 to €500, its code emailed to the buyer."""

    amount = forms.DecimalField(label=_("Amount (€)"), min_value=Decimal("10"), max_value=Decimal("500"),
                                decimal_places=2, initial=Decimal("50"))
    email = forms.EmailField(label=_("Your email address"), help_text=_("We email the gift card code here."))
    recipient = forms.CharField(label=_("For (optional)"), max_length=80, required=False)
    message = forms.CharField(label=_("Personal message (optional)"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Your rating"), coerce=int, widget=forms.RadioSelect, choices=[])
    text = forms.CharField(label=_("Your review"), min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("What you liked or didn't: quality, size, colour, how it looks at home."))
    author_name = forms.CharField(label=_("Name shown with it"), max_length=80)

    def __init__(self, *args: Any, products: list[Product] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [
            (n, f"{'★' * n}{'☆' * (5 - n)} " + gettext("%(rating)s out of 5") % {"rating": n}) for n in range(5, 0, -1)]
        if products is not None:  # the invitation's page: which of the order's products
            self.fields["product"] = forms.TypedChoiceField(label=gettext("Product"), coerce=int,
                                                            choices=[(p.id, p.local_name) for p in products])
            self.order_fields(["product", "rating", "text", "author_name"])
