"""Help documents (Markdown files and staff-written articles) and their passages."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify


@dataclass(frozen=True)
class HelpDocument:
    slug: str
    title: str
    summary: str
    body: str  # Markdown, without the title line

    @property
    def url(self) -> str:
        return f"/help/{self.slug}/"


@dataclass(frozen=True)
class Passage:
    """One section of a help document: what retrieval finds and an answer quotes."""

    slug: str
    title: str  # the document's title
    heading: str  # the section's question-like heading
    text: str

    @property
    def url(self) -> str:
        return f"/help/{self.slug}/#{slugify(self.heading)}"

    def as_source(self) -> dict[str, str]:
        return {"title": f"{self.title}: {self.heading}", "url": self.url}


def document_parse(*, slug: str, markdown: str, title: str | None = None) -> HelpDocument:
    lines = markdown.strip().splitlines()
    if lines and lines[0].startswith("# "):
        title = title or lines[0][2:].strip()
        lines = lines[1:]
    body = "\n".join(lines).strip()
    summary = body.split("\n\n", 1)[0] if body and not body.startswith("## ") else ""
    return HelpDocument(slug=slug, title=title or slug.replace("-", " ").capitalize(), summary=summary, body=body)


def document_list() -> list[HelpDocument]:
    """Every published help document: the repository's files, then staff articles."""
    from rag.models import KnowledgeArticle

    documents = {
        path.stem: document_parse(slug=path.stem, markdown=path.read_text(encoding="utf-8"))
        for path in sorted(Path(settings.RAG_KNOWLEDGE_DIR).glob("*.md"))
    }
    for article in KnowledgeArticle.objects.filter(published=True):
        documents[article.slug] = document_parse(slug=article.slug, markdown=article.body, title=article.title)
    return list(documents.values())


def document_get(*, slug: str) -> HelpDocument | None:
    return next((d for d in document_list() if d.slug == slug), None)


_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


def document_passages(document: HelpDocument) -> list[Passage]:
    """Chunk a document by its `##` headings; text before the first heading is its own passage."""
    passages: list[Passage] = []
    matches = list(_HEADING.finditer(document.body))
    intro = document.body[: matches[0].start()].strip() if matches else document.body.strip()
    if intro:
        passages.append(Passage(document.slug, document.title, document.title, intro))
    for match, following in zip(matches, [*matches[1:], None]):
        end = following.start() if following else len(document.body)
        text = document.body[match.end() : end].strip()
        if text:
            passages.append(Passage(document.slug, document.title, match.group(1), text))
    return passages
