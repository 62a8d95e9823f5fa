"""HTTP routes for invoices and credit notes, mounted at /api/v1/invoices. Thin: parse,
scope, call one service or query, shape the answer. Amounts travel as decimal strings."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from ardoise.core.http import paginate
from ardoise.core.money import quantize
from ardoise.core.roles import Action
from ardoise.core.tenancy import company_for, get_scoped
from ardoise.ledger.queries import ItemStatus, statuses_by_source

from . import services
from .documents import read_archived_pdf
from .models import Invoice
from .queries import invoices_for, with_lines
from .services.batch import ensure_pdf
from .services.issuing import preview_pdf
from .services.posting import SOURCE_TYPE
from .totals import plain

router = Router(tags=["invoicing"])

# Floats are accepted by the schemas only so that the service refuses them with a clear
# message naming the field (money is never a binary fraction).
Number = str | int | float | None


class LineIn(Schema):
    product: int | str | None = None
    description: str | None = None
    quantity: Number = None
    unit: str | None = None
    unit_price: Number = None
    discount_percent: Number = None
    tax_code: str | None = None


class InvoiceIn(Schema):
    company: int | None = None
    customer: int | str | None = None
    currency: str | None = None
    lines: list[LineIn] = []
    purchase_order: str = ""
    delivery_notes: list[str] = []
    contract: str = ""
    notes: str = ""
    issue_date: str | None = None


class InvoicePatch(Schema):
    customer: int | str | None = None
    currency: str | None = None
    lines: list[LineIn] | None = None
    purchase_order: str | None = None
    delivery_notes: list[str] | None = None
    contract: str | None = None
    notes: str | None = None
    issue_date: str | None = None


class CommentIn(Schema):
    comment: str = ""


class IssueIn(Schema):
    issue_date: str | None = None


class CreditNoteIn(Schema):
    full: bool | None = None
    lines: list[LineIn] | None = None
    reason: str = ""


class LineOut(Schema):
    product: int | None
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount_percent: str
    tax_code: str
    tax_category: str
    tax_rate: str
    net_amount: str


class TaxRowOut(Schema):
    category: str
    rate: str
    taxable_amount: str
    tax_amount: str
    exemption_reason: str = ""


class InvoiceOut(Schema):
    id: int
    company: int
    kind: str
    status: str
    number: str | None
    customer: int
    currency: str
    language: str
    issue_date: datetime.date | None
    due_date: datetime.date | None
    purchase_order: str
    delivery_notes: list[str]
    contract: str
    notes: str
    credited_invoice: int | None
    lines: list[LineOut]
    total_net: str
    total_tax: str
    total: str
    tax_breakdown: list[TaxRowOut]
    pdf_sha256: str
    approval_comment: str
    legal_mentions: list[str]
    # Derived from the receivables ledger (null for drafts and zero totals).
    residual: str | None = None
    payment_status: str | None = None
    days_overdue: int | None = None


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None


def _money(amount: Decimal, currency: str) -> str:
    return format(quantize(amount, currency), "f")


def _price(amount: Decimal, currency: str) -> str:
    """Unit prices keep up to four decimals but print at least the currency's minor unit."""
    rounded = quantize(amount, currency)
    return format(rounded if rounded == amount else amount.normalize(), "f")


def ledger_statuses(invoices: list[Invoice]) -> dict[int, ItemStatus]:
    """The ledger status of many documents in one query."""
    issued = [invoice.pk for invoice in invoices if invoice.is_issued]
    return statuses_by_source(SOURCE_TYPE, issued) if issued else {}


def invoice_out(invoice: Invoice, statuses: dict[int, ItemStatus] | None = None) -> dict:
    currency = invoice.currency
    if statuses is None:
        statuses = ledger_statuses([invoice])
    status = statuses.get(invoice.pk)
    return {
        "id": invoice.pk,
        "company": invoice.company_id,
        "kind": invoice.kind,
        "status": invoice.status,
        "number": invoice.number,
        "customer": invoice.customer_id,
        "currency": currency,
        "language": invoice.language,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "purchase_order": invoice.purchase_order,
        "delivery_notes": list(invoice.delivery_notes),
        "contract": invoice.contract,
        "notes": invoice.notes,
        "credited_invoice": invoice.credited_invoice_id,
        "lines": [
            {
                "product": line.product_id,
                "description": line.description,
                "quantity": plain(line.quantity),
                "unit": line.unit,
                "unit_price": _price(line.unit_price, currency),
                "discount_percent": plain(line.discount_percent),
                "tax_code": line.tax_code.code,
                "tax_category": line.tax_category,
                "tax_rate": plain(line.tax_rate),
                "net_amount": _money(line.net_amount, currency),
            }
            for line in invoice.lines.all()
        ],
        "total_net": _money(invoice.total_net, currency),
        "total_tax": _money(invoice.total_tax, currency),
        "total": _money(invoice.total, currency),
        "tax_breakdown": invoice.tax_breakdown,
        "pdf_sha256": invoice.pdf_sha256,
        "approval_comment": invoice.approval_comment,
        "legal_mentions": list(invoice.legal_mentions),
        "residual": _money(status.residual, currency) if status else None,
        "payment_status": status.payment_status if status else None,
        "days_overdue": status.days_overdue if status else None,
    }


