"""Roles and what each may do, per company. The table is the single source of truth for
pages and API alike."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CLERK = "clerk", _("Billing clerk")
    APPROVER = "approver", _("Sales approver")
    ACCOUNTANT = "accountant", _("Accountant")
    AUDITOR = "auditor", _("Auditor (read-only)")


class Action(StrEnum):
    VIEW = "view"
    MANAGE_COMPANY = "manage_company"
    EDIT_CUSTOMERS = "edit_customers"
    EDIT_CATALOG = "edit_catalog"
    EDIT_INVOICES = "edit_invoices"
    ISSUE_INVOICES = "issue_invoices"
    APPROVE_INVOICES = "approve_invoices"
    VIEW_AUDIT = "view_audit"
    ALLOCATE = "allocate"
    CLOSE_PERIODS = "close_periods"
    REFUND = "refund"


ALL_ROLES = frozenset(Role)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW: ALL_ROLES,
    Action.MANAGE_COMPANY: frozenset({Role.ADMIN}),
    Action.EDIT_CUSTOMERS: frozenset({Role.ADMIN, Role.CLERK, Role.ACCOUNTANT}),
    Action.EDIT_CATALOG: frozenset({Role.ADMIN, Role.CLERK}),
    Action.EDIT_INVOICES: frozenset({Role.ADMIN, Role.CLERK}),
    Action.ISSUE_INVOICES: frozenset({Role.ADMIN, Role.CLERK}),
    Action.APPROVE_INVOICES: frozenset({Role.ADMIN, Role.APPROVER}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN, Role.AUDITOR, Role.ACCOUNTANT}),
    Action.ALLOCATE: frozenset({Role.ADMIN, Role.CLERK, Role.ACCOUNTANT}),
    Action.CLOSE_PERIODS: frozenset({Role.ACCOUNTANT, Role.ADMIN}),
    # Money leaving the company: not the clerks who record what comes in (see decisions.md).
    Action.REFUND: frozenset({Role.ACCOUNTANT, Role.ADMIN}),
}


def role_may(role: str | None, action: Action) -> bool:
    return role is not None and role in PERMISSIONS[action]
