"""Guessing passwords: after LOGIN_FAILURE_LIMIT wrong ones, even the right one is refused for a while.

Through the real sign-in forms (`/account/login/` and the admin's `/admin/login/`) with
the test client: customers are locked out per username and address, so nobody can lock
a customer out from elsewhere; staff accounts per username, from any address, since a
guessed staff password opens every customer's data. See README, "Security".
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

ATTACKER, ELSEWHERE = "203.0.113.66", "198.51.100.20"
SHOP, ADMIN = "/account/login/", "/admin/login/"


def sign_in(client: Client, path: str, username: str, password: str,  # type: ignore[no-untyped-def]
            *, address: str = ATTACKER):
    next_page = "/admin/" if path == ADMIN else "/orders/"
    return client.post(path, {"username": username, "password": password, "next": next_page}, REMOTE_ADDR=address)


def guess_wrong(path: str, username: str, times: int, *, address: str = ATTACKER) -> None:
    client = Client()
    for attempt in range(times):
        response = sign_in(client, path, username, f"wrong-guess-{attempt}", address=address)
        assert response.status_code in (200, 429) and "_auth_user_id" not in client.session


def signed_in(response, client: Client) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.fixture
def admin_user(db) -> User:  # type: ignore[no-untyped-def]
    return User.objects.create_superuser("admin", "admin@example-shoppe.test", "pw-admin")


@pytest.fixture
def agent(db) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user("sam", "sam@example-shoppe.test", "pw-sam", is_staff=True)
    user.groups.add(Group.objects.get(name="Support agent"))
    return user


@pytest.mark.django_db
def test_after_the_limit_the_right_password_is_refused_at_the_shop_sign_in(make_customer) -> None:
    make_customer("alice")
    guess_wrong(SHOP, "alice", settings.AXES_FAILURE_LIMIT)
    client = Client()
    response = sign_in(client, SHOP, "alice", "pw-alice")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert f"{settings.LOGIN_COOLOFF_MINUTES} minutes" in page


@pytest.mark.django_db
def test_below_the_limit_the_right_password_still_works(make_customer) -> None:
    make_customer("alice")
    guess_wrong(SHOP, "alice", settings.AXES_FAILURE_LIMIT - 1)
    client = Client()
    assert signed_in(sign_in(client, SHOP, "alice", "pw-alice"), client)


@pytest.mark.django_db
def test_a_customer_is_not_locked_out_by_guesses_from_another_address(make_customer) -> None:
    make_customer("alice")
    guess_wrong(SHOP, "alice", settings.AXES_FAILURE_LIMIT)
    client = Client()
    assert signed_in(sign_in(client, SHOP, "alice", "pw-alice", address=ELSEWHERE), client)


@pytest.mark.django_db
def test_after_the_limit_the_right_password_is_refused_at_the_admin_sign_in(admin_user: User) -> None:
    guess_wrong(ADMIN, "admin", settings.AXES_FAILURE_LIMIT)
    client = Client()
    response = sign_in(client, ADMIN, "admin", "pw-admin")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "Too many failed sign-ins" in response.content.decode()


@pytest.mark.django_db
def test_a_staff_account_is_locked_from_every_address(admin_user: User, agent: User) -> None:
    # given guesses at two staff accounts, spread over many addresses (a botnet)
    for n in range(settings.AXES_FAILURE_LIMIT):
        guess_wrong(ADMIN, "admin", 1, address=f"192.0.2.{n + 1}")
        guess_wrong(SHOP, "sam", 1, address=f"192.0.2.{n + 101}")
    # then neither signs in, even from the staff member's own address, on either form
    for path, username, password in ((ADMIN, "admin", "pw-admin"), (SHOP, "sam", "pw-sam"), (ADMIN, "sam", "pw-sam")):
        client = Client()
        response = sign_in(client, path, username, password, address=ELSEWHERE)
        assert response.status_code == 429 and "_auth_user_id" not in client.session, (path, username)


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(make_customer, admin_user: User) -> None:
    from axes.models import AccessAttempt

    make_customer("alice")
    guess_wrong(SHOP, "alice", settings.AXES_FAILURE_LIMIT)
    guess_wrong(ADMIN, "admin", settings.AXES_FAILURE_LIMIT)
    # when the cool-off has passed since the last guess
    cool_off = timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    for attempt in AccessAttempt.objects.all():
        earlier = attempt.attempt_time - cool_off - timedelta(seconds=5)
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=earlier)
    # then the right password works again
    shop, admin = Client(), Client()
    assert signed_in(sign_in(shop, SHOP, "alice", "pw-alice"), shop)
    assert signed_in(sign_in(admin, ADMIN, "admin", "pw-admin"), admin)


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "1234567890", "20251231"])
def test_common_and_all_digit_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted() -> None:
    validate_password("lamp-ferry-Quiet-47-orchard")


# --- a real sign-in, through the throttled forms, still opens the sockets -----------------------------------
def _socket(path: str, client: Client) -> WebsocketCommunicator:
    from shoppe.asgi import application

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(application, path, headers=[
        (b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("local_models")
async def test_a_customer_signed_in_through_the_form_chats_as_themselves(make_customer) -> None:
    from support.models import Conversation

    alice = await database_sync_to_async(make_customer)("alice")
    client = Client()
    response = await database_sync_to_async(sign_in)(client, SHOP, "alice", "pw-alice")
    assert response.status_code == 302
    socket = _socket("/ws/chat/", client)
    assert (await socket.connect(timeout=10))[0]
    history = await socket.receive_json_from(timeout=10)
    owner = await database_sync_to_async(lambda: Conversation.objects.get(id=history["conversation_id"]).customer_id)()
    assert owner == alice.pk
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_staff_signed_in_through_the_admin_form_open_the_console(agent: User) -> None:
    client = Client()
    response = await database_sync_to_async(sign_in)(client, ADMIN, "sam", "pw-sam")
    assert response.status_code == 302
    socket = _socket("/ws/console/", client)
    assert (await socket.connect(timeout=10))[0]
    assert (await socket.receive_json_from(timeout=10))["type"] == "queue"
    await socket.disconnect()
