"""Approval before issue: submit, approve, reject, as the company's approval mode requires."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.core.models import ApprovalMode
from ardoise.core.roles import Action
from ardoise.core.tenancy import require

from ..models import TRANSITIONS, Invoice
from .drafts import invoice_snapshot


def needs_approval(invoice: Invoice) -> bool:
    """Whether the company wants this document approved before it is issued.

    In threshold mode without a threshold every document needs approval: a missing amount
    must not silently switch approval off.
    """
    company = invoice.company
    if company.approval_mode == ApprovalMode.ALWAYS:
        return True
    if company.approval_mode == ApprovalMode.THRESHOLD:
        threshold = company.approval_threshold
        return threshold is None or invoice.total >= threshold
    return False


def _transition(invoice: Invoice, action: str) -> tuple[Invoice, dict]:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not locked.can(action):
        raise Conflict(
            _("This document is %(status)s; it cannot be %(action)s.")
            % {
                "status": locked.get_status_display().lower(),
                "action": {
                    "submit": _("submitted for approval"),
                    "approve": _("approved"),
                    "reject": _("rejected"),
                }[action],
            },
            field="status",
            rule="transition",
        )
    return locked, invoice_snapshot(locked)


def _finish(locked: Invoice, action: str, *, actor, before: dict) -> Invoice:
    locked.status = TRANSITIONS[action][1]
    locked.save()
    record(
        actor=actor,
        action=f"invoice.{action}",
        obj=locked,
        before=before,
        after=invoice_snapshot(locked),
    )
    return locked


@transaction.atomic
def submit_for_approval(invoice: Invoice, *, actor) -> Invoice:
    require(actor, invoice.company_id, Action.EDIT_INVOICES)
    locked, before = _transition(invoice, "submit")
    if not locked.lines.exists():
        raise InvalidInput.single("lines", "required", _("Add at least one line first."))
    locked.submitted_at = timezone.now()
    locked.approval_comment = ""
    return _finish(locked, "submit", actor=actor, before=before)


@transaction.atomic
def approve(invoice: Invoice, *, actor, comment: str = "") -> Invoice:
    require(actor, invoice.company_id, Action.APPROVE_INVOICES)
    locked, before = _transition(invoice, "approve")
    locked.approved_at = timezone.now()
    locked.approved_by = actor
    locked.approval_comment = (comment or "").strip()
    return _finish(locked, "approve", actor=actor, before=before)


@transaction.atomic
def reject(invoice: Invoice, *, actor, comment: str) -> Invoice:
    """Send a document back to draft; the clerk must be told why, so a comment is required."""
    require(actor, invoice.company_id, Action.APPROVE_INVOICES)
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput.single(
            "comment", "required", _("Say why the document is rejected, for the clerk to fix it.")
        )
    locked, before = _transition(invoice, "reject")
    locked.approved_at = None
    locked.approved_by = None
    locked.approval_comment = comment
    return _finish(locked, "reject", actor=actor, before=before)
