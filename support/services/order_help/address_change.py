"""Changing an order's delivery address: the question for the new one, the new one read back, then the change."""
from __future__ import annotations

from django.utils.translation import gettext as _

from shoppe.addresses import (address_country, address_for_recipient, address_in, address_in_language, address_typed,
                              address_with_country, reads_as_address)
from shoppe.checkout import delivery_name
from shoppe.models import COUNTRY_NAMES, Order
from shoppe.returns import order_country
from shoppe.services import ADDRESS_CHANGEABLE, OrderChangeRefused, address_refusal, order_address_change, same_delivery
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help.orders import order_link, order_numbers_in, order_owned, order_status_name
from support.services.order_help.yes_no import NO, YES, asked_again, wordless


def address_change_offer(*, order: Order, link: list[dict[str, str]]) -> Answer:
    """Why the address can't change any more, or where it goes now and what the new address is (`new_address`)."""
    if order.status not in ADDRESS_CHANGEABLE:
        return Answer(_("Order %(number)s is already %(status)s, so its delivery address can't be changed any "
                        "more. The carrier may be able to redirect it from the tracking link.")
                      % {"number": order.number, "status": order_status_name(order)}, sources=link)
    return Answer(
        _("Order %(number)s will go to:\n%(address)s\nWhat's the new address? "
          "(street and number, postcode, city, country)")
        % {"number": order.number, "address": address_in_language(order.shipping_address)},
        sources=link, pending={"kind": "new_address", "order": order.number},
    )


def new_address_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The new address the customer typed (or their no): read back to them before anything changes."""
    if NO.search(text):
        return Answer(_("OK, I've left the address as it was."))
    if _another_question(text, order_number=pending["order"]):
        return None  # routed afresh: "und wo ist 10032, wann kommt die?" was read back as the new address, and saved
    if refusal := address_refusal(text):
        return Answer(refusal, pending=pending)
    order = order_owned(conversation, pending["order"])
    here = order_country(order)
    typed = address_typed(text, not_numbers=(order.number,))
    country = address_country(typed or text) or here
    if not same_delivery(order, country):
        # As the order page's form: another country changes what the delivery costs or whether it is possible (an EU
        # Standard order was moved to New York at the EU price, session 26's walkthrough).
        return Answer(_("%(option)s delivery to %(country)s would change what order %(number)s costs to deliver, or "
                        "isn't possible, so I've left its address as it was. Our team can sort it out: just ask to "
                        "talk to a person.")
                      % {"option": delivery_name(order.delivery_option), "number": order.number,
                         "country": COUNTRY_NAMES.get(country, country)}, sources=order_link(order))
    if typed is None:
        # Asked again, never a sentence saved: "moet naar Keizersgracht 12, 1015 CS Amsterdam ipv prinsengracht" was
        # the street of a Dutch guest's parcel (a walkthrough), and "Keizersgracht 12 Amsterdam" has no postcode.
        return Answer(_("That doesn't look like a full address: please give street and number, postcode and city."),
                      pending=pending)
    # The parcel keeps its recipient's name and gets a country line (the one typed, else the order's, read back).
    address = address_for_recipient(address_with_country(typed, here), old=order.shipping_address)
    # Read back, not saved at once: a typo'd postcode would send a sofa to the wrong town (session 23's walkthrough).
    return _address_read_back(order.number, address)


def _address_read_back(number: int, address: str) -> Answer:
    return Answer(_("I'll change the delivery address of order %(number)s to:\n%(address)s\nShall I go ahead? (yes / no)")
                  % {"number": number, "address": address_in_language(address)},
                  pending={"kind": "confirm_address", "order": number, "address": address})


def confirm_address_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The customer's yes to the address read back (the order is changed), their no, or a corrected address."""
    if YES.search(text):
        try:
            order = order_address_change(order_id=order_owned(conversation, pending["order"]).id,
                                         address=pending["address"])
        except OrderChangeRefused as refused:
            return Answer(str(refused))
        return Answer(_("Done: order %(number)s will now be delivered to:\n%(address)s")
                      % {"number": order.number, "address": address_in_language(order.shipping_address)},
                      sources=order_link(order))
    if NO.search(text):
        return Answer(_("OK, I've left the address as it was."))
    if wordless(text):
        return asked_again(_address_read_back(pending["order"], pending["address"]))
    if reads_as_address(text, not_numbers=(pending["order"],)):
        return new_address_reply(conversation=conversation, pending={**pending, "kind": "new_address"}, text=text)
    return None


def _another_question(text: str, *, order_number: int) -> bool:
    """A message that is no address but a new question: one that does not read as an address and asks something
    ("?"), runs on like a sentence (more than 12 words), has three words or more and no digit, or names another
    order; a sentence holding an address ("kan ik
    het adres nog veranderen? moet naar Keizersgracht 12, 1015 CS Amsterdam") is the new address."""
    if reads_as_address(text, not_numbers=(order_number,)):
        return False
    other_orders = [number for number in order_numbers_in(text) if number != order_number]
    if other_orders:
        return True
    if not any(character.isdigit() for character in text) and len(text.split()) >= 3:
        # No house number nor postcode, so no address: a question typed without its "?" ("cuanto tarda el envio a
        # irlanda", "donde esta mi pedido" were asked for the street and number again, session 35's walkthrough).
        return True
    return not address_in(text, not_numbers=(order_number,)) and ("?" in text or len(text.split()) > 12)
