"""Drafts: create, change and delete invoices and credit notes before they are issued."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ardoise.audit.services import record
from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.models import Company
from ardoise.core.money import is_currency
from ardoise.core.roles import Action
from ardoise.core.tenancy import require
from ardoise.parties.models import Customer

from ..models import DocumentKind, Invoice, InvoiceLine, Status
from ..totals import Totals, plain
from .parsing import (
    ParsedLine,
    _find_customer,
    _parse_date,
    apply_totals,
    parse_lines,
    stored_line_inputs,
    total_lines,
)

HEADER_FIELDS = (
    "customer",
    "currency",
    "lines",
    "purchase_order",
    "delivery_notes",
    "contract",
    "notes",
    "issue_date",
)
TEXT_LIMITS = {"purchase_order": 100, "contract": 100, "notes": 5000}
# ----------------------------------------------------------------------------- snapshots


def invoice_snapshot(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> dict:
    """JSON-ready state of an invoice and its lines, for the audit trail's before/after."""
    if lines is None:
        lines = list(invoice.lines.all()) if invoice.pk else []
    return {
        "kind": invoice.kind,
        "status": invoice.status,
        "number": invoice.number,
        "customer": invoice.customer_id,
        "currency": invoice.currency,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "purchase_order": invoice.purchase_order,
        "delivery_notes": list(invoice.delivery_notes),
        "contract": invoice.contract,
        "notes": invoice.notes,
        "credited_invoice": invoice.credited_invoice_id,
        "total_net": invoice.total_net,
        "total_tax": invoice.total_tax,
        "total": invoice.total,
        "pdf_sha256": invoice.pdf_sha256,
        "approval_comment": invoice.approval_comment,
        "lines": [
            {
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "tax_code": line.tax_code_id,
                "tax_category": line.tax_category,
                "tax_rate": line.tax_rate,
                "net_amount": line.net_amount,
            }
            for line in lines
        ],
    }


# ----------------------------------------------------------------------------- parsing


def _check_texts(data: dict, errors: list[FieldError]) -> None:
    for field, limit in TEXT_LIMITS.items():
        if field in data:
            if not isinstance(data[field], str):
                errors.append(FieldError(field, "invalid", _("Give a text.")))
            elif len(data[field]) > limit:
                errors.append(
                    FieldError(field, "max_length", _("At most %(n)s characters.") % {"n": limit})
                )
    notes = data.get("delivery_notes")
    if notes is not None and (
        not isinstance(notes, list | tuple)
        or not all(isinstance(n, str) and 0 < len(n) <= 100 for n in notes)
    ):
        errors.append(
            FieldError(
                "delivery_notes", "invalid", _("Give the delivery note references as a list.")
            )
        )


def _check_currency(customer: Customer | None, currency: object, errors: list) -> str | None:
    if customer is None:
        return None
    if currency in (None, ""):
        return customer.currency
    currency = str(currency).upper()
    if not is_currency(currency):
        errors.append(FieldError("currency", "iso4217", _("Give a known ISO 4217 currency.")))
        return None
    if currency != customer.currency:
        errors.append(
            FieldError(
                "currency",
                "currency_mismatch",
                _(
                    "The customer %(customer)s is invoiced in %(expected)s; "
                    "an invoice in %(given)s is refused."
                )
                % {
                    "customer": customer.code,
                    "expected": customer.currency,
                    "given": currency,
                },
            )
        )
        return None
    return currency


def credited_so_far(invoice: Invoice, *, excluding: int | None = None) -> Decimal:
    """Σ totals of the issued credit notes of an invoice."""
    from django.db.models import Sum

    queryset = Invoice.objects.filter(
        credited_invoice=invoice, kind=DocumentKind.CREDIT_NOTE, status=Status.ISSUED
    )
    if excluding is not None:
        queryset = queryset.exclude(pk=excluding)
    return queryset.aggregate(s=Sum("total"))["s"] or Decimal(0)


