"""Issuing posts to the ledger: an invoice is a debit, a credit note a credit matched with
its invoice; the invoice API shows the derived residual and payment status."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ardoise.core.errors import InvalidInput
from ardoise.invoicing import services
from ardoise.invoicing.services.posting import SOURCE_TYPE
from ardoise.ledger import queries
from ardoise.ledger import services as ledger
from ardoise.ledger.models import Allocation, OpenItem

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
LINE = {"description": "Audit", "quantity": "2", "unit_price": "150.00", "tax_code": "S20"}


def item_of(invoice):
    return OpenItem.objects.get(source_type=SOURCE_TYPE, source_id=invoice.pk)


def test_issue_posts_a_debit_with_the_due_date(draft, clerk, customer):
    invoice = services.issue_invoice(draft, actor=clerk)
    item = item_of(invoice)
    assert (item.kind, item.direction, item.amount, item.currency) == (
        "invoice",
        "debit",
        invoice.total,
        "EUR",
    )
    assert (item.document_date, item.due_date, item.reference) == (
        invoice.issue_date,
        invoice.due_date,
        invoice.number,
    )
    assert queries.balance(customer) == invoice.total


def test_credit_note_is_matched_with_its_invoice(draft, clerk, customer):
    invoice = services.issue_invoice(draft, actor=clerk)  # 983.74
    part = {"description": "Remise", "quantity": "1", "unit_price": "100", "tax_code": "S20"}
    note = services.create_credit_note(invoice, actor=clerk, lines=[part], full=False)
    note = services.issue_invoice(note, actor=clerk)
    credit = item_of(note)
    assert (credit.kind, credit.direction, credit.amount, credit.due_date) == (
        "credit_note",
        "credit",
        D("120.00"),
        None,
    )
    (allocation,) = Allocation.objects.all()
    assert (allocation.rule, allocation.amount) == ("credit_note", D("120.00"))
    status, residual, _days = queries.invoice_status(item_of(invoice))
    assert (status, residual) == ("partially_paid", invoice.total - D("120.00"))
    assert queries.balance(customer) == invoice.total - D("120.00")


def test_credit_note_on_a_partly_paid_invoice_matches_only_what_is_left(draft, clerk, customer):
    invoice = services.issue_invoice(draft, actor=clerk)
    debit = item_of(invoice)
    paid = ledger.post_item(
        invoice.company,
        actor=clerk,
        customer=customer,
        kind="payment",
        direction="credit",
        amount=invoice.total - D("10.00"),
        currency="EUR",
        document_date=invoice.issue_date,
    )
    ledger.allocate(actor=clerk, debit_item=debit, credit_item=paid, amount=paid.amount)
    note = services.issue_invoice(services.create_credit_note(invoice, actor=clerk), actor=clerk)
    credit = item_of(note)
    assert queries.invoice_status(debit)[:2] == ("paid", D(0))
    assert queries.invoice_status(credit)[1] == invoice.total - D("10.00")  # unapplied credit
    assert queries.balance(customer) == -(invoice.total - D("10.00"))


def test_batch_issue_posts_every_document(company, clerk, customer, vat20):
    drafts = [
        services.create_draft(company, actor=clerk, customer=customer, lines=[LINE])
        for _ in range(3)
    ]
    issued = services.issue_many(drafts, actor=clerk)
    assert OpenItem.objects.filter(source_type=SOURCE_TYPE).count() == 3
    assert queries.balance(customer) == sum(invoice.total for invoice in issued)


def test_issue_in_a_closed_period_is_refused_and_posts_nothing(draft, clerk, admin_user, company):
    today = timezone.localdate()
    ledger.close_period(company, actor=admin_user, year=today.year, month=today.month)
    with pytest.raises(InvalidInput) as error:
        services.issue_invoice(draft, actor=clerk)
    assert error.value.errors[0].rule == "closed_period"
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.number is None
    assert not OpenItem.objects.exists()


def test_api_shows_residual_and_status_without_n_plus_one(clerk_api, customer, vat20):
    def listing():
        with CaptureQueriesContext(connection) as captured:
            response = clerk_api.get("/invoices")
        assert response.status_code == 200
        return response.json()["items"], len(captured)

    first = clerk_api.post("/invoices", {"customer": customer.pk, "lines": [LINE]}).json()
    draft_items, _count = listing()
    assert draft_items[0]["residual"] is None and draft_items[0]["payment_status"] is None
    clerk_api.post(f"/invoices/{first['id']}/issue")
    items, few = listing()
    assert (items[0]["residual"], items[0]["payment_status"], items[0]["days_overdue"]) == (
        "360.00",
        "unpaid",
        0,
    )
    for _ in range(3):
        created = clerk_api.post("/invoices", {"customer": customer.pk, "lines": [LINE]}).json()
        clerk_api.post(f"/invoices/{created['id']}/issue")
    items, many = listing()
    assert many == few and len(items) == 4
    one = clerk_api.get(f"/invoices/{first['id']}").json()
    assert (one["residual"], one["payment_status"]) == ("360.00", "unpaid")
