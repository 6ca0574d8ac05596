"""Language signals the classifier alone can miss: refund requests and asking for a person.

They are a safety net, not the classifier: a refund request must never be answered
by the bot alone, whatever the embedding thinks.
"""
from __future__ import annotations

import re

REFUND_LANGUAGE = re.compile(
    r"\b(refund\w*|reimburs\w*|repa(y|id)\w*|charge ?back|compensat\w*|cash back|"
    r"(money|difference|cost|price|amount|payment|what i paid)\b.{0,40}\b(back|returned|refunded)|"
    r"(give|pay|put|send|return|credit|transfer)\b.{0,25}\b(back|money)|money (back|returned)|pay me|"
    r"(return|give back|send back) (my|the) (payment|money|funds|deposit)|"
    r"what i paid|(the )?difference back)\b",
    re.IGNORECASE,
)
POLICY_QUESTION = re.compile(
    r"\b(polic(y|ies)|guarantee|terms|conditions|rules?|eligib\w*|refundable|in (which|what) cases?|"
    r"how (do|does) (a |your |the )?(refunds?|reimbursements?|money back) work|how (long|many days|much time)|"
    r"usually|normally|in general|generally|before i (buy|order)|is it possible|(is|it'?s) possible|"
    r"(can|could|do|would) (i|you|one|customers?) (get|have|receive) .{0,40}\bif\b|store credit)\b",
    re.IGNORECASE,
)
REQUEST = re.compile(
    r"\b(i (want|need|would like|'d like|demand|expect)|give me|pay me|send me|please (refund|reimburse|pay|return)|"
    r"refund (me|my|it|this|the)|back (to|on) my|asap|now\b|please (issue|process|send|transfer|give))",
    re.IGNORECASE,
)
REFUND_STATUS = re.compile(
    r"\b(status|where('s| is) (my|the)|track\w*|not (yet )?(received|arrived|come|got)|haven'?t (received|got|seen)|"
    r"still (waiting|not|no)|when will (i|it)|already (asked|requested)|update on|progress|processed yet)\b",
    re.IGNORECASE,
)
OWN_PURCHASE = re.compile(
    r"\b(my (order|purchase|item|parcel|package|lamp|chair|table|sofa)|i (bought|ordered|returned|paid)|"
    r"order\s*(no\.?|number|#)?\s*\d{4,})",
    re.IGNORECASE,
)
ASK_FOR_PERSON = re.compile(
    r"\b(human|real person|real people|live (agent|person|chat|support)|agent|representative|operator|"
    r"someone real|anyone real|(a|some|real) (person|somebody|someone)|talk to (a )?(person|someone|somebody|staff)|"
    r"speak (to|with) (a |an )?(person|someone|somebody|manager|employee|staff)|manager|supervisor|"
    r"staff member|employee|not (a|the) (bot|robot|machine)|no (bot|robot)s?|automat\w+ (answers?|replies|responses)|"
    r"(somebody|someone|anybody|anyone) (with a pulse|who can|that can)|speak to (somebody|someone|anyone))\b",
    re.IGNORECASE,
)


def mentions_refund(text: str) -> bool:
    return bool(REFUND_LANGUAGE.search(text))


def asks_refund_policy(text: str) -> bool:
    """A general question about refunds, not a request for one's own money back."""
    return bool(POLICY_QUESTION.search(text)) and not OWN_PURCHASE.search(text) and not REQUEST.search(text)


def asks_refund_status(text: str) -> bool:
    return bool(REFUND_STATUS.search(text)) and not REQUEST.search(text)


INSISTS_ON_PERSON = re.compile(
    r"\b(real (person|human|people)|(a|an|some) human\b|human being|flesh and blood|with a pulse|"
    r"(someone|somebody|a person|people) who (actually )?works? (there|here|for you|at)|"
    r"(not|no more|stop|done with|tired of|sick of) (talking to |chatting with )?(a |the |this |these )?(bot|robot|machine|"
    r"automated|ai)\w*|rather (talk|chat|speak) (to|with) (a |an )?(person|someone|somebody|human|agent))",
    re.IGNORECASE,
)


