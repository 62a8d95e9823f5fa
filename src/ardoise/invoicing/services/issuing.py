"""Issuing: the gapless number, the dates, the frozen snapshots and the archived PDF.

Order of the locks, the same in every path so that two issues never deadlock: the document
row, then the credited invoice (credit notes), then the sequence counter, then the
customer's account (the ledger's order follows: the customer, its items, the audit chain
head). A batch locks all its counters, then all its customers, before its first write.

The archived PDF is written to storage inside the issuing transaction, before the row that
points to it, and deleted again if that transaction does not commit (the `written` list
below). The SHA-256 is thus stored in the same row as the number. A caller that wraps
`issue_invoice` in an outer transaction of its own and rolls that back is the one case left
where a file may outlive its row; `issue_many` handles its own chunks.
"""

from __future__ import annotations

import datetime
from typing import cast

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.compliance.rules import amount_in_words, check_before_issue, legal_mentions
from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.roles import Action
from ardoise.core.sequences import take_next_number
from ardoise.core.tenancy import require
from ardoise.core.validators import format_number
from ardoise.parties.services import customer_snapshot
from ardoise.parties.terms import due_date as terms_due_date

from .. import documents
from ..models import DocumentKind, Invoice, Status
from ..totals import compute_totals
from .approval import needs_approval
from .drafts import check_credit_limit, invoice_snapshot
from .parsing import _parse_date, stored_line_inputs
from .posting import post_issued


def _refuse_state(invoice: Invoice) -> None:
    if invoice.status == Status.ISSUED:
        raise Conflict(
            _("This document is already issued as N° %(number)s.") % {"number": invoice.number},
            field="status",
            rule="already_issued",
        )
    if not invoice.can("issue"):
        raise Conflict(
            _("This document is awaiting approval; it can be issued once approved."),
            field="status",
            rule="approval_required",
        )
    if invoice.status != Status.APPROVED and needs_approval(invoice):
        raise Conflict(
            _(
                "The company requires approval before issue for this document "
                "(approval mode: %(mode)s); submit it for approval first."
            )
            % {"mode": invoice.company.get_approval_mode_display()},
            field="status",
            rule="approval_required",
        )


def _check_totals(invoice: Invoice, lines: list) -> None:
    """Refuse to issue amounts that the lines no longer give (e.g. a row edited by hand)."""
    if not lines:
        raise InvalidInput.single(
            "lines", "required", _("A document without lines cannot be issued.")
        )
    totals = compute_totals(stored_line_inputs(lines), invoice.currency)
    stored = (
        [line.net_amount for line in lines],
        invoice.total_net,
        invoice.total_tax,
        invoice.total,
        [
            (r["category"], r["rate"], r["taxable_amount"], r["tax_amount"])
            for r in invoice.tax_breakdown
        ],
    )
    computed = (
        list(totals.lines_net),
        totals.total_net,
        totals.total_tax,
        totals.total,
        [
            (r["category"], r["rate"], r["taxable_amount"], r["tax_amount"])
            for r in totals.breakdown_json()
        ],
    )
    if stored != computed:
        raise Conflict(
            _("The stored totals differ from the totals of the lines; save the draft again."),
            field="total",
            rule="totals_mismatch",
        )


def _issue_date(invoice: Invoice, issue_date) -> datetime.date:
    errors: list[FieldError] = []
    date = _parse_date(issue_date, "issue_date", errors) or invoice.issue_date
    if errors:
        raise InvalidInput(errors)
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise InvalidInput.single(
            "issue_date", "future", _("A document cannot be issued with a future date.")
        )
    credited = invoice.credited_invoice
    # A credit note only ever refers to an issued invoice, which has its issue date.
    if credited is not None and date < cast(datetime.date, credited.issue_date):
        raise InvalidInput.single(
            "issue_date",
            "before_credited",
            _("A credit note cannot be dated before the invoice it corrects."),
        )
    return date


def _compliance(seller: dict, buyer: dict, lines: list) -> None:
    errors = check_before_issue(seller, buyer, {line.tax_category for line in lines})
    if errors:
        raise InvalidInput(list(errors))


def _mentions(invoice: Invoice, seller, buyer, lines, issue_date, due) -> list[str]:
    mentions = list(
        legal_mentions(
            seller,
            buyer,
            invoice.language,
            kind=invoice.kind,
            tax_categories={line.tax_category for line in lines},
            exemption_reasons=sorted(
                {line.exemption_reason for line in lines if line.exemption_reason}
            ),
            due_date=due,
            issue_date=issue_date,
        )
    )
    credited = invoice.credited_invoice
    if credited is not None:
        # A credit note only ever refers to an issued invoice, which has its issue date.
        credited_date = cast(datetime.date, credited.issue_date)
        with translation.override(invoice.language):
            mentions.insert(
                0,
                _("Credit note correcting invoice N° %(number)s of %(date)s.")
                % {"number": credited.number, "date": credited_date.isoformat()},
            )
    return mentions