def _lines(lines: list[LineIn] | None) -> list[dict] | None:
    if lines is None:
        return None
    return [line.model_dump(exclude_none=True) for line in lines]


def _get(request, invoice_id: int, action: Action = Action.VIEW) -> Invoice:
    return get_scoped(Invoice.objects.all(), request.user, invoice_id, action)


def _reload(invoice: Invoice) -> dict:
    return invoice_out(get_object_or_404(with_lines(Invoice.objects.all()), pk=invoice.pk))


@router.post("", response={201: InvoiceOut})
def create_invoice(request, payload: InvoiceIn):
    """Create a draft invoice for one of the company's customers."""
    company = company_for(request.user, payload.company, Action.EDIT_INVOICES)
    invoice = services.create_draft(
        company,
        actor=request.user,
        customer=payload.customer,
        lines=_lines(payload.lines),
        currency=payload.currency,
        purchase_order=payload.purchase_order,
        delivery_notes=payload.delivery_notes,
        contract=payload.contract,
        notes=payload.notes,
        issue_date=payload.issue_date,
    )
    return Status(201, _reload(invoice))


@router.get("", response=InvoicePage)
def list_invoices(
    request,
    company: int | None = None,
    customer: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    """Newest first; filter by customer, status, kind, issue date range and number (`q`)."""
    queryset = invoices_for(
        request.user,
        company=company,
        customer=customer,
        status=status,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        q=q,
    )
    rows, next_cursor = paginate(queryset, cursor, limit)
    statuses = ledger_statuses(rows)
    return {"items": [invoice_out(row, statuses) for row in rows], "next_cursor": next_cursor}


@router.get("/{invoice_id}", response=InvoiceOut)
def get_invoice(request, invoice_id: int):
    return invoice_out(_get(request, invoice_id))


@router.patch("/{invoice_id}", response=InvoiceOut)
def patch_invoice(request, invoice_id: int, payload: InvoicePatch):
    """Change a draft; issued documents answer 409 (correct them with a credit note)."""
    invoice = _get(request, invoice_id, Action.EDIT_INVOICES)
    changes = payload.model_dump(exclude_unset=True)
    if "lines" in changes:
        changes["lines"] = _lines(payload.lines)
    return _reload(services.update_draft(invoice, actor=request.user, **changes))


@router.delete("/{invoice_id}", response={204: None})
def delete_invoice(request, invoice_id: int):
    invoice = _get(request, invoice_id, Action.EDIT_INVOICES)
    services.delete_draft(invoice, actor=request.user)
    return Status(204, None)


@router.post("/{invoice_id}/submit", response=InvoiceOut)
def submit_invoice(request, invoice_id: int):
    invoice = _get(request, invoice_id, Action.EDIT_INVOICES)
    return _reload(services.submit_for_approval(invoice, actor=request.user))


@router.post("/{invoice_id}/approve", response=InvoiceOut)
def approve_invoice(request, invoice_id: int, body: CommentIn | None = None):
    invoice = _get(request, invoice_id, Action.APPROVE_INVOICES)
    comment = (body.comment if body else "") or ""
    return _reload(services.approve(invoice, actor=request.user, comment=comment))


@router.post("/{invoice_id}/reject", response=InvoiceOut)
def reject_invoice(request, invoice_id: int, body: CommentIn):
    invoice = _get(request, invoice_id, Action.APPROVE_INVOICES)
    return _reload(services.reject(invoice, actor=request.user, comment=body.comment))


@router.post("/{invoice_id}/issue", response=InvoiceOut)
def issue(request, invoice_id: int, body: IssueIn | None = None):
    """Give the document its number, dates, snapshots and archived PDF."""
    invoice = _get(request, invoice_id, Action.ISSUE_INVOICES)
    issue_date = body.issue_date if body else None
    return _reload(services.issue_invoice(invoice, actor=request.user, issue_date=issue_date))


@router.get("/{invoice_id}/pdf")
def invoice_pdf(request, invoice_id: int):
    """The archived PDF of an issued document; for a draft, a preview marked as such."""
    invoice = _get(request, invoice_id)
    if invoice.is_issued:  # archived now if a batch has not archived it yet
        invoice = ensure_pdf(invoice, actor=request.user)
    if invoice.pdf:
        content, name = read_archived_pdf(invoice), f"{invoice.number}.pdf"
    else:
        content, name = preview_pdf(invoice), f"draft-{invoice.pk}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    if not invoice.pdf:
        response["X-Ardoise-Preview"] = "true"
    return response


@router.post("/{invoice_id}/credit-notes", response={201: InvoiceOut})
def credit(request, invoice_id: int, body: CreditNoteIn):
    """A credit-note draft: the whole invoice by default, or the given lines."""
    invoice = _get(request, invoice_id, Action.EDIT_INVOICES)
    full = body.full if body.full is not None else body.lines is None
    note = services.create_credit_note(
        invoice, actor=request.user, lines=_lines(body.lines), full=full, reason=body.reason
    )
    return Status(201, _reload(note))
