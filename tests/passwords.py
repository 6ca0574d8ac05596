"""Password hashing for the test process: the site's algorithm with fewer rounds."""
from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPasswordHasher(PBKDF2PasswordHasher):
    """The site's PBKDF2-SHA256 with 1,000 iterations instead of 1,000,000 (tests/conftest.py
    `quick_password_hashing`): a user created by a test costs well under a millisecond instead
    of 0.2 s. The hashes keep the algorithm's name and carry their iteration count
    ("pbkdf2_sha256$1000$..."), so the servers a test starts verify them with their own hasher."""

    iterations = 1_000
