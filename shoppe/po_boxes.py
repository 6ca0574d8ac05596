"""PO boxes: recognised in an address in the shop's languages, and the one delivery method that reaches them."""
from __future__ import annotations

import re
import unicodedata

# A PO box in the shop's languages (help: addresses, shipping-and-delivery), matched without accents or case:
# "PO Box 123", "P.O. Box", "Post Office Box", Dutch "Postbus 123", German "Postfach 123", French "BP 123",
# "B.P. 123", "Boîte postale", Spanish "Apartado de correos 123", "Apdo. 123", "Apartado 123".
PO_BOX = re.compile(
    r"\b(?:p\.?\s*o\.?\s*box|post\s+office\s+box|postbus|postfach|boite\s+postale|apartado\s+de\s+correos|apdo)(?![a-z])"
    r"|\bb\.?\s*p\.?\s*\d"
    r"|\bapartado\s+(?:n[o.º°]*\s*)?\d",
    re.IGNORECASE)
# Only Standard delivery goes to a PO box: Express, Next-day and International need a street address.
PO_BOX_DELIVERY = "Standard"


def is_po_box(text: str) -> bool:
    """Whether an address (or one of its lines) is a PO box rather than a street address."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return bool(PO_BOX.search(plain))
