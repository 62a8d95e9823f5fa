"""Posting issued documents to the receivables ledger, inside the issuing transaction.

An invoice is a debit on the customer's account, a credit note a credit, matched at once
against the invoice it corrects for as much as that invoice still has open. The ledger
refers to the document generically (`SOURCE_TYPE`, id): it never imports invoicing.

Locks, after the issuing ones (documents, credited invoices, sequence counters): the
customers, then the items, then the audit chain head, as everywhere in the ledger.
`ledger.post_items` locks the customers of what it posts before it audits, so the match of a
credit note that follows finds its customer locked already.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef

from ardoise.audit.services import record
from ardoise.core.models import Company
from ardoise.ledger import services as ledger
from ardoise.ledger.models import Allocation, AllocationRule, Direction, ItemKind, OpenItem

from ..models import DocumentKind, Invoice, Status

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


# ----------------------------------------------------------------------------- backfill


@dataclass
class Backfill:
    """What `post_missing` did (or, in a dry run, would do) for one company."""

    company: Company
    posted: list[Invoice] = field(default_factory=list)
    matched: list[tuple[Invoice, Invoice | None]] = field(
        default_factory=list
    )  # (credit note, invoice)
    zero_total: list[Invoice] = field(default_factory=list)
    closed_period: list[Invoice] = field(default_factory=list)


def unposted(company: Company):
    """Issued documents of the company with no open item, in issue order (invoices before the
    credit notes of a day, so a credit note finds its invoice posted)."""
    items = OpenItem.objects.filter(
        company_id=OuterRef("company_id"), source_type=SOURCE_TYPE, source_id=OuterRef("pk")
    )
    return (
        Invoice.objects.filter(company=company, status=Status.ISSUED)
        .exclude(Exists(items))
        .select_related("customer", "company")
        .order_by("issue_date", "kind", "number", "id")
    )


def _unmatched_credit_notes(company: Company) -> list[tuple[Invoice, OpenItem, OpenItem]]:
    """Posted credit notes (credit side) whose credited invoice has a debit item and no
    allocation with it yet: the invoice was posted after the credit note (by a backfill)."""
    notes = {
        item.source_id: item
        for item in OpenItem.objects.filter(
            company=company,
            source_type=SOURCE_TYPE,
            kind=ItemKind.CREDIT_NOTE,
            direction=Direction.CREDIT,
        )
    }
    if not notes:
        return []
    documents = Invoice.objects.filter(pk__in=list(notes), credited_invoice__isnull=False)
    credited = {document.pk: document.credited_invoice_id for document in documents}
    debits = {
        item.source_id: item
        for item in OpenItem.objects.filter(
            company=company,
            source_type=SOURCE_TYPE,
            source_id__in=set(credited.values()),
            direction=Direction.DEBIT,
        )
    }
    pairs = [
        (notes[note_id], debits[invoice_id])
        for note_id, invoice_id in credited.items()
        if invoice_id in debits
    ]
    already = set(
        Allocation.objects.filter(
            company=company,
            credit_item__in=[note for note, _debit in pairs],
        ).values_list("credit_item_id", "debit_item_id")
    )
    by_id = {document.pk: document for document in documents}
    return [
        (by_id[int(note.source_id or 0)], debit, note)
        for note, debit in pairs
        if (note.pk, debit.pk) not in already
    ]


def post_missing(company: Company, *, actor, dry_run: bool = False) -> Backfill:
    """Post the open items of the company's issued documents that have none (documents issued
    before the ledger existed), with the posting code of issuing, then match each credit note
    with its invoice. Safe to run twice: what is posted is never posted again. One
    transaction per company, audited ("ledger.backfill" with what was done)."""
    result = Backfill(company)
    with transaction.atomic():
        documents = list(unposted(company))
        closed = ledger.closed_months(company.pk, [d.issue_date for d in documents])
        for document in documents:
            if _spec(document) is None:
                result.zero_total.append(document)
            elif (document.issue_date.year, document.issue_date.month) in closed:
                result.closed_period.append(document)
            else:
                result.posted.append(document)
        if dry_run:
            result.matched = _planned_matches(company, result.posted)
            transaction.set_rollback(True)
            return result
        # The matches below may be on customers this run posts nothing for, after audited
        # postings on others: every customer involved is locked first, in id order.
        ledger.lock_customers(
            [document.customer_id for document in result.posted]
            + [note.customer_id for _document, _debit, note in _unmatched_credit_notes(company)]
        )
        if result.posted:
            post_issued(result.posted, actor=actor)
            result.matched = _matched_at_posting(result.posted)
        for document, debit, credit in _unmatched_credit_notes(company):
            allocation = ledger.allocate_available(
                actor=actor,
                debit_item=debit,
                credit_item=credit,
                rule=AllocationRule.CREDIT_NOTE,
                entry_date=document.issue_date,
            )
            if allocation is not None:
                result.matched.append((document, document.credited_invoice))
        if result.posted or result.matched:
            record(
                actor=actor,
                action="ledger.backfill",
                obj=company,
                company_id=company.pk,
                after={
                    "posted": [d.number for d in result.posted],
                    "matched": [
                        [note.number, invoice.number if invoice else None]
                        for note, invoice in result.matched
                    ],
                    "closed_period": [d.number for d in result.closed_period],
                },
            )
    return result


def _matched_at_posting(documents: list[Invoice]) -> list[tuple[Invoice, Invoice | None]]:
    notes = {d.pk: d for d in documents if d.kind == DocumentKind.CREDIT_NOTE}
    if not notes:
        return []
    matched = set(
        Allocation.objects.filter(
            rule=AllocationRule.CREDIT_NOTE,
            credit_item__source_type=SOURCE_TYPE,
            credit_item__source_id__in=list(notes),
        ).values_list("credit_item__source_id", flat=True)
    )
    return [(note, note.credited_invoice) for pk, note in notes.items() if pk in matched]


def _planned_matches(
    company: Company, documents: list[Invoice]
) -> list[tuple[Invoice, Invoice | None]]:
    """Dry run: the credit notes that would be matched with their invoice (whether the
    invoice is posted already or in this run)."""
    posting = {document.pk for document in documents}
    posted = set(
        OpenItem.objects.filter(
            company=company, source_type=SOURCE_TYPE, direction=Direction.DEBIT
        ).values_list("source_id", flat=True)
    )
    notes = [
        d
        for d in documents
        if d.kind == DocumentKind.CREDIT_NOTE and d.credited_invoice_id and d.total > 0
    ]
    planned = [
        (note, note.credited_invoice)
        for note in notes
        if note.credited_invoice_id in posting | posted
    ]
    planned += [
        (note, note.credited_invoice)
        for note, _debit, _credit in _unmatched_credit_notes(company)
        if note.pk not in posting
    ]
    return planned


__all__ = ["SOURCE_TYPE", "Backfill", "post_issued", "post_missing", "unposted"]
