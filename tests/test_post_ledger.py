"""`ardoise post-ledger`: documents issued before the ledger existed get their open items
(and credit notes their matching) from the posting code of issuing; a dry run writes
nothing; a second run posts nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ardoise.audit.models import AuditEvent
from ardoise.invoicing import services
from ardoise.invoicing.services.posting import SOURCE_TYPE
from ardoise.ledger import queries
from ardoise.ledger import services as ledger
from ardoise.ledger.models import Allocation, OpenItem

from .factories import CompanyFactory
from .test_invoicing_services import (
    customer,
    draft,
    exempt,
    media_root,
    product,
    vat20,
    vat55,
)

__all__ = ["customer", "draft", "exempt", "media_root", "product", "vat20", "vat55"]

D = Decimal


def forget_posting(*documents):
    """As if the documents had been issued before the ledger existed."""
    ids = [document.pk for document in documents]
    items = OpenItem.objects.filter(source_type=SOURCE_TYPE, source_id__in=ids)
    Allocation.objects.filter(credit_item__in=items).delete()
    Allocation.objects.filter(debit_item__in=items).delete()
    items.delete()


def post_ledger(*args):
    out, err = StringIO(), StringIO()
    call_command("post_ledger", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def items_of(*documents):
    return OpenItem.objects.filter(source_type=SOURCE_TYPE, source_id__in=[d.pk for d in documents])


def test_an_old_invoice_is_posted_once(draft, clerk, company, customer):
    invoice = services.issue_invoice(draft, actor=clerk)
    forget_posting(invoice)
    audit_before = AuditEvent.objects.count()

    out, _err = post_ledger("--dry-run")
    assert f"{company.code}: would post 1 document(s)" in out
    assert invoice.number in out
    assert not items_of(invoice).exists()
    assert AuditEvent.objects.count() == audit_before

    out, _err = post_ledger()
    assert f"{company.code}: posted 1 document(s)" in out
    item = items_of(invoice).get()
    assert (item.direction, item.amount, item.document_date, item.due_date) == (
        "debit",
        invoice.total,
        invoice.issue_date,
        invoice.due_date,
    )
    assert queries.balance(customer) == invoice.total
    assert AuditEvent.objects.filter(action="ledger.item.post", object_id=str(item.pk)).exists()
    backfill = AuditEvent.objects.get(action="ledger.backfill")
    assert backfill.after["posted"] == [invoice.number]

    audit_after = AuditEvent.objects.count()
    out, _err = post_ledger()
    assert f"{company.code}: posted 0 document(s)" in out
    assert items_of(invoice).count() == 1
    assert AuditEvent.objects.count() == audit_after


def test_an_old_invoice_and_its_credit_note_are_posted_and_matched(draft, clerk, customer):
    invoice = services.issue_invoice(draft, actor=clerk)
    note = services.issue_invoice(services.create_credit_note(invoice, actor=clerk), actor=clerk)
    forget_posting(invoice, note)

    out, _err = post_ledger("--dry-run")
    assert f"would match credit note {note.number} with invoice {invoice.number}" in out
    assert not Allocation.objects.exists()

    out, _err = post_ledger()
    assert f"matched credit note {note.number} with invoice {invoice.number}" in out
    allocation = Allocation.objects.get()
    assert (allocation.rule, allocation.amount) == ("credit_note", invoice.total)
    assert queries.balance(customer) == D(0)

    out, _err = post_ledger()
    assert "posted 0 document(s)" in out and "matched" not in out
    assert Allocation.objects.count() == 1


def test_a_credit_note_posted_before_its_old_invoice_is_matched_when_the_invoice_is(
    draft, clerk, customer
):
    invoice = services.issue_invoice(draft, actor=clerk)
    forget_posting(invoice)
    # Issued after the ledger existed: posted, but found no invoice item to match.
    note = services.issue_invoice(services.create_credit_note(invoice, actor=clerk), actor=clerk)
    assert items_of(note).exists() and not Allocation.objects.exists()

    out, _err = post_ledger()
    assert "posted 1 document(s)" in out
    assert f"matched credit note {note.number} with invoice {invoice.number}" in out
    assert Allocation.objects.get().rule == "credit_note"
    assert queries.balance(customer) == D(0)

    out, _err = post_ledger()
    assert "matched" not in out
    assert Allocation.objects.count() == 1


def test_a_document_in_a_closed_period_is_left_and_said(draft, clerk, company, admin_user):
    invoice = services.issue_invoice(draft, actor=clerk)
    forget_posting(invoice)
    ledger.close_period(
        company, actor=admin_user, year=invoice.issue_date.year, month=invoice.issue_date.month
    )
    out, err = post_ledger()
    assert "posted 0 document(s)" in out
    assert f"{invoice.number}: dated {invoice.issue_date} in a closed period" in err
    assert not items_of(invoice).exists()


def test_one_company_only(draft, clerk, company):
    invoice = services.issue_invoice(draft, actor=clerk)
    forget_posting(invoice)
    other = CompanyFactory(code="elsewhere")
    out, _err = post_ledger("--company", "elsewhere")
    assert "elsewhere: posted 0 document(s)" in out and company.code not in out
    assert not items_of(invoice).exists()
    with pytest.raises(CommandError):
        post_ledger("--company", "nowhere")
    assert other.pk


def test_a_posted_ledger_is_left_alone(draft, clerk):
    services.issue_invoice(draft, actor=clerk)
    before = (OpenItem.objects.count(), AuditEvent.objects.count())
    out, _err = post_ledger()
    assert "posted 0 document(s)" in out
    assert (OpenItem.objects.count(), AuditEvent.objects.count()) == before