def check_credit_limit(credited: Invoice, total: Decimal, errors: list, *, excluding=None):
    """A credit note may not take back more than what is left of its invoice."""
    already = credited_so_far(credited, excluding=excluding)
    left = credited.total - already
    if total > left:
        errors.append(
            FieldError(
                "lines",
                "over_credit",
                _(
                    "This credit note (%(total)s) exceeds what is left to credit on invoice "
                    "%(number)s: %(left)s of %(invoice_total)s (already credited %(already)s)."
                )
                % {
                    "total": plain(total),
                    "number": credited.number,
                    "left": plain(left),
                    "invoice_total": plain(credited.total),
                    "already": plain(already),
                },
            )
        )


def _check_credited(company, customer, kind, credited, errors) -> Invoice | None:
    if kind not in DocumentKind.values:
        errors.append(FieldError("kind", "choice", _("Use invoice or credit_note.")))
        return None
    if kind == DocumentKind.INVOICE:
        if credited is not None:
            errors.append(
                FieldError(
                    "credited_invoice", "invalid", _("Only a credit note refers to an invoice.")
                )
            )
        return None
    credited_id = credited.pk if isinstance(credited, Invoice) else credited
    found = Invoice.objects.filter(company=company, pk=credited_id).first() if credited_id else None
    if found is None or found.kind != DocumentKind.INVOICE or found.status != Status.ISSUED:
        errors.append(
            FieldError(
                "credited_invoice",
                "issued_invoice",
                _("A credit note must refer to an issued invoice of this company."),
            )
        )
        return None
    if customer is not None and found.customer_id != customer.pk:
        errors.append(
            FieldError(
                "customer", "credited_customer", _("A credit note goes to the invoiced customer.")
            )
        )
    return found


# ----------------------------------------------------------------------------- actions


def build_draft(
    company: Company,
    *,
    actor,
    customer: Customer,
    currency: str,
    kind: str,
    credited_invoice: Invoice | None,
    lines: list[ParsedLine],
    totals: Totals,
    fields: dict,
) -> Invoice:
    """Write a validated draft and its lines, and audit it. Call inside a transaction."""
    invoice = Invoice(
        company=company,
        kind=kind,
        status=Status.DRAFT,
        customer=customer,
        currency=currency,
        language=customer.language,
        credited_invoice=credited_invoice,
        created_by=actor,
        **fields,
    )
    rows = [line.row for line in lines]
    apply_totals(invoice, rows, totals)
    invoice.save()
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    record(
        actor=actor,
        action=f"{kind}.create" if kind == DocumentKind.CREDIT_NOTE else "invoice.create",
        obj=invoice,
        after=invoice_snapshot(invoice, rows),
    )
    return invoice


def create_draft(
    company: Company,
    *,
    actor,
    customer,
    lines: object,  # a list of line dicts; anything else is refused by parse_lines
    currency: str | None = None,
    purchase_order: str = "",
    delivery_notes=(),
    contract: str = "",
    notes: str = "",
    issue_date=None,
    kind: str = DocumentKind.INVOICE,
    credited_invoice=None,
) -> Invoice:
    """A new draft invoice (or credit note) for an active customer of the company."""
    require(actor, company, Action.EDIT_INVOICES)
    errors: list[FieldError] = []
    found = _find_customer(company, customer, errors)
    if found is not None and not found.is_active:
        errors.append(
            FieldError(
                "customer",
                "inactive",
                _("The customer %(code)s is inactive.") % {"code": found.code},
            )
        )
    currency = _check_currency(found, currency, errors)
    texts = {
        "purchase_order": purchase_order,
        "contract": contract,
        "notes": notes,
        "delivery_notes": list(delivery_notes)
        if isinstance(delivery_notes, tuple)
        else delivery_notes,
    }
    _check_texts(texts, errors)
    date = _parse_date(issue_date, "issue_date", errors)
    credited = _check_credited(company, found, kind, credited_invoice, errors)
    parsed = parse_lines(company, lines, errors)
    totals = total_lines(parsed, currency, errors) if not errors and currency is not None else None
    if credited is not None and totals is not None:
        check_credit_limit(credited, totals.total, errors)
    # Every check above that leaves a None has reported an error.
    if errors or found is None or currency is None or totals is None:
        raise InvalidInput(errors)
    with transaction.atomic():
        return build_draft(
            company,
            actor=actor,
            customer=found,
            currency=currency,
            kind=kind,
            credited_invoice=credited,
            lines=parsed,
            totals=totals,
            fields=texts | {"issue_date": date},
        )


