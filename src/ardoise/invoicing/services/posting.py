"""Posting issued documents to the receivables ledger, inside the issuing transaction.

An invoice is a debit on the customer's account, a credit note a credit, matched at once
against the invoice it corrects for as much as that invoice still has open. The ledger
refers to the document generically (`SOURCE_TYPE`, id): it never imports invoicing.
"""

from __future__ import annotations

from ardoise.ledger import services as ledger
from ardoise.ledger.models import AllocationRule, Direction, ItemKind, OpenItem

from ..models import DocumentKind, Invoice

SOURCE_TYPE = "invoicing.invoice"


def _spec(invoice: Invoice) -> dict | None:
    """The open item of an issued document; none for a zero total. A document with a
    negative total stands on the other side of the account, with a positive amount."""
    total = invoice.total
    if total == 0:
        return None
    is_credit_note = invoice.kind == DocumentKind.CREDIT_NOTE
    debit = (total > 0) != is_credit_note
    return {
        "customer": invoice.customer,
        "kind": ItemKind.CREDIT_NOTE if is_credit_note else ItemKind.INVOICE,
        "direction": Direction.DEBIT if debit else Direction.CREDIT,
        "amount": abs(total),
        "currency": invoice.currency,
        "document_date": invoice.issue_date,
        "due_date": invoice.due_date if debit else None,
        "reference": invoice.number or "",
        "source_type": SOURCE_TYPE,
        "source_id": invoice.pk,
    }


def post_issued(invoices: list[Invoice], *, actor) -> list[OpenItem]:
    """Post the open items of freshly issued documents (one company), then match each credit
    note with its invoice (rule "credit_note")."""
    pairs: list[tuple[Invoice, dict]] = []
    for invoice in invoices:
        spec = _spec(invoice)
        if spec is not None:
            pairs.append((invoice, spec))
    if not pairs:
        return []
    items = ledger.post_items(invoices[0].company, [spec for _i, spec in pairs], actor=actor)
    credit_notes = [
        (invoice, item)
        for (invoice, _spec_), item in zip(pairs, items, strict=True)
        if invoice.credited_invoice_id and item.direction == Direction.CREDIT
    ]
    if credit_notes:
        _match_credit_notes(credit_notes, actor=actor)
    return items


def _match_credit_notes(pairs: list[tuple[Invoice, OpenItem]], *, actor) -> None:
    credited = {
        item.source_id: item
        for item in OpenItem.objects.filter(
            company_id=pairs[0][0].company_id,
            source_type=SOURCE_TYPE,
            source_id__in={invoice.credited_invoice_id for invoice, _i in pairs},
            direction=Direction.DEBIT,
        )
    }
    for invoice, item in pairs:
        debit = credited.get(invoice.credited_invoice_id)
        if debit is None:  # an invoice issued before the ledger existed
            continue
        ledger.allocate_available(
            actor=actor,
            debit_item=debit,
            credit_item=item,
            rule=AllocationRule.CREDIT_NOTE,
            entry_date=invoice.issue_date,
        )


__all__ = ["SOURCE_TYPE", "post_issued"]
