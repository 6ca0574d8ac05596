"""Demo data for `make run`: a small catalogue, customers with orders in every state, staff."""
from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from shoppe.addresses import address_parts
from shoppe.checkout import delivery_options
from shoppe.demo_catalogue import CATEGORY_NAMES, COLOUR_NAMES, PRODUCT_WORDS
from shoppe.models import (Address, Customer, GiftCard, Invoice, Order, OrderItem, Product, ProductTranslation, Refund,
                           Shipment, TrackingEvent)
from shoppe.returns import order_country
from support.models import CannedResponse
from support.roles import roles_ensure

CATALOGUE = [
    # (name, category, price, colour, final_sale)
    ("Blue ceramic table lamp", "Lamps", "64.00", "blue", False),
    ("Brass reading floor lamp", "Lamps", "149.00", "brass", False),
    ("Paper pendant lamp", "Lamps", "39.95", "white", False),
    ("Oak bedside lamp", "Lamps", "54.50", "oak", True),
    ("Smart dimmable bulb set", "Lamps", "29.00", "white", False),
    ("Oak dining table", "Furniture", "689.00", "oak", False),
    ("Walnut side table", "Furniture", "129.00", "walnut", False),
    ("Linen two-seat sofa", "Furniture", "899.00", "sand", False),
    ("Rattan lounge chair", "Furniture", "249.00", "natural", True),
    ("Pine bookshelf", "Furniture", "179.00", "pine", False),
    ("Velvet footstool", "Furniture", "89.00", "green", False),
    ("Cast-iron casserole 24 cm", "Kitchen", "119.00", "red", False),
    ("Chef's knife 20 cm", "Kitchen", "79.00", "steel", False),
    ("Stoneware dinner set, 12 pieces", "Kitchen", "96.00", "grey", False),
    ("Glass storage jars, set of 4", "Kitchen", "24.95", "clear", False),
    ("Bamboo chopping board", "Kitchen", "19.95", "bamboo", False),
    ("Copper kettle", "Kitchen", "69.00", "copper", False),
    ("Wool throw blanket", "Textiles", "79.00", "ochre", False),
    ("Linen bedding set, double", "Textiles", "129.00", "white", False),
    ("Feather pillow", "Textiles", "35.00", "white", False),
    ("Cotton bath towels, set of 4", "Textiles", "45.00", "sage", False),
    ("Jute area rug 160×230", "Textiles", "159.00", "natural", False),
    ("Velvet cushion cover", "Textiles", "22.00", "blue", True),
    ("Ceramic vase, tall", "Decor", "42.00", "white", False),
    ("Round wall mirror", "Decor", "99.00", "black", False),
    ("Scented candle trio", "Decor", "27.50", "amber", False),
    ("Framed botanical print", "Decor", "59.00", "green", False),
    ("Wall clock, oak", "Decor", "49.00", "oak", False),
    ("Olive tree in pot", "Decor", "74.00", "green", False),
    ("Gift card €50", "Gift cards", "50.00", "", True),
]

CUSTOMERS = [
    ("alice", "Alice", "Jansen", "alice@example.test", "Keizersgracht 12\n1015 CN Amsterdam\nNetherlands"),
    ("bob", "Bob", "Peeters", "bob@example.test", "Meir 50\n2000 Antwerpen\nBelgium"),
    ("carol", "Carol", "Schmidt", "carol@example.test", "Bergmannstraße 7\n10961 Berlin\nGermany"),
    ("dan", "Dan", "Murphy", "dan@example.test", "14 Baggot Street\nDublin D02 X285\nIreland"),
]
# Orders placed without an account (#13): a visitor proves one in the chat with its number and email, and
# changes it with the code emailed to it (printed by `make run`, whose console backend "sends" it).
GUESTS = [
    ("erin@example.test", "Erin de Vries\nOudegracht 99\n3511 AB Utrecht\nNetherlands", "processing"),
    ("frank@example.test", "Frank Dubois\nRue Neuve 1\n1000 Bruxelles\nBelgium", "shipped"),
]
DEMO_PASSWORD = "shoppe-demo"
# Orders on their way were placed days ago, not weeks: their expected delivery is still ahead, so a demo customer
# asking where one is hears that it is on its way (placed weeks ago, as the others are, they were 8-18 days late).
IN_TRANSIT_DAYS_AGO = {"shipped": 2, "out_for_delivery": 3}
# Gift cards to try at /gift-cards/balance/: (code, value, balance left, days until it expires; negative: expired).
GIFT_CARDS = [("SHOP-PE50-DEMO-0001", "50.00", "50.00", 700), ("SHOP-PE99-DEMO-0002", "100.00", "37.50", 400),
              ("SHOP-PE10-DEMO-0003", "10.00", "10.00", -20)]
