"""A routine question about another organisation is not answered with the shop's help page (issue #14).

"My Zalando return", "forgot my DigiD password": the classifier reads the shop-like words and would answer with
our returns or password page; the names are data (rag/router/other_organisations.txt), matched in every
language (rag/router/organisations.py). The messages here were written for this test, not taken from any set.
"""
from __future__ import annotations

import pytest

from rag.router.organisations import (
    about_another_organisation, folded, names_read, organisations_named, organisations_pattern,
)

pytestmark = pytest.mark.django_db


def test_names_match_as_whole_words_however_they_are_written():
    pattern = organisations_pattern(["El Corte Inglés", "Uber Eats", "bol.com", "Zalando"], shop_texts=[])

    assert organisations_named("mi pedido de EL CORTE INGLES", pattern) == ["el corte ingles"]
    assert organisations_named("bestelling via ubereats kwijt", pattern) == ["ubereats"]
    assert organisations_named("mijn Bol.com retour", pattern) == ["bol.com"]
    assert organisations_named("Zalandos Rücksendung, zalando’s app", pattern) == ["zalandos", "zalando's"]
    assert organisations_named("the zalandoo jacket, bolcom, el corte", pattern) == []
    assert folded("Żabka Café ÉLYSÉE") == "zabka cafe elysee"


def test_a_name_the_shops_own_pages_use_is_not_another_organisations():
    pattern = organisations_pattern(["Zalando", "PostNL"], shop_texts=["We deliver with PostNL and DHL."])

    assert organisations_named("is mijn pakket al bij postnl?", pattern) == []
    assert organisations_named("mijn zalando pakket", pattern) == ["zalando"]


def test_the_shops_carriers_and_payment_methods_are_not_in_the_list():
    shop_partners = "PostNL DHL UPS Correos CTT Klarna iDEAL PayPal Apple Pay Google Pay Bancontact Sofort Visa Mastercard"
    assert organisations_named(shop_partners) == []
    assert len(names_read()) >= 300  # the countries the shop ships to, each with its shops, banks and services


# Another organisation named beside the shop's own things: the message is about the shop (one per language).
ABOUT_OUR_THINGS_TOO = [
    "saw your floor lamp in a pinterest board, do you still have it",
    "ik bestelde bij jullie en niet bij bol.com, waarom staat er een ander logo op de doos",
    "Gibt es eure Kommode auch bei Otto.de?",
    "vous vendez aussi sur cdiscount ou seulement sur votre site ?",
    "¿vuestras sillas están también en amazon?",
    "la vostra lampada si trova anche su ebay?",
    "czy wasz sklep jest też na allegro?",
    "vendem na worten ou só no vosso site?",
]


def test_a_name_beside_the_shops_own_things_is_not_about_someone_else():
    assert all(organisations_named(text) for text in ABOUT_OUR_THINGS_TOO)
    assert [text for text in ABOUT_OUR_THINGS_TOO if about_another_organisation(text)] == []
    assert about_another_organisation("kunnen jullie mijn zalando retour checken?") == ["zalando"]
    assert about_another_organisation("can you check my amazon parcel?") == ["amazon"]


# (the message about another organisation, the same question about the shop), in each of the shop's languages
ABOUT_SOMEONE_ELSE = [
    ("forgot my spotify password, how do i reset it", "forgot my password, how do i reset it"),
    ("hoe lang duurt het voordat zalando mijn retour verwerkt", "hoe lang duurt het voordat jullie mijn retour verwerken"),
    ("wie ändere ich meine lieferadresse bei amazon", "wie ändere ich meine lieferadresse"),
    ("comment télécharger ma facture sfr", "comment télécharger ma facture"),
    ("no me acuerdo de la contraseña de mi cuenta de vodafone", "no me acuerdo de la contraseña de mi cuenta"),
    ("come faccio a cancellare il mio account di vinted", "come faccio a cancellare il mio account"),
    ("jak zmienić adres dostawy na allegro", "jak zmienić adres dostawy"),
    ("como mudo a morada de entrega na minha conta da worten", "como mudo a morada de entrega na minha conta"),
]


@pytest.mark.parametrize("elsewhere, ours", ABOUT_SOMEONE_ELSE, ids=[pair[1][:30] for pair in ABOUT_SOMEONE_ELSE])
def test_a_routine_question_about_another_organisation_is_declined_and_ours_answered(local_models, elsewhere, ours):
    from rag.router.organisations import organisations_named as named

    assert named(elsewhere), f"no organisation found in {elsewhere!r}: is it in other_organisations.txt?"
    theirs, mine = local_models.decide(elsewhere), local_models.decide(ours)

    assert theirs.route == "off_topic", theirs.reason
    assert mine.route == "local", mine.reason


def test_money_back_naming_another_organisation_still_goes_to_a_person(local_models):
    # the rule declines routine answers only: a refund demand is a person's, whoever else it names
    decision = local_models.decide("I bought your oak table for €899 and Amazon sells it for €699, refund me the difference")
    assert decision.route == "human", decision.reason
