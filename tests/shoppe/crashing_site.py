"""The site's own settings, with its URLs plus one page that crashes (tests/shoppe/crashing_urls.py).

Used by tests/shoppe/test_error_pages.py as DJANGO_SETTINGS_MODULE of a real daphne:
everything else (DEBUG's default, the error pages, static files) is the product's.
"""
from shoppe.settings import *  # noqa: F403

ROOT_URLCONF = "tests.shoppe.crashing_urls"
