"""What the LLM is given: the versioned system prompt in the customer's language, help passages, recent turns,
order facts."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings

from rag.documents import ENGLISH
from rag.index import Hit, KnowledgeIndex
from support.llm.guardrails import looks_like_injection
from support.llm.pii import Redactor
from support.llm.provider import Turn
from support.models import Conversation, Message, Photo
from support.events import Source
from support.services.answers import INTENT_DOCUMENTS, help_search, section_heading
from support.services.order_help import customer_orders
from support.services.photos import photo_images_for_llm

PROMPT_FILE = Path(__file__).resolve().parent.parent / "prompts" / "system.md"
RECENT_TURNS = 6
PASSAGES = 4

# The languages the router tells apart (rag/router/languages.py), named for the model.
LANGUAGE_NAMES = {"en": "English", "nl": "Dutch", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
                  "pl": "Polish", "pt": "Portuguese"}


@lru_cache(maxsize=1)
def system_prompt() -> tuple[str, str]:
    """(version, text) of the system prompt kept in the repository."""
    header, _, body = PROMPT_FILE.read_text(encoding="utf-8").partition("\n---\n")
    version = header.split(":", 1)[1].strip()
    return version, body.strip()


def language_name(language: str) -> str:
    """The model's name for a message's language ("de": "German"); English when it is not known."""
    return LANGUAGE_NAMES.get((language or "en").split("-")[0].lower(), "English")


def system_instruction(language: str) -> str:
    """The system prompt, ending with the customer's language and the instruction to answer in it.

    The language line is part of the prompt: a change to its wording needs a new version in system.md."""
    name = language_name(language)
    passages = "" if name == "English" else f" The help-centre passages may be in English: answer in {name} all the same."
    return f"{system_prompt()[1]}\n\nThe customer writes in {name}. Answer in {name}.{passages}"


@lru_cache(maxsize=4096)
def _tampered(heading: str, text: str) -> bool:
    """A help passage carrying an instruction to the model. Passages change only with
    the index, so each is screened once per process, not on every escalation."""
    return looks_like_injection(text) or looks_like_injection(heading)


@dataclass
class LLMRequest:
    system: str
    turns: list[Turn]
    sources: list[Source]
    redactor: Redactor
    allowed_order_numbers: set[str]
    allowed_emails: set[str]
    dropped_passages: int = 0
    notes: list[str] = field(default_factory=list)
    photos: int = 0  # photos of the customer's the request carries (with a key and their consent only)


def _order_facts(conversation: Conversation) -> tuple[str, set[str], set[str]]:
    orders = customer_orders(conversation)
    lines = []
    for order in orders[:5]:
        items = ", ".join(f"{i.quantity} x {i.product.local_name}" for i in order.items.all())
        lines.append(f"- order {order.number}: {order.get_status_display().lower()}, placed {order.placed_at:%Y-%m-%d}, "
                     f"{order.delivery_option} delivery, items: {items}, total EUR {order.total}")
    emails = {o.email for o in orders}
    return "\n".join(lines), {str(o.number) for o in orders}, emails


def _passages_found(index: KnowledgeIndex, vector: np.ndarray, message: Message, language: str) -> list[Hit]:
    """The help passages for the question, best first, from the help centre in `language` (`help_search`).

    The router's intent names the documents that answer it, as for a local answer (support.services.answers):
    for a message not in English they come first, and the section that answers the intent's common form is
    always among them."""
    english = language_name(message.language) == "English"
    hits = index.search(vector, k=PASSAGES if english else PASSAGES * 2)
    preferred = INTENT_DOCUMENTS.get(message.intent, ())
    if english or not preferred:
        return hits[:PASSAGES]
    section = section_heading(message.intent, language)
    pinned = [Hit(p, 1.0) for p in index.passages if p.slug == preferred[0] and p.heading == section]
    ranked = sorted(hits, key=lambda hit: -(hit.score + (0.15 if hit.passage.slug in preferred else 0.0)
                                            + (0.05 if hit.passage.slug == preferred[0] else 0.0)))
    found: list[Hit] = []
    for hit in [*pinned, *ranked]:
        if hit.passage not in (h.passage for h in found):
            found.append(hit)
    return found[:PASSAGES]


def request_build(*, message: Message, vector: np.ndarray | None = None) -> LLMRequest:
    """The conversation as the model will see it (any provider), within the context budget, PII redacted.

    `vector` is the message's embedding when the router already computed it."""
    conversation = message.conversation
    customer = conversation.customer
    redactor = Redactor(names=[n for n in ([customer.first_name, customer.last_name] if customer else []) if n])
    budget = settings.LLM_CONTEXT_CHAR_BUDGET

    # The customer's language's help pages (the English ones read with the multilingual encoder for a language the
    # help centre is not written in), searched with the routing vector when the index was built with its encoder.
    index, vector, language = help_search(vector=vector, text=message.text, language=message.language or ENGLISH)
    passages, sources, dropped = [], [], 0
    for hit in _passages_found(index, vector, message, language):
        text = hit.passage.text
        if _tampered(hit.passage.heading, text):
            dropped += 1  # an article someone tampered with never reaches the model
            continue
        number = len(passages) + 1  # the model cites it by this number; only cited passages are shown (citations.py)
        block = f'<help_passage number="{number}" title="{hit.passage.title}: {hit.passage.heading}">\n{text}\n</help_passage>'
        if sum(map(len, passages)) + len(block) > budget // 2:
            break
        passages.append(block)
        sources.append(hit.passage.as_source())

    facts, order_numbers, emails = _order_facts(conversation)
    previous = list(
        Message.objects.filter(conversation=conversation, created_at__lt=message.created_at)
        .exclude(status=Message.Status.FAILED).order_by("-created_at")[:RECENT_TURNS]
    )[::-1]
    with_photo = set(Photo.objects.filter(message__in=previous).values_list("message_id", flat=True))
    turns: list[Turn] = []
    used = 0
    for turn in previous:
        text = redactor.redact(turn.text)[:600]
        if turn.id in with_photo:  # a photo without a caption is still a turn: never an empty one
            text = f"(sent a photo) {text}".strip()
        used += len(text)
        if used > budget // 4:
            break
        turns.append(Turn(role="customer" if turn.author == Message.Author.CUSTOMER else "assistant", text=text))

    context = "\n\n".join(passages) or "(no help-centre passage matched)"
    signed_in = "The customer is signed in." if customer else "The customer is not signed in."
    question = redactor.redact(message.text)
    images = photo_images_for_llm(conversation_id=conversation.id, until=message.created_at)
    shown = (f"The customer attached {len(images)} photo{'s' if len(images) > 1 else ''} to this conversation "
             f"and agreed you may see {'them' if len(images) > 1 else 'it'}: after this message, oldest first.\n\n"
             if images else "")
    prompt = (
        f"Help-centre passages:\n{context}\n\n{signed_in}\n"
        f"The customer's orders:\n{redactor.redact(facts) or '(none known)'}\n\n{shown}"
        f"<customer_message>\n{question}\n</customer_message>"
    )
    turns.append(Turn(role="customer", text=prompt, images=tuple(images)))
    mentioned = order_numbers | set(re.findall(r"\b\d{5}\b", message.text))
    return LLMRequest(system=system_instruction(message.language), turns=turns, sources=sources, redactor=redactor,
                      allowed_order_numbers=mentioned, allowed_emails=emails, dropped_passages=dropped,
                      photos=len(images))
