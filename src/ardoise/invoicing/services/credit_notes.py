"""Credit notes: the only way to correct an issued invoice."""

from django.db import transaction
from django.utils.translation import gettext as _

from ardoise.core.errors import Conflict, FieldError, InvalidInput
from ardoise.core.roles import Action
from ardoise.core.tenancy import require

from ..models import DocumentKind, Invoice, InvoiceLine, Status
from .drafts import build_draft, check_credit_limit, credited_so_far
from .parsing import ParsedLine, parse_lines, stored_line_inputs, total_lines


def _copied_lines(invoice: Invoice) -> list[ParsedLine]:
    """The invoice's lines as they were issued, with their own tax data (a tax code's rate
    may have changed since; the credit must mirror what was charged)."""
    originals = list(invoice.lines.all())
    rows = [
        InvoiceLine(
            position=line.position,
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_code_id=line.tax_code_id,
            tax_category=line.tax_category,
            tax_rate=line.tax_rate,
            exemption_reason=line.exemption_reason,
        )
        for line in originals
    ]
    inputs = stored_line_inputs(originals)
    return [ParsedLine(row, data) for row, data in zip(rows, inputs, strict=True)]


@transaction.atomic
def create_credit_note(
    invoice: Invoice, *, actor, lines: list[dict] | None = None, full: bool = True, reason: str = ""
) -> Invoice:
    """A credit-note draft for an issued invoice: all of it (`full`) or the given lines.

    What is credited over all the invoice's issued credit notes never exceeds the invoice
    total; the check runs again when the credit note is issued, under the invoice's lock.
    """
    require(actor, invoice.company_id, Action.EDIT_INVOICES)
    invoice = Invoice.objects.select_related("company", "customer").get(pk=invoice.pk)
    if invoice.kind != DocumentKind.INVOICE or invoice.status != Status.ISSUED:
        raise Conflict(
            _("Only an issued invoice can be credited."), field="invoice", rule="issued_invoice"
        )
    errors: list[FieldError] = []
    reason = (reason or "").strip()
    if len(reason) > 5000:
        errors.append(FieldError("reason", "max_length", _("At most 5000 characters.")))
    if full and lines is not None:
        errors.append(
            FieldError("lines", "full_with_lines", _("Give lines only for a partial credit note."))
        )
    elif full:
        already = credited_so_far(invoice)
        if already:
            errors.append(
                FieldError(
                    "full",
                    "already_credited",
                    _(
                        "%(already)s of this invoice is already credited; credit what is left "
                        "with a partial credit note."
                    )
                    % {"already": format(already, "f")},
                )
            )
        parsed = _copied_lines(invoice)
    elif not lines:
        errors.append(FieldError("lines", "required", _("Give the lines to credit.")))
    else:
        parsed = parse_lines(invoice.company, lines, errors)
    totals = None if errors else total_lines(parsed, invoice.currency, errors)
    if totals is not None:
        check_credit_limit(invoice, totals.total, errors)
    # totals is None only when an error was reported.
    if errors or totals is None:
        raise InvalidInput(errors)
    return build_draft(
        invoice.company,
        actor=actor,
        customer=invoice.customer,
        currency=invoice.currency,
        kind=DocumentKind.CREDIT_NOTE,
        credited_invoice=invoice,
        lines=parsed,
        totals=totals,
        fields={
            "purchase_order": invoice.purchase_order,
            "delivery_notes": list(invoice.delivery_notes),
            "contract": invoice.contract,
            "notes": reason,
        },
    )
