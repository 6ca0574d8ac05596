"""The customer's language: the URL's prefix (/nl/...), else the switcher's cookie, else the
browser's Accept-Language, else English.

The customer's pages live under `i18n_patterns(prefix_default_language=False)`: "/orders/" is
English, "/de/orders/" German. Django then serves a plain URL in English whatever the cookie
says; here a customer who prefers another of the shop's languages is sent from the plain URL
(the ones the bot, the help pages and old links use) to the same page in their language.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import is_valid_path, reverse
from django.utils import translation
from django.utils.encoding import escape_uri_path


class ShopLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        super().process_request(request)
        if request.method == "POST" and request.path_info == reverse("set_language"):
            self._next_pages_language(request)
            return None
        if request.method not in ("GET", "HEAD") or translation.get_language_from_path(request.path_info):
            return None
        preferred = translation.get_language_from_request(request, check_path=False)
        default = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
        if preferred == default:
            return None
        localised = f"/{preferred}{request.path_info}"
        urlconf = getattr(request, "urlconf", None)
        with translation.override(preferred):
            if not is_valid_path(localised, urlconf):
                return None  # not a customer page (the console, the chat's endpoints...)
        # The full path is percent-encoded, path_info is not: replaced as encoded, or "/newsletter/confirm/a%20b/"
        # redirected to itself for ever (session 27's security probe).
        url = request.get_full_path(force_append_slash=False).replace(
            escape_uri_path(request.path_info), escape_uri_path(localised), 1)
        response = HttpResponseRedirect(url)
        response.headers.setdefault("Vary", "Accept-Language, Cookie")
        return response

    @staticmethod
    def _next_pages_language(request: HttpRequest) -> None:
        """The switcher's post: Django's set_language translates `next` (else the Referer, the page the
        switcher is on) by resolving it in the active language, so that page's own language ("/fr/..."
        French, a plain URL English) is made the active one, whatever the cookie or the browser say."""
        next_path = urlsplit(request.POST.get("next") or request.headers.get("Referer", "")).path
        translation.activate(translation.get_language_from_path(next_path) or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
