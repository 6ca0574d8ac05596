"""Shared fixtures: customers with orders, a signed-in chat socket, the local models."""
from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from decimal import Decimal

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

REQUIRE_SERVICES = os.environ.get("SHOPPE_REQUIRE_SERVICES") == "1"

# The slow tier (`make test-slow`): drills that each start their own servers or retrain the
# routers, left out of `make test` to keep it under 20 minutes; CI runs `make test`.
slow = pytest.mark.skipif(os.environ.get("SHOPPE_SLOW_TESTS") != "1",
                          reason="slow tier: run with SHOPPE_SLOW_TESTS=1 (make test-slow)")

# The suite runs at any hour: the team is in unless a test says otherwise (tests of the
# away path set SUPPORT_HOURS themselves). Servers the tests start inherit it.
os.environ["SUPPORT_HOURS"] = "mon-sun 00:00-24:00"


def service_missing(reason: str) -> None:
    """Skip a test whose real service is absent, or fail it when CI requires services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (SHOPPE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


@pytest.fixture(scope="session", autouse=True)
def team_in_at_any_hour():  # type: ignore[no-untyped-def]
    """Settings were read before this file set SUPPORT_HOURS: the in-process server gets it here."""
    settings.SUPPORT_HOURS = os.environ["SUPPORT_HOURS"]


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing():  # type: ignore[no-untyped-def]
    """Users made by this process get cheap password hashes (tests/passwords.py): hundreds of tests
    each make customers and staff, at 0.2 s a hash with the site's own setting."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["tests.passwords.QuickPasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def english_to_start_with():  # type: ignore[no-untyped-def]
    """Each test starts in English: a request through the test client leaves its page's language
    active in this thread ("/es/..." Spanish), which would change what the next test's reverse() gives."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def no_warm_up_thread():  # type: ignore[no-untyped-def]
    """The test process loads its models through `local_models`. A warm-up thread started by
    the first import of shoppe.asgi would load them again while tests run, and its imports
    change the logging registry that pytest walks around each test."""
    settings.RAG_WARM_UP = False


@pytest.fixture(scope="session", autouse=True)
def no_stranded_message_sweep():  # type: ignore[no-untyped-def]
    """No sweep thread in the test process (shoppe.asgi would start one): tests that need a sweep
    run one (`support.services.recovery.stranded_messages_finish`) at the moment they choose."""
    settings.STRANDED_MESSAGE_SWEEP_S = 0


@pytest.fixture(autouse=True)
def fresh_rate_limits():  # type: ignore[no-untyped-def]
    """Each test starts with no sockets or messages counted against its (shared) client address."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def models_before_the_first_test_of_each_process(request: pytest.FixtureRequest) -> None:
    """Under `make test`'s two processes (pytest-xdist), each has the run's models before its first test, as one
    process has them from its first test on: a test of a page that serves them (the device manifest) may assume them.
    A run of a few tests in one process builds them only when a test asks."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        request.getfixturevalue("run_artifacts")


@pytest.fixture(scope="session")
def run_artifacts(request: pytest.FixtureRequest, django_db_setup) -> None:  # type: ignore[no-untyped-def]
    """The run's router and index built before a server fixture copies them (`seed_local_models`).

    Only when this run set up its test database, i.e. collected database tests too: a run of
    server tests alone leaves each server to build its own.
    """
    from django.db import connection

    # pytest-xdist's processes each have their own test database, named with a suffix ("..._gw0").
    test_name = str(settings.DATABASES["default"].get("TEST", {}).get("NAME") or "")
    if test_name and str(connection.settings_dict["NAME"]).startswith(test_name.split("_gw")[0]):
        request.getfixturevalue("local_models")


@contextlib.contextmanager
def models_built_alone() -> Iterator[None]:
    """Held while this test process builds the models in the data dir: another process of the same run waits."""
    import fcntl

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.DATA_DIR / ".models-building.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def local_models(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The encoder, router, knowledge index and device assistant, built once for the whole run (when stale)."""
    from rag.answerability import answer_check_get
    from rag.device.build import device_build
    from rag.index import live_index
    from rag.router.decide import router_warm_up
    from rag.router.serving import router_get, routers_trained_if_stale
    from rag.section_choice import section_choice_get
    from shoppe.startup import help_centre_build, side_by_side

    # `make test` runs the suite in two processes (pytest-xdist): one builds, the other waits for the lock and
    # finds everything current.
    with django_db_blocker.unblock(), models_built_alone():
        side_by_side([help_centre_build, *routers_trained_if_stale()])  # as a server's start does it
        live_index.forget()
        router = router_get()
        answer_check_get()
        section_choice_get()
        device_build(if_stale=True)
    # Warm, as the server's start-up leaves it (shoppe/startup.py): the first message of a test that
    # waits a fraction of a second for its reply must not also pay for loading the encoders.
    router_warm_up(router)
    return router


