"""The assistant's copy on the customer's device (issue #19): a small student of the server's router,
the help passages it may show, and the versioned manifest the widget loads them by."""
