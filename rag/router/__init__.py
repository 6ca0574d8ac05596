"""The local intent router: which tier answers a customer message."""
