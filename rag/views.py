"""The public help centre: every knowledge document is a page answers can link to, in the page's language.

"/help/warranty/" is English, "/nl/help/warranty/" Dutch; a page not yet written in the active
language (a staff article) is shown in English with a line saying so, its links to the shop's pages
in the active language.
"""
from __future__ import annotations

import markdown
import nh3
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language

from rag.documents import (ENGLISH, document_get, document_list, help_language, localized_path, localized_paths,
                            storefront_language)

# What Python-Markdown makes of a help article, and nothing else: no script, style,
# form or frame, no event handler and no style attribute.
HELP_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "a", "img", "ul", "ol", "li", "blockquote",
             "pre", "code", "em", "strong", "table", "thead", "tbody", "tr", "th", "td"}
HELP_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    # toc's anchors: answers link to /help/<slug>/#<heading>.
    **{heading: {"id"} for heading in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "th": {"align"},
    "td": {"align"},
}
# Absolute links may only be web pages or email; relative links (other help pages) stay.
HELP_URL_SCHEMES = {"http", "https", "mailto"}


def help_html(body: str) -> str:
    """A staff-written Markdown article as HTML a visitor's browser can run nothing from.

    Raw HTML is shown as text, and the rendered HTML is sanitised by nh3 (ammonia):
    Markdown itself turns `[x](javascript:...)` into a link. Every remaining link gets
    rel="noopener noreferrer", so an external page neither reaches back into the help
    page nor learns its address.
    """
    html = markdown.markdown(
        body.replace("<", "&lt;"),
        extensions=["toc", "sane_lists"],
        extension_configs={"toc": {"slugify": lambda value, separator: slugify(value)}},
    )
    return nh3.clean(html, tags=HELP_TAGS, clean_content_tags={"script", "style"}, attributes=HELP_ATTRIBUTES,
                     url_schemes=HELP_URL_SCHEMES, link_rel="noopener noreferrer")


def help_index(request: HttpRequest) -> HttpResponse:
    """The pages in the active language, then those only written in English (the staff's articles)."""
    shown_in = storefront_language(get_language())
    documents = document_list(help_language(shown_in))
    if shown_in != ENGLISH:
        written = {d.slug for d in documents}
        documents += [d for d in document_list() if d.slug not in written]
    # Each links to its page in the active language (shown in English where it is not written in it).
    pages = [{"document": d, "url": localized_path(f"/help/{d.slug}/", shown_in), "in_english": d.language != shown_in}
             for d in documents]
    return render(request, "rag/help_index.html", {"pages": pages})


def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    shown_in = storefront_language(get_language())
    document = document_get(slug=slug, language=help_language(shown_in))
    if document is None:
        raise Http404("No such help page")
    # An English page on another language's storefront: the shop's pages it names in that language ("/it/orders/").
    body = localized_paths(document.body, shown_in) if document.language != shown_in else document.body
    return render(request, "rag/help_page.html", {
        "document": document,
        "html": mark_safe(help_html(body)),
        "in_english_only": document.language != shown_in,
    })
