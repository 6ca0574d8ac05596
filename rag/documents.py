"""Help documents (Markdown files and staff-written articles) and their passages, per language.

English pages are rag/knowledge/<slug>.md (and the staff's articles); the shop's languages in
HELP_LANGUAGES have their translations in rag/knowledge/<lang>/<slug>.md, under the same slugs (Italian,
Polish and Portuguese since session 34: before, those storefronts showed the English pages). A
translated page names the site's paths as the English one does ("Mijn bestellingen (/orders/)");
they are read as the same page in the page's language ("/nl/orders/").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

ENGLISH = "en"
# The languages the help centre is written in besides English: rag/knowledge/<lang>/.
HELP_LANGUAGES = ("nl", "de", "fr", "es", "it", "pl", "pt")


def help_language(language: str | None) -> str:
    """The help centre's language for a Django or router language code: "nl" for "nl", "en" for "en-gb" or "it"."""
    code = (language or "").lower().split("-")[0]
    return code if code in HELP_LANGUAGES else ENGLISH


def storefront_language(language: str | None) -> str:
    """The storefront's language for a Django or router language code, as its pages' prefix names it: "it" for
    "it", "en" for "en-gb" or a language the shop has none in."""
    code = (language or "").lower().split("-")[0]
    return code if code != ENGLISH and code in {c.split("-")[0] for c, _name in settings.LANGUAGES} else ENGLISH


def _prefix(language: str) -> str:
    return "" if language == ENGLISH else f"/{language}"


@dataclass(frozen=True)
class HelpDocument:
    slug: str
    title: str
    summary: str
    body: str  # Markdown, without the title line
    language: str = ENGLISH

    @property
    def url(self) -> str:
        return f"{_prefix(self.language)}/help/{self.slug}/"


@dataclass(frozen=True)
class Passage:
    """One section of a help document: what retrieval finds and an answer quotes."""

    slug: str
    title: str  # the document's title
    heading: str  # the section's question-like heading
    text: str
    language: str = ENGLISH

    @property
    def url(self) -> str:
        return f"{_prefix(self.language)}/help/{self.slug}/#{slugify(self.heading)}"

    @property
    def source_title(self) -> str:
        """"Returns: How do I return an item?"; a page's opening section, headed with its title, once ("Invoices")."""
        return self.title if self.heading.strip().lower() == self.title.strip().lower() else f"{self.title}: {self.heading}"

    def as_source(self) -> dict[str, str]:
        return {"title": self.source_title, "url": self.url}


# A site path a page names: "My orders (/orders/)", "at /account/signup/", "[..](/help/warranty/#..)"
# (not "24/7", an email address or another site's address).
_SITE_PATH = re.compile(r"(?<![\w/.:@-])(/(?:[a-z0-9][a-z0-9_-]*/)+)(#[\w-]+)?")


def localized_path(path: str, language: str) -> str:
    """`path` (an English site path) as the same page in `language`: "/orders/" -> "/nl/orders/".

    Paths outside the customer's pages (the staff console, the chat endpoints) stay as they are.
    """
    from django.urls import translate_url
    from django.utils import translation

    if language == ENGLISH:
        return path
    with translation.override(settings.LANGUAGE_CODE):
        return translate_url(path, language)


def localized_paths(markdown: str, language: str) -> str:
    """`markdown` with every site path it names pointing to the page in `language`."""
    if language == ENGLISH:
        return markdown
    return _SITE_PATH.sub(lambda m: localized_path(m.group(1), language) + (m.group(2) or ""), markdown)


def document_parse(*, slug: str, markdown: str, title: str | None = None, language: str = ENGLISH) -> HelpDocument:
    markdown = localized_paths(markdown, language)
    lines = markdown.strip().splitlines()
    if lines and lines[0].startswith("# "):
        title = title or lines[0][2:].strip()
        lines = lines[1:]
    body = "\n".join(lines).strip()
    summary = body.split("\n\n", 1)[0] if body and not body.startswith("## ") else ""
    return HelpDocument(slug=slug, title=title or slug.replace("-", " ").capitalize(), summary=summary, body=body,
                        language=language)


def knowledge_folder(language: str = ENGLISH) -> Path:
    root = Path(settings.RAG_KNOWLEDGE_DIR)
    return root if language == ENGLISH else root / language


def document_list(language: str = ENGLISH) -> list[HelpDocument]:
    """Every published help document in `language`: the repository's files, then (English) staff articles.

    Only the pages written in `language`: a page missing in it is not listed (see `document_get`).
    """
    from rag.models import KnowledgeArticle

    documents = {
        path.stem: document_parse(slug=path.stem, markdown=path.read_text(encoding="utf-8"), language=language)
        for path in sorted(knowledge_folder(language).glob("*.md"))
    }
    if language == ENGLISH:
        for article in KnowledgeArticle.objects.filter(published=True):
            documents[article.slug] = document_parse(slug=article.slug, markdown=article.body, title=article.title)
    return list(documents.values())


def document_get(*, slug: str, language: str = ENGLISH) -> HelpDocument | None:
    """The page `slug` in `language`, else in English (check the returned document's language)."""
    found = next((d for d in document_list(language) if d.slug == slug), None)
    if found is None and language != ENGLISH:
        return document_get(slug=slug)
    return found


_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


def document_passages(document: HelpDocument) -> list[Passage]:
    """Chunk a document by its `##` headings; text before the first heading is its own passage."""
    passages: list[Passage] = []
    matches = list(_HEADING.finditer(document.body))
    intro = document.body[: matches[0].start()].strip() if matches else document.body.strip()
    if intro:
        passages.append(Passage(document.slug, document.title, document.title, intro, document.language))
    for match, following in zip(matches, [*matches[1:], None]):
        end = following.start() if following else len(document.body)
        text = document.body[match.end() : end].strip()
        if text:
            passages.append(Passage(document.slug, document.title, match.group(1), text, document.language))
    return passages