STAFF = [("staff", "Sam", "Support", "Support agent"), ("supervisor", "Sofia", "Lead", "Supervisor"),
         ("ops", "Olivia", "Ops", "Ops")]
CANNED = [
    ("Greeting", "Hi, this is the Example Shoppe support team. I've read your conversation and I'm happy to help."),
    ("Photo please", "Could you send us a photo of the damage? That helps us sort this out quickly."),
    ("Refund timing", "Once approved, the refund reaches your original payment method within 5 business days."),
    ("Closing", "Is there anything else I can do for you today?"),
]
# The same canned responses in the shop's other languages, as its support team would write them
# (nl "je", de "Sie", fr "vous", es "tú", it "Lei", pl "Pan/Pani", pt "você"): the console offers them first in a
# conversation in that language (Italian, Polish and Portuguese customers got English ones: session 25's walkthrough).
CANNED_TRANSLATED = {
    "nl": {
        "Greeting": "Hoi, je spreekt met de klantenservice van Example Shoppe. Ik heb je gesprek gelezen en help je graag verder.",
        "Photo please": "Kun je ons een foto van de schade sturen? Dan kunnen we het snel voor je regelen.",
        "Refund timing": "Zodra je terugbetaling is goedgekeurd, staat het bedrag binnen 5 werkdagen weer op de "
                         "betaalmethode waarmee je hebt betaald.",
        "Closing": "Kan ik verder nog iets voor je doen?",
    },
    "de": {
        "Greeting": "Hallo, hier ist der Kundenservice von Example Shoppe. Ich habe Ihre Nachrichten gelesen und helfe "
                    "Ihnen gern weiter.",
        "Photo please": "Könnten Sie uns ein Foto vom Schaden schicken? Dann können wir das schnell für Sie klären.",
        "Refund timing": "Sobald die Erstattung genehmigt ist, erhalten Sie den Betrag innerhalb von 5 Werktagen über "
                         "Ihre ursprüngliche Zahlungsart zurück.",
        "Closing": "Kann ich sonst noch etwas für Sie tun?",
    },
    "fr": {
        "Greeting": "Bonjour, ici le service client d’Example Shoppe. J’ai lu votre conversation et je suis là pour "
                    "vous aider.",
        "Photo please": "Pourriez-vous nous envoyer une photo des dégâts\u00a0? Nous pourrons ainsi régler le problème "
                        "rapidement.",
        "Refund timing": "Une fois le remboursement validé, vous le recevrez sur votre moyen de paiement d’origine sous "
                         "5 jours ouvrés.",
        "Closing": "Puis-je faire autre chose pour vous aujourd’hui\u00a0?",
    },
    "es": {
        "Greeting": "¡Hola! Te escribe el equipo de atención al cliente de Example Shoppe. He leído tu conversación y "
                    "te ayudo con mucho gusto.",
        "Photo please": "¿Puedes enviarnos una foto de los daños? Así podremos solucionarlo rápidamente.",
        "Refund timing": "Una vez aprobado el reembolso, lo recibirás en tu método de pago original en un plazo de "
                         "5 días hábiles.",
        "Closing": "¿Puedo ayudarte en algo más hoy?",
    },
    "it": {
        "Greeting": "Buongiorno, sono del servizio clienti di Example Shoppe. Ho letto la sua conversazione e la aiuto "
                    "volentieri.",
        "Photo please": "Può inviarci una foto del danno? Così possiamo risolvere la cosa rapidamente.",
        "Refund timing": "Una volta approvato, il rimborso arriva sul metodo di pagamento originale entro 5 giorni "
                         "lavorativi.",
        "Closing": "Posso aiutarla in qualcos'altro oggi?",
    },
    "pl": {
        "Greeting": "Dzień dobry, tu zespół obsługi klienta Example Shoppe. Zapoznaliśmy się z rozmową i chętnie "
                    "pomożemy.",
        "Photo please": "Czy może Pan/Pani przesłać nam zdjęcie uszkodzenia? Dzięki temu szybko to rozwiążemy.",
        "Refund timing": "Po zatwierdzeniu zwrot trafi na pierwotną metodę płatności w ciągu 5 dni roboczych.",
        "Closing": "Czy możemy jeszcze w czymś dziś pomóc?",
    },
    "pt": {
        "Greeting": "Olá, fala a equipa de apoio ao cliente da Example Shoppe. Li a sua conversa e terei todo o gosto "
                    "em ajudar.",
        "Photo please": "Pode enviar-nos uma fotografia dos danos? Assim conseguimos resolver isto rapidamente.",
        "Refund timing": "Depois de aprovado, o reembolso chega ao seu método de pagamento original em até 5 dias "
                         "úteis.",
        "Closing": "Posso ajudar em mais alguma coisa hoje?",
    },
}