@pytest.fixture
def make_customer(db):  # type: ignore[no-untyped-def]
    from shoppe.models import Customer

    def make(username: str = "alice", first_name: str = "Alice") -> User:
        user = User.objects.create_user(username, f"{username}@example.test", "pw-" + username, first_name=first_name)
        Customer.objects.create(user=user, default_address="Keizersgracht 12\n1015 CN Amsterdam",
                                email_confirmed_at=timezone.now())  # as an account some time after signing up
        return user

    return make


@pytest.fixture
def make_order(db):  # type: ignore[no-untyped-def]
    from shoppe.models import Invoice, Order, OrderItem, Product

    counter = iter(range(10023, 99999))

    def make(user: User, *, status: str = "processing", product: str = "Blue ceramic table lamp",
             number: int | None = None) -> Order:
        item, _ = Product.objects.get_or_create(
            slug=product.lower().replace(" ", "-"),
            defaults={"name": product, "category": "Lamps", "description": product, "price": Decimal("64.00"), "stock": 5},
        )
        order = Order.objects.create(number=number or next(counter), customer=user.customer, email=user.email,
                                     status=status, shipping_address=user.customer.default_address,
                                     shipping_cost=Decimal("4.95"))
        OrderItem.objects.create(order=order, product=item, quantity=1, unit_price=item.price)
        if status != "pending_payment":
            Invoice.objects.create(order=order, number=f"INV-{order.number}")
        return order

    return make


@pytest.fixture
def make_guest_order(db):  # type: ignore[no-untyped-def]
    """An order placed without an account: only its number and email say whose it is."""
    from shoppe.models import Invoice, Order, OrderItem, Product

    counter = iter(range(10900, 10999))

    def make(email: str = "erin@example.test", *, status: str = "processing",
             address: str = "Oudegracht 99\n3511 AB Utrecht\nNetherlands", number: int | None = None) -> Order:
        item, _ = Product.objects.get_or_create(
            slug="blue-ceramic-table-lamp",
            defaults={"name": "Blue ceramic table lamp", "category": "Lamps", "description": "A lamp.",
                      "price": Decimal("64.00"), "stock": 5},
        )
        order = Order.objects.create(number=number or next(counter), customer=None, email=email, status=status,
                                     shipping_address=address, shipping_cost=Decimal("4.95"))
        OrderItem.objects.create(order=order, product=item, quantity=1, unit_price=item.price)
        if status != "pending_payment":
            Invoice.objects.create(order=order, number=f"INV-{order.number}")
        return order

    return make


def session_cookie_for(user: User | None) -> str:
    """A saved session (signed in as `user`, or anonymous) as a Cookie header value."""
    session = SessionStore()
    if user is not None:
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def chat_socket(cookie: str, *, query: str = "") -> WebsocketCommunicator:
    from shoppe.asgi import application

    path = "/ws/chat/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=[(b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")])


async def closed_with(socket) -> int:  # type: ignore[no-untyped-def]
    """The close code of a socket that is accepted and then closed before it sends anything."""
    ok, _ = await socket.connect(timeout=10)
    assert ok, "the handshake was refused: a browser would see no close code"
    closed = await socket.receive_output(timeout=10)
    assert closed["type"] == "websocket.close", f"expected a close before any event, got {closed}"
    return closed["code"]


# The real-browser fixtures (a live site, Chromium, tabs, screenshots), for every test module.
from tests.browser import browser, chromium_path, screenshots, site, tabs  # noqa: E402,F401
# A real SMTP server on loopback, with Django's SMTP backend pointed at it.
from tests.smtp import smtp_server  # noqa: E402,F401