def _words(invoice: Invoice) -> str:
    return amount_in_words(invoice.total, invoice.currency, invoice.language)


def _pattern(company, kind: str) -> str:
    if kind == DocumentKind.CREDIT_NOTE:
        return company.credit_note_number_pattern
    return company.invoice_number_pattern


def _number(invoice: Invoice, issue_date: datetime.date) -> tuple[str, int]:
    sequence = take_next_number(invoice.company, invoice.kind, issue_date)
    pattern = _pattern(invoice.company, invoice.kind)
    return format_number(pattern, year=issue_date.year, seq=sequence), sequence


def _due(invoice: Invoice, buyer: dict, date: datetime.date) -> datetime.date:
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        return date  # a credit is available at once
    terms = buyer["payment_terms"]
    return terms_due_date(date, terms["days"], terms["end_of_month"])


def _lock(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("company", "customer", "credited_invoice")
        .get(pk=invoice.pk)
    )


def _issue_one(invoice: Invoice, *, actor, issue_date, written: list[str]) -> Invoice:
    """Issue one document inside the caller's transaction; names of files written are
    appended to `written` so that the caller can remove them if it rolls back."""
    require(actor, invoice.company_id, Action.ISSUE_INVOICES)
    locked = _lock(invoice)
    _refuse_state(locked)
    lines = list(locked.lines.all())
    _check_totals(locked, lines)
    before = invoice_snapshot(locked, lines)
    if locked.credited_invoice_id:
        credited = Invoice.objects.select_for_update().get(pk=locked.credited_invoice_id)
        errors: list[FieldError] = []
        check_credit_limit(credited, locked.total, errors, excluding=locked.pk)
        if errors:
            raise InvalidInput(errors)
    seller = documents.seller_snapshot(locked.company)
    buyer = customer_snapshot(locked.customer)
    _compliance(seller, buyer, lines)
    date = _issue_date(locked, issue_date)
    number, sequence = _number(locked, date)
    due = _due(locked, buyer, date)
    mentions = _mentions(locked, seller, buyer, lines, date, due)
    locked.number = number
    locked.sequence_year = date.year
    locked.sequence_number = sequence
    locked.issue_date = date
    locked.due_date = due
    locked.seller_snapshot = seller
    locked.buyer_snapshot = buyer
    locked.legal_mentions = mentions
    # Rendered from what is frozen on the row, as every later reader would render it.
    document = documents.issued_pdf_document(locked, lines, _words(locked))
    content, digest = documents.render(document)
    locked.pdf.save(documents.archive_filename(locked), ContentFile(content), save=False)
    written.append(cast(str, locked.pdf.name))  # set by the save just above
    locked.pdf_sha256 = digest
    locked.status = Status.ISSUED
    locked.issued_at = timezone.now()
    locked.issued_by = actor
    locked._issuing = True
    locked.save()
    post_issued([locked], actor=actor)
    record(
        actor=actor,
        action="invoice.issue",
        obj=locked,
        before=before,
        after=invoice_snapshot(locked, lines),
    )
    return locked


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
    names.clear()


def issue_many(invoices, **kwargs):
    """Batch issue; see `batch.issue_many` (imported late: batch builds on this module)."""
    from .batch import issue_many as batch_issue_many

    return batch_issue_many(invoices, **kwargs)


def issue_invoice(invoice: Invoice, *, actor, issue_date=None) -> Invoice:
    """Issue a draft (or approved) invoice or credit note: number, dates, snapshots, PDF."""
    written: list[str] = []
    try:
        with transaction.atomic():
            return _issue_one(invoice, actor=actor, issue_date=issue_date, written=written)
    except BaseException:
        _delete_files(written)
        raise


def preview_pdf(invoice: Invoice) -> bytes:
    """A draft rendered as it would be issued today, numbered "DRAFT" and not archived."""
    invoice = Invoice.objects.select_related("company", "customer", "credited_invoice").get(
        pk=invoice.pk
    )
    lines = list(invoice.lines.all())
    seller = documents.seller_snapshot(invoice.company)
    buyer = customer_snapshot(invoice.customer)
    date = invoice.issue_date or timezone.localdate()
    terms = buyer["payment_terms"]
    due = terms_due_date(date, terms["days"], terms["end_of_month"])
    with translation.override(invoice.language):
        number = _("DRAFT")
    document = documents.pdf_document(
        invoice,
        lines,
        seller=seller,
        buyer=buyer,
        number=number,
        issue_date=date,
        due_date=due,
        legal_mentions=_mentions(invoice, seller, buyer, lines, date, due),
        amount_in_words=_words(invoice),
    )
    return documents.render(document)[0]
