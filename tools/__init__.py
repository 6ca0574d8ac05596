"""Measuring tools that are not part of the shop: the chat load run, the local-tier bench and the ops pages at scale.

Not an installed app and not imported by the product; each tool runs as `python -m tools.<name>`
from the repository (`make load`, `make bench`, `make ops-scale`) and calls `django.setup()` itself.
`tools.processes` starts the server processes, for these tools and for the test suite alike.
"""