def lock_draft(invoice: Invoice) -> Invoice:
    """The invoice's row, locked, refusing anything that is not a plain draft."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == Status.ISSUED:
        raise Conflict(
            _("%(number)s is issued; issue a credit note to correct it.")
            % {"number": locked.number},
            field="status",
            rule="issued",
        )
    if locked.status != Status.DRAFT:
        raise Conflict(
            _("This invoice is %(status)s; it must be rejected back to draft before it changes.")
            % {"status": locked.get_status_display().lower()},
            field="status",
            rule="in_approval",
        )
    return locked


@transaction.atomic
def update_draft(invoice: Invoice, *, actor, **changes) -> Invoice:
    """Change a draft; `lines`, when given, replace all its lines."""
    require(actor, invoice.company_id, Action.EDIT_INVOICES)
    unknown = sorted(set(changes) - set(HEADER_FIELDS))
    if unknown:
        raise InvalidInput(
            [
                FieldError(name, "unknown_field", _("This field cannot be changed."))
                for name in unknown
            ]
        )
    locked = lock_draft(invoice)
    before = invoice_snapshot(locked)
    errors: list[FieldError] = []
    customer: Customer | None = locked.customer
    currency: str | None
    if "customer" in changes:
        customer = _find_customer(locked.company, changes["customer"], errors)
        if customer is not None and customer.pk != locked.customer_id and not customer.is_active:
            errors.append(FieldError("customer", "inactive", _("The customer is inactive.")))
    if locked.kind == DocumentKind.CREDIT_NOTE:
        currency = locked.currency
        if customer is not None and customer.pk != locked.customer_id:
            errors.append(
                FieldError(
                    "customer",
                    "credited_customer",
                    _("A credit note goes to the invoiced customer."),
                )
            )
    else:
        given = changes.get("currency")
        if given in (None, "") and customer is not None and customer.pk == locked.customer_id:
            given = locked.currency
        currency = _check_currency(customer, given, errors)
    texts = {k: changes[k] for k in TEXT_LIMITS.keys() | {"delivery_notes"} if k in changes}
    if isinstance(texts.get("delivery_notes"), tuple):
        texts["delivery_notes"] = list(texts["delivery_notes"])
    _check_texts(texts, errors)
    date = _parse_date(changes.get("issue_date"), "issue_date", errors)
    if "lines" in changes:
        parsed = parse_lines(locked.company, changes["lines"], errors)
    else:
        old = list(locked.lines.all())
        for line in old:
            line.pk = None
        parsed = [
            ParsedLine(row, data) for row, data in zip(old, stored_line_inputs(old), strict=True)
        ]
    totals = total_lines(parsed, currency, errors) if not errors and currency is not None else None
    if locked.credited_invoice is not None and totals is not None:
        check_credit_limit(locked.credited_invoice, totals.total, errors)
    # Every check above that leaves a None has reported an error.
    if errors or customer is None or currency is None or totals is None:
        raise InvalidInput(errors)
    for field, value in texts.items():
        setattr(locked, field, value)
    if "issue_date" in changes:
        locked.issue_date = date
    locked.customer = customer
    locked.currency = currency
    locked.language = customer.language
    rows = [line.row for line in parsed]
    apply_totals(locked, rows, totals)
    locked.save()
    locked.lines.all().delete()
    for position, row in enumerate(rows, start=1):
        row.invoice = locked
        row.position = position
    InvoiceLine.objects.bulk_create(rows)
    record(
        actor=actor,
        action="invoice.update",
        obj=locked,
        before=before,
        after=invoice_snapshot(locked, rows),
    )
    return locked


@transaction.atomic
def delete_draft(invoice: Invoice, *, actor) -> None:
    require(actor, invoice.company_id, Action.EDIT_INVOICES)
    locked = lock_draft(invoice)
    before = invoice_snapshot(locked)
    record(
        actor=actor,
        action="invoice.delete",
        obj=locked,
        before=before,
        object_repr=str(locked),
    )
    locked.delete()
