"""Personal data in European formats, redacted before anything leaves the server (#16): the one definition
(support.llm.pii) that the LLM's redactor and the log scrubber both use. On the wire: tests/support/test_llm_languages.py."""
from __future__ import annotations

import pytest

from support.llm.pii import Redactor
from support.logs import scrub

# (what the customer writes, the personal data in it, its kind)
PERSONAL = [
    # IBANs, in one piece and in groups of four
    ("My IBAN is NL91ABNA0417164300, thanks", "NL91ABNA0417164300", "IBAN"),
    ("Meine IBAN: DE89 3704 0044 0532 0130 00 bitte", "DE89 3704 0044 0532 0130 00", "IBAN"),
    ("iban DE89370400440532013000", "DE89370400440532013000", "IBAN"),
    ("mijn rekening nl91abna0417164300", "nl91abna0417164300", "IBAN"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", "FR76 3000 6000 0112 3456 7890 189", "IBAN"),
    ("IBAN ES91 2100 0418 4502 0005 1332", "ES91 2100 0418 4502 0005 1332", "IBAN"),
    # phone numbers, written the Dutch way
    ("bel me op 06-12345678", "06-12345678", "PHONE"),
    ("bel me op +31 6 12345678 graag", "+31 6 12345678", "PHONE"),
    ("vast nummer 020-1234567.", "020-1234567", "PHONE"),
    ("of 0612345678", "0612345678", "PHONE"),
    ("of 06 1234 5678", "06 1234 5678", "PHONE"),
    # the German way
    ("rufen Sie 0151 23456789 an", "0151 23456789", "PHONE"),
    ("Telefon +49 30 1234567", "+49 30 1234567", "PHONE"),
    ("Tel.: 030/1234567", "030/1234567", "PHONE"),
    ("Tel. (030) 1234567", "(030) 1234567", "PHONE"),
    ("Tel:+49 (0)30 1234567", "+49 (0)30 1234567", "PHONE"),
    # the French way
    ("appelez-moi au 06 12 34 56 78", "06 12 34 56 78", "PHONE"),
    ("ou au +33 6 12 34 56 78 svp", "+33 6 12 34 56 78", "PHONE"),
    ("ou 06.12.34.56.78", "06.12.34.56.78", "PHONE"),
    # the Spanish way
    ("llámame al 612 34 56 78", "612 34 56 78", "PHONE"),
    ("o al +34 612 345 678", "+34 612 345 678", "PHONE"),
    ("o al 612345678", "612345678", "PHONE"),
    # and the Italian, Polish and Portuguese customers' (routed to the LLM too)
    ("chiamami al 333 123 4567", "333 123 4567", "PHONE"),
    ("zadzwoń +48 512 345 678", "+48 512 345 678", "PHONE"),
    ("ligue para 912 345 678", "912 345 678", "PHONE"),
    # street addresses
    ("ik woon op Keizersgracht 12", "Keizersgracht 12", "ADDRESS"),
    ("ich wohne in der Hauptstraße 5", "Hauptstraße 5", "ADDRESS"),
    ("Lieferung an Berliner Straße 12a", "Berliner Straße 12a", "ADDRESS"),
    ("j'habite au 12 rue de Rivoli", "12 rue de Rivoli", "ADDRESS"),
    ("vivo en Calle Mayor 3, 2º izq.", "Calle Mayor 3, 2º izq.", "ADDRESS"),
    ("abito in Via Roma 10", "Via Roma 10", "ADDRESS"),
    ("moro na Rua Augusta 25", "Rua Augusta 25", "ADDRESS"),
    ("mieszkam na ul. Marszałkowska 10", "ul. Marszałkowska 10", "ADDRESS"),
    ("I live at 221B Baker Street", "221B Baker Street", "ADDRESS"),
    # postcodes: the Dutch one anywhere, five digits in an address
    ("postcode 1015 CN", "1015 CN", "POSTCODE"),
    ("Keizersgracht 12, 1015 CN Amsterdam", "1015 CN", "POSTCODE"),
    ("Hauptstraße 5, 10115 Berlin", "10115", "POSTCODE"),
    ("12 rue de Rivoli, 75008 Paris", "75008", "POSTCODE"),
    ("Calle Mayor 3, 2º izq., 28013 Madrid", "28013", "POSTCODE"),
    ("Hauptstraße 5\n10115 Berlin", "10115", "POSTCODE"),
    ("bitte nach 10115 Berlin liefern", "10115", "POSTCODE"),
    ("meine PLZ ist 10115", "10115", "POSTCODE"),
    ("code postal : 75008", "75008", "POSTCODE"),
    ("mi código postal es 28013", "28013", "POSTCODE"),
    # what was redacted before, still is
    ("mail me at jane.doe@mailbox.test", "jane.doe@mailbox.test", "EMAIL"),
    ("card 4111 1111 1111 1111", "4111 1111 1111 1111", "CARD"),
]

# What must reach the model as written: order numbers, prices, dates, times, quantities.
SURVIVES = [
    "Where is order 10030?",
    "orders 10030 10031 and 10032",
    "Bestellung 10030 Berlin ist noch nicht da",
    "my order is 10030 Please help",
    "10030",
    "it cost €1299, or 1.299,00 with the lamp",
    "1299,00 EUR and € 1.299,00 and 1 299,00",
    "ordered on 04.12.2026 at 10:30, delivered 2026-12-06, due 06/12/2026",
    "ordered 4 December 2026 at 09:00-18:00",
    "I bought a ring 12 days ago and 2 place settings",
    "I park 2 cars in 3 weeks",
    "tracking number 3SABCD1234567",
    "Ihre Bestellung 10030 vom 04.12.2026 über 1.299,00 €",
    "mi pedido 10030 del 4/12/2026 de 89,95 €",
]


@pytest.mark.parametrize("text, secret, kind", PERSONAL)
def test_personal_data_is_replaced_by_a_placeholder_of_its_kind(text, secret, kind):
    redactor = Redactor()
    redacted = redactor.redact(text)
    assert secret not in redacted, redacted
    assert f"[{kind}_1]" in redacted, redacted
    assert redactor.originals[f"[{kind}_1]"] == secret
    assert redactor.restore(redacted) == text


@pytest.mark.parametrize("text", SURVIVES)
def test_order_numbers_prices_and_dates_survive(text):
    assert Redactor().redact(text) == text
    assert scrub(text) == text


def test_a_whole_address_is_redacted_and_the_town_kept():
    redacted = Redactor().redact("Bitte an Hauptstraße 5, 10115 Berlin, Tel. 030/1234567, IBAN DE89 3704 0044 0532 0130 00")
    assert redacted == "Bitte an [ADDRESS_1], [POSTCODE_1] Berlin, Tel. [PHONE_1], IBAN [IBAN_1]"


def test_an_iban_followed_by_a_word_is_redacted_without_the_word():
    assert Redactor().redact("AT61 1904 3002 3457 3201 Bank") == "[IBAN_1] Bank"


@pytest.mark.parametrize("text, secret, kind", PERSONAL)
def test_the_logs_scrub_the_same_personal_data(text, secret, kind):
    # one definition, two uses: what the LLM never sees, no log line carries either
    scrubbed = scrub(text)
    assert secret not in scrubbed and f"[{kind}]" in scrubbed, scrubbed


def test_the_logs_scrub_personal_data_hidden_in_a_url():
    assert scrub("GET /help/?q=Keizersgracht+12%2C+1015+CN+06-12345678") == "GET /help/?q=[ADDRESS], [POSTCODE] [PHONE]"


def test_the_router_reads_a_message_without_its_personal_data():
    from support.llm.pii import personal_data_removed

    assert personal_data_removed("what payment methods? mail me at jane.doe@mailbox.test or +31 6 1234 5678, "
                                 "card 4111 1111 1111 1111") == "what payment methods? mail me at or , card"
    # order numbers and prices are what the customer is asking about: they stay
    assert personal_data_removed("refund €1299 for order 10045 to NL91ABNA0417164300 please") \
        == "refund €1299 for order 10045 to please"
    # a message that is nothing but personal data is read as it is
    assert personal_data_removed("jane@example.test") == "jane@example.test"
