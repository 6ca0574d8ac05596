"""The public help centre: every knowledge document is a page answers can link to."""
from __future__ import annotations

import markdown
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from rag.documents import document_get, document_list


def help_index(request: HttpRequest) -> HttpResponse:
    return render(request, "rag/help_index.html", {"documents": document_list()})


def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    document = document_get(slug=slug)
    if document is None:
        raise Http404("No such help page")
    # Staff-written Markdown: raw HTML is escaped, headings get the anchors answers link to.
    html = markdown.markdown(
        document.body.replace("<", "&lt;"),
        extensions=["toc", "sane_lists"],
        extension_configs={"toc": {"slugify": lambda value, separator: slugify(value)}},
    )
    return render(request, "rag/help_page.html", {"document": document, "html": mark_safe(html)})