def _delivery_priced(order: Order) -> None:
    """The order's delivery at what checkout charges for it (help: shipping-and-delivery): every demo order was charged
    EUR 4.95, Express and Standard over the free-delivery line alike (session 35's walkthrough). An option the address's
    country does not have becomes the one it has."""
    options = delivery_options(country=order_country(order), items_total=order.items_total)
    option = next((o for o in options if o.name == order.delivery_option), options[0])
    order.delivery_option, order.shipping_cost = option.name, option.cost
    order.save(update_fields=["delivery_option", "shipping_cost"])


def _order(customer: Customer | None, number: int, status: str, days_ago: int, rng: random.Random,
           products: list[Product], *, guest: tuple[str, str] | None = None) -> Order:
    """One order of `customer`, or with `guest` (email, address) one placed without an account."""
    placed = timezone.now() - timedelta(days=days_ago, hours=rng.randint(0, 10))
    if customer is None:
        assert guest is not None, "a guest order needs an email and an address"
        email, address = guest
    else:
        email, address = customer.user.email, customer.default_address
    order = Order.objects.create(
        number=number, customer=customer, email=email, status=status, placed_at=placed,
        shipping_address=address, delivery_option=rng.choice(["Standard", "Standard", "Express"]),
        shipping_cost=Decimal("4.95"),
    )
    for product in rng.sample(products, rng.randint(1, 3)):
        OrderItem.objects.create(order=order, product=product, quantity=rng.choice([1, 1, 2]), unit_price=product.price)
    _delivery_priced(order)
    if status != Order.Status.PENDING_PAYMENT:
        Invoice.objects.create(order=order, number=f"INV-2026-{number}", issued_at=placed + timedelta(minutes=5))
    if status in {Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY, Order.Status.DELIVERED, Order.Status.RETURNED}:
        shipped = placed + timedelta(days=1)
        carrier = rng.choice(["PostNL", "DHL", "UPS"])
        shipment = Shipment.objects.create(
            order=order, carrier=carrier, tracking_number=f"{carrier[:2].upper()}{number}{rng.randint(100000, 999999)}",
            shipped_at=shipped, estimated_delivery=(shipped + timedelta(days=3)).date(),
        )
        for i, (where, kind, words) in enumerate(_tracking_steps(status, carrier, address)):
            TrackingEvent.objects.create(shipment=shipment, happened_at=shipped + timedelta(hours=10 * i),
                                         location=where, kind=kind, description=words)
        if status in {Order.Status.DELIVERED, Order.Status.RETURNED}:
            order.delivered_at = shipped + timedelta(days=2)
            order.save(update_fields=["delivered_at"])
    return order


# Where each carrier sorts the shop's parcels (the warehouse is in Amsterdam).
CARRIER_HUBS = {"PostNL": "Nieuwegein", "DHL": "Utrecht", "UPS": "Eindhoven"}


def _tracking_steps(status: str, carrier: str, address: str) -> list[tuple[str, str, str]]:
    """(place, kind, the carrier's words) of a demo parcel's journey so far."""
    town = address_parts(address)["city"]
    steps = [("Amsterdam", TrackingEvent.Kind.HANDED_OVER, "Parcel received by the carrier"),
             (CARRIER_HUBS[carrier], TrackingEvent.Kind.SORTED, "Parcel sorted")]
    if status in {Order.Status.OUT_FOR_DELIVERY, Order.Status.DELIVERED, Order.Status.RETURNED}:
        steps.append((town, TrackingEvent.Kind.OUT_FOR_DELIVERY, "With the driver"))
    if status in {Order.Status.DELIVERED, Order.Status.RETURNED}:
        steps.append((town, TrackingEvent.Kind.DELIVERED, "Delivered"))
    return steps


def demo_canned_translations_ensure() -> None:
    """The canned responses' translations, added to a demo loaded before they existed too (once each)."""
    english = set(CannedResponse.objects.filter(language="en").values_list("title", flat=True))
    for language, texts in CANNED_TRANSLATED.items():
        for title, text in texts.items():
            if title in english:
                CannedResponse.objects.get_or_create(title=title, language=language, defaults={"text": text})


def demo_gift_cards_ensure() -> None:
    """The demo gift cards, added to a demo loaded before they existed too."""
    for code, value, balance, days in GIFT_CARDS:
        GiftCard.objects.get_or_create(code=GiftCard.normalise(code), defaults={
            "initial_amount": Decimal(value), "balance": Decimal(balance),
            "issued_at": timezone.now() - timedelta(days=365 * 2 - days),
            "expires_at": timezone.now() + timedelta(days=days)})


