"""Questions about one of the shop's products, answered from the catalogue (support/services/product_answers.py).

Session 35's walkthrough: "is the oak dining table solid wood?" got "No, Example Shoppe gift cards cannot be
returned...", the help section nearest to it, as the help centre says nothing of single products.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from shoppe.models import Product, ProductTranslation
from support.models import Conversation
from support.services.product_answers import product_named
from tests.support.test_order_help import said

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):  # type: ignore[no-untyped-def]
    table = Product.objects.create(slug="oak-dining-table", name="Oak dining table", category="Tables",
                                   description="A solid oak table that seats six.", price=Decimal("689.00"), stock=2)
    ProductTranslation.objects.create(product=table, language="fr", name="Table à manger en chêne",
                                      description="Une table en chêne massif pour six personnes.")
    Product.objects.create(slug="oak-coffee-table", name="Oak coffee table", category="Tables",
                           description="A low oak table.", price=Decimal("249.00"), stock=0)
    Product.objects.create(slug="brass-lamp", name="Brass lamp", category="Lamps", description="A brass lamp.",
                           price=Decimal("89.00"), stock=4)
    Product.objects.create(slug="linen-lamp", name="Linen lamp", category="Lamps", description="A linen lamp.",
                           price=Decimal("59.00"), stock=4)
    return table


@pytest.mark.parametrize(("language", "question", "slug"), [
    ("en", "is the oak dining table solid wood?", "oak-dining-table"),
    ("en", "is the OAK COFFEE TABLE in stock", "oak-coffee-table"),
    ("fr", "la table a manger en chene est en bois massif ?", "oak-dining-table"),  # typed without accents
    ("en", "is the lamp dimmable?", None),  # two lamps: which one is not known
    ("en", "is the oak table solid?", None),  # two oak tables, named as much
    ("en", "do you sell rugs", None),
])
def test_the_product_a_question_names(catalogue, language, question, slug):
    with translation.override(language):
        found = product_named(question)
    assert (found.slug if found else None) == slug


@pytest.mark.django_db(transaction=True)
def test_a_question_about_a_product_gets_its_own_words_and_page(local_models, catalogue, make_customer):
    conversation = Conversation.objects.create(customer=make_customer("alice"))
    reply = said(conversation, "is the oak dining table solid wood?")
    assert reply.startswith("Oak dining table: A solid oak table that seats six. €689.00, in stock."), reply