def insists_on_person(text: str) -> bool:
    """Unmistakable wishes for a person, whatever the classifier thinks."""
    return bool(INSISTS_ON_PERSON.search(text))


def asks_for_person(text: str) -> bool:
    return bool(ASK_FOR_PERSON.search(text))


# Other companies and public services: "cancel my order on AliExpress", "Ryanair's
# refund policy", "my Gmail password". Shop words that look similar are in SHOP_NAMES.
OTHER_SERVICE = re.compile(
    r"\b(library|supermarket|grocer(y|ies)|tax(es)?|vote|voting|council|government|dentist|doctor|hospital|"
    r"school|university|insurance|mortgage|electricity|gas bill|phone bill|mobile (plan|contract)|train|flight|"
    r"airline|hotel|airbnb|gym|restaurant|pizza|taxi|cinema|concert|visa application|passport|driving licen[cs]e|"
    r"parking|landlord|rent\b|utility|broadband|router)\b",
    re.IGNORECASE,
)
_NAME_CONTEXT = {"on", "with", "from", "at", "via", "through", "by", "does", "do", "my", "for", "the", "using"}
_TOKEN = re.compile(r"[\w&'’-]+")
ABOUT_US = re.compile(r"\b(you|your|yours|y'?all|u|ur|example shoppe|shoppe|this (shop|store|site|website))\b", re.IGNORECASE)
COMMON_PROPER_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december christmas easter europe eu uk us usa america canada switzerland norway "
    "netherlands holland belgium germany france spain italy portugal austria ireland denmark sweden finland poland "
    "greece czechia hungary romania bulgaria croatia slovakia slovenia luxembourg estonia latvia lithuania malta "
    "cyprus britain england scotland wales london paris berlin amsterdam rotterdam brussels antwerp madrid rome "
    "vienna dublin zurich geneva oslo toronto vancouver montreal new york i im i'm i'd i've i'll ok okay hi hello "
    "dear thanks please asap vat eur pdf id faq".split()
)


def other_services(text: str, shop_names: frozenset[str]) -> list[str]:
    """Other companies or public services the message is about, when it isn't about us.

    Catches "cancel my order on AliExpress", "Ryanair's refund policy", "my Gmail
    password", "how do I return a library book": shop-like wording about someone else.
    """
    if ABOUT_US.search(text):
        return []
    found = [m.group(0) for m in OTHER_SERVICE.finditer(text)]
    tokens = _TOKEN.findall(text)
    for previous, token in zip(["<start>", *tokens], tokens):
        word = token.rstrip("'’s") if token.endswith(("'s", "’s")) else token
        if len(word) < 2 or word.lower() in shop_names or word.lower() in COMMON_PROPER_NAMES:
            continue
        capitalised = word[0].isupper() or any(c.isupper() for c in word[1:])
        possessive = word != token
        acronym = word.isupper() and len(word) >= 3
        if capitalised and (previous.lower() in _NAME_CONTEXT or possessive or acronym):
            found.append(word)
    return found


ADVICE = re.compile(
    r"\b(recommend\w*|suggest\w*|compar\w*|difference between|which (of your|one|would)\b.{0,60}\b(would|should|suits?|fits?|"
    r"best|better|safe|work)|should i|what are my options|what (should|can) i do about|help me (choose|design|plan|pick)|"
    r"explain\b.{0,30}\b(how|why|what)|does .{0,40} still (count|hold|apply)|what happens (if|now|when))\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:?—–]|\b(and|but|or|also|then|while|because|although)\b", re.IGNORECASE)


def is_complex(text: str, *, confidence: float) -> bool:
    """Advice, comparisons and long many-part questions: beyond a single help passage."""
    words = len(text.split())
    clauses = len(_CLAUSE.findall(text))
    if ADVICE.search(text) and (words >= 12 or confidence < 0.6):
        return True
    if words >= 20 and clauses >= 4 and confidence < 0.7:
        return True
    return words >= 28 and confidence < 0.8