def _first_description(name: str, category: str) -> str:
    """What a demo product said before it had its own description (a demo loaded before #16 still has it)."""
    return f"{name}, from Example Shoppe's {category.lower()} collection. Designed to last, delivered with care."


def demo_product_translations_ensure() -> None:
    """The demo products in Dutch, German, French, Spanish, Italian, Polish and Portuguese, added to a demo
    loaded before they existed too (the Italian, Polish and Portuguese ones came later than the others);
    a translation already there (perhaps edited in the admin) is kept."""
    for product in Product.objects.filter(slug__in=[slugify(name) for name in PRODUCT_WORDS]):
        if product.name not in PRODUCT_WORDS:
            continue  # renamed in the admin: not the demo's product any more
        description, translated = PRODUCT_WORDS[product.name]
        if product.description == _first_description(product.name, product.category):
            product.description = description
            product.save(update_fields=["description"])
        for language, (name, text) in translated.items():
            ProductTranslation.objects.get_or_create(product=product, language=language, defaults={
                "name": name, "description": text, "category": CATEGORY_NAMES[language].get(product.category, ""),
                "colour": COLOUR_NAMES[language].get(product.colour, "")})


@transaction.atomic
def demo_load() -> bool:
    """Create the demo data once. Returns False when it was already there."""
    demo_gift_cards_ensure()
    demo_canned_translations_ensure()
    if Product.objects.exists():
        demo_product_translations_ensure()
        return False
    rng = random.Random(42)
    products = []
    for name, category, price, colour, final_sale in CATALOGUE:
        products.append(Product.objects.create(
            slug=slugify(name), name=name, category=category, price=Decimal(price), colour=colour,
            final_sale=final_sale, stock=rng.choice([0, 3, 12, 40, 75]),
            description=PRODUCT_WORDS[name][0],
        ))
    demo_product_translations_ensure()
    statuses = list(Order.Status.values)
    number = 10020
    for index, (username, first, last, email, address) in enumerate(CUSTOMERS):
        user = User.objects.create_user(username, email, DEMO_PASSWORD, first_name=first, last_name=last)
        customer = Customer.objects.create(user=user, phone=f"+31 6 5555 01{index:02d}",
                                           email_confirmed_at=timezone.now())
        home = Address.objects.create(customer=customer, recipient=f"{first} {last}", is_default=True,
                                      **address_parts(address))
        # As checkout and the address book write it, the recipient's name first: the orders' labels carry it.
        customer.default_address = home.as_text()
        customer.save(update_fields=["default_address"])
        # Each customer gets orders across the states; alice has one of each.
        chosen = statuses if index == 0 else rng.sample(statuses, 3)
        for days, status in enumerate(chosen):
            number += 1
            order = _order(customer, number, status, days_ago=IN_TRANSIT_DAYS_AGO.get(status, 2 + days * 5), rng=rng,
                           products=products)
            if status == Order.Status.RETURNED:
                Refund.objects.create(order=order, amount=order.items_total, status=Refund.Status.PAID,
                                      reason="Returned within 30 days", decided_at=timezone.now())
    for days, (email, address, status) in enumerate(GUESTS):
        number += 1
        _order(None, number, status, days_ago=IN_TRANSIT_DAYS_AGO.get(status, 1 + days * 3), rng=rng, products=products,
               guest=(email, address))
    roles_ensure()
    for username, first, last, role in STAFF:
        member = User.objects.create_user(username, f"{username}@example-shoppe.test", DEMO_PASSWORD,
                                          first_name=first, last_name=last, is_staff=True)
        member.groups.add(Group.objects.get(name=role))
    for title, text in CANNED:
        CannedResponse.objects.create(title=title, text=text, language="en")
    demo_canned_translations_ensure()
    User.objects.create_superuser("admin", "admin@example-shoppe.test", DEMO_PASSWORD)
    return True


def demo_credentials() -> str:
    customers = ", ".join(u for u, *_ in CUSTOMERS)
    staff = ", ".join(f"{u} ({role})" for u, _, _, role in STAFF)
    guests = ", ".join(f"{o.number} {o.email}" for o in Order.objects.filter(customer__isnull=True).order_by("number"))
    return (f"Demo customers: {customers}; staff: {staff}; admin: admin. "
            f"Every demo password is '{DEMO_PASSWORD}'. "
            f"Guest orders (prove one in the chat with its number and email): {guests or 'none'}; "
            "the code to change one is emailed, and printed here by the console email backend. "
            f"Gift cards (/gift-cards/balance/): {', '.join(code for code, *_ in GIFT_CARDS)}. "
            "Demo payment card: 4242 4242 4242 4242.")
