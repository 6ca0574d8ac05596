"""The site's URLs and error handlers, plus `/crash/`: how a 500 looks to a visitor."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from shoppe import urls as site_urls


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("SECRET-INTERNAL-DETAIL in a view")


urlpatterns = [*site_urls.urlpatterns, path("crash/", crash)]
# The site's own handlers, where it names any (Django's defaults otherwise).
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(site_urls, _name):
        globals()[_name] = getattr(site_urls, _name)
