"""Invoicing actions: one function per business action, one transaction each, audited.

Every action takes the acting user and checks the role table itself, so that no interface
(API, page, command) can skip the check. Validation errors are raised before anything is
written, so bad input changes nothing.
"""

from .approval import approve, needs_approval, reject, submit_for_approval
from .credit_notes import create_credit_note
from .drafts import create_draft, delete_draft, invoice_snapshot, update_draft
from .issuing import issue_invoice, issue_many

__all__ = [
    "approve",
    "create_credit_note",
    "create_draft",
    "delete_draft",
    "invoice_snapshot",
    "issue_invoice",
    "issue_many",
    "needs_approval",
    "reject",
    "submit_for_approval",
    "update_draft",
]
