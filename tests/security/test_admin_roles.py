"""What each staff role may do in the admin, where session 30's security probe found more than the role needs.

- Internal notes are the console's audit trail ("Sam filed a refund request..."): the admin's form let an agent write
  one in a colleague's name, dated as they liked, in any conversation. Notes are read only there now; they are
  written in the console, as the signed-in agent, where the claim is checked.
- Ops read figures and the router's traces; the customers' and orders' pages (addresses, phone numbers, what they
  bought) are for the people who help customers, agents and supervisors.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from support.models import Conversation, InternalNote
from support.roles import AGENT, OPS, SUPERVISOR
from tests.support.test_human_tier import staff

pytestmark = pytest.mark.django_db


def signed_in(username: str, role: str) -> Client:
    client = Client()
    client.force_login(staff(username, role, username.title()))
    return client


@pytest.mark.parametrize("role", [AGENT, SUPERVISOR])
def test_no_one_writes_or_rewrites_an_internal_note_in_the_admin(role: str) -> None:
    conversation = Conversation.objects.create()
    colleague = User.objects.create_user("sofia", "sofia@example-shoppe.test", "pw", is_staff=True)
    note = InternalNote.objects.create(conversation=conversation, author=colleague, text="Customer is a VIP")
    client = signed_in("sam", role)
    forged = {"conversation": str(conversation.id), "author": str(colleague.id), "text": "approved by Sofia",
              "created_at_0": "2026-12-01", "created_at_1": "09:00:00"}
    assert client.post("/admin/support/internalnote/add/", forged).status_code == 403
    assert client.post(f"/admin/support/internalnote/{note.id}/change/", forged).status_code == 403
    assert client.post(f"/admin/support/internalnote/{note.id}/delete/", {"post": "yes"}).status_code == 403
    assert list(InternalNote.objects.values_list("author_id", "text")) == [(colleague.id, "Customer is a VIP")]
    # still readable: the notes are part of a conversation's record
    assert client.get(f"/admin/support/internalnote/{note.id}/change/").status_code == 200


@pytest.mark.parametrize("page", ["/admin/shoppe/customer/", "/admin/shoppe/order/"])
def test_ops_do_not_browse_customers_and_orders_in_the_admin_and_agents_do(page: str) -> None:
    assert signed_in("olivia", OPS).get(page).status_code == 403
    assert signed_in("sam", AGENT).get(page).status_code == 200
    assert signed_in("sofia", SUPERVISOR).get(page).status_code == 200
