"""Staff roles as groups with permissions, created after every migrate."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission

AGENT, SUPERVISOR, OPS = "Support agent", "Supervisor", "Ops"
_VIEW = ["support.view_conversation", "support.view_message", "support.view_handoff", "support.view_refundrequest",
         "support.view_internalnote", "support.view_cannedresponse", "support.view_escalationlog",
         "shoppe.view_product"]
# The shop's customers and orders in the admin (addresses, phone numbers, what they bought): for the people who help
# customers with them, not for ops, who read figures and the router's traces (session 30's security probe).
_CUSTOMERS = ["shoppe.view_order", "shoppe.view_customer"]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENT: _VIEW + _CUSTOMERS + ["support.work_handoffs", "support.decide_refund", "support.add_internalnote"],
    SUPERVISOR: _VIEW + _CUSTOMERS + ["support.work_handoffs", "support.decide_refund", "support.decide_large_refund",
                                      "support.add_internalnote", "support.add_cannedresponse",
                                      "support.change_cannedresponse", "support.delete_cannedresponse"],
    OPS: _VIEW + ["support.view_ops", "support.add_routelabel", "support.view_feedback", "support.view_routelabel"],
}
ROLE_PERMISSIONS[SUPERVISOR] += ["support.view_ops", "support.view_feedback", "support.view_routelabel",
                                 "support.add_routelabel"]
# What staff's console translations cost (support.services.translation), next to the escalation log.
ROLE_PERMISSIONS[OPS] += ["support.view_translationlog"]
ROLE_PERMISSIONS[SUPERVISOR] += ["support.view_translationlog"]


def roles_ensure(**kwargs: object) -> None:
    """Create or update the three staff groups (idempotent; run on post_migrate)."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for name in names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm:
                perms.append(perm)
        group.permissions.set(perms)


def staff_name(user: AbstractBaseUser) -> str:
    """How a colleague is shown to customers and to the team: their first name, else their username."""
    return getattr(user, "first_name", "") or user.get_username()


def can_view_console(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_staff and user.has_perm("support.view_handoff"))


def can_work_handoffs(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_staff and user.has_perm("support.work_handoffs"))


def can_step_in(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Supervisors may act on any handoff (answer, transfer, resolve, decide its refund); agents on their own claims."""
    return bool(can_work_handoffs(user) and user.has_perm("support.decide_large_refund"))


def can_view_ops(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Ops views: the ops role and supervisors."""
    return bool(user.is_authenticated and user.is_staff and user.has_perm("support.view_ops"))


def socket_user_current(*, session_key: str | None, user_id: int | None) -> AbstractBaseUser | None:
    """The user of a long-lived socket as the database knows them now.

    None once their session ended (signed out, or the password changed) or their
    account was closed: a socket must not keep rights its user has lost.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.utils.crypto import constant_time_compare

    if not session_key or user_id is None:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    if str(session.get(SESSION_KEY)) != str(user_id):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return user
