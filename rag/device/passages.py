"""The help passages the device may show, by id, and the per-language bundles it downloads.

A passage id is "<slug>#<anchor>", the anchor being the heading slugified as in
`rag.documents.Passage.url`; ids name a passage in one language (the Dutch page's anchors are
Dutch). On the device, Italian, Polish and Portuguese customers get the English passages, translated by the browser
and kept opened with the line of support.services.answers.ENGLISH_ONLY_NOTES: the server has had their help pages
since session 34, the device's bundles not yet.
"""
from __future__ import annotations

from functools import lru_cache

from django.utils.text import slugify

from rag.documents import ENGLISH, Passage, document_get, document_list, document_passages, help_language

# The help languages the device carries passages in (not done: it, pl, pt, which the server answers from their pages).
DEVICE_HELP_LANGUAGES = ("nl", "de", "fr", "es")
BUNDLE_LANGUAGES = (ENGLISH, *DEVICE_HELP_LANGUAGES)


def device_help_language(language: str | None) -> str:
    """The language of the passages the device shows a customer writing `language`: English for it, pl, pt."""
    code = help_language(language)
    return code if code in DEVICE_HELP_LANGUAGES else ENGLISH


def passage_id(passage: Passage) -> str:
    return f"{passage.slug}#{slugify(passage.heading)}"


def _document_passages(slug: str, language: str) -> list[Passage]:
    """The passages of page `slug` written in `language` ([] when it is not written in it)."""
    document = document_get(slug=slug, language=language)
    return document_passages(document) if document is not None and document.language == language else []


def device_passage(language: str, passage_id_: str) -> Passage | None:
    """The server's own help passage `passage_id_` in the device's passages for `language` (it, pl, pt: English),
    or None.

    What the server renders a device answer from: the device sends an id, never text.
    """
    slug = passage_id_.partition("#")[0]
    return next((p for p in _document_passages(slug, device_help_language(language)) if passage_id(p) == passage_id_),
                None)


def passage_id_in(passage_id_: str, *, source: str, target: str) -> str | None:
    """The id of the same passage (same page, same place) in `target`'s help centre; None if it has none there."""
    source, target = help_language(source), help_language(target)
    slug = passage_id_.partition("#")[0]
    ids = _page_ids(slug, source)
    if passage_id_ not in ids:
        return None
    translated = _page_ids(slug, target)
    position = ids.index(passage_id_)
    return translated[position] if position < len(translated) else None


@lru_cache(maxsize=None)
def _page_ids(slug: str, language: str) -> tuple[str, ...]:
    """The passage ids of page `slug` in `language`, read once per device build (a build labels some 20,000
    exemplars, and reading every page of a language for each cost it some 10 s): `page_ids_forget` at its start."""
    return tuple(passage_id(p) for p in _document_passages(slug, language))


def page_ids_forget() -> None:
    """Read the help pages again on the next `passage_id_in` (a build's start: a staff article may have changed)."""
    _page_ids.cache_clear()


def passage_bundle(language: str, english_ids: dict[str, str]) -> dict:
    """The bundle of `language` (en, nl, de, fr, es): {intent: passage id} and those passages' text, title and url.

    `english_ids` is the passage chosen for each intent, named by its English id (rag/device/distil.py).
    An intent whose page is not written in `language` is left out: the server answers it.
    """
    intents: dict[str, str] = {}
    passages: dict[str, dict[str, str]] = {}
    for intent, english_id in sorted(english_ids.items()):
        local_id = english_id if language == ENGLISH else passage_id_in(english_id, source=ENGLISH, target=language)
        passage = device_passage(language, local_id) if local_id else None
        if passage is None:
            continue
        intents[intent] = local_id
        passages[local_id] = {"title": passage.source_title, "text": passage.text, "url": passage.url}
    return {"language": language, "intents": intents, "passages": passages}


def help_questions() -> list[str]:
    """The help centre's section headings in every bundle language: questions as customers ask them."""
    return sorted({p.heading for language in BUNDLE_LANGUAGES for d in document_list(language)
                   for p in document_passages(d)})
