"""Payments as business stories: a cheque over several invoices, overpayment, automatic
allocation, cash receipts, and bad input that changes nothing."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.invoicing import services as invoicing
from ardoise.ledger.models import Allocation, OpenItem
from ardoise.ledger.queries import balance, invoice_status
from ardoise.payments import services
from ardoise.payments.models import AppendOnlyError, Payment
from ardoise.payments.services import SOURCE_TYPE, payment_allocations

from .factories import CustomerFactory
from .test_invoicing_services import customer, make_draft, media_root, vat20

__all__ = ["customer", "media_root", "vat20"]

D = Decimal
pytestmark = pytest.mark.usefixtures("vat20")


def today():
    return timezone.localdate()


def ago(days):
    return today() - datetime.timedelta(days=days)


def issue(company, clerk, customer, net, *, days_ago=0):
    """An issued invoice of `net` + 20 % VAT, dated `days_ago` days back."""
    draft = make_draft(company, clerk, customer, amount=net)
    return invoicing.issue_invoice(draft, actor=clerk, issue_date=ago(days_ago))


def item_of(invoice):
    return OpenItem.objects.get(source_type="invoicing.invoice", source_id=invoice.pk)


def status(invoice):
    state, residual, _days = invoice_status(item_of(invoice))
    return state, residual


def written():
    return (
        Payment.objects.count(),
        OpenItem.objects.count(),
        Allocation.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def three_invoices(company, clerk, customer):
    # 120.00, 240.00 and 360.00 due in 30 days, issued 40, 20 and 10 days ago
    return [
        issue(company, clerk, customer, "100", days_ago=40),
        issue(company, clerk, customer, "200", days_ago=20),
        issue(company, clerk, customer, "300", days_ago=10),
    ]


def test_a_cheque_covers_two_invoices_and_part_of_a_third(company, clerk, customer, three_invoices):
    first, second, third = three_invoices
    payment = services.record_payment(
        company,
        actor=clerk,
        customer=customer,
        amount="460.00",
        currency="EUR",
        date=today(),
        method="cheque",
        cheque_number="0012345",
        cheque_bank="Banque Populaire",
        allocations=[
            {"invoice": first, "amount": "120.00"},
            {"invoice": second.pk, "amount": "240.00"},
            {"invoice": third, "amount": "100.00"},
        ],
    )
    assert status(first) == ("paid", D("0.00"))
    assert status(second) == ("paid", D("0.00"))
    assert status(third) == ("partially_paid", D("260.00"))
    allocations = payment_allocations(payment)
    assert [a.amount for a in allocations] == [D("120.00"), D("240.00"), D("100.00")]
    assert {a.lettering for a in allocations} == {"AA"}
    assert {a.rule for a in allocations} == {"explicit"}
    assert payment.open_item.source_type == SOURCE_TYPE
    assert payment.open_item.source_id == payment.pk
    assert payment.receipt_number is None  # a cheque gets a receipt only on request
    assert balance(customer) == D("260.00")
    assert AuditEvent.objects.filter(action="payment.record", object_id=str(payment.pk)).exists()


def test_an_overpayment_leaves_unapplied_cash_on_the_account(company, clerk, customer):
    invoice = issue(company, clerk, customer, "100")
    payment = services.record_payment(
        company,
        actor=clerk,
        customer=customer,
        amount="200.00",
        currency="EUR",
        date=today(),
        method="transfer",
        allocations=[{"invoice": invoice, "amount": "120.00"}],
    )
    assert status(invoice) == ("paid", D("0.00"))
    assert invoice_status(payment.open_item)[1] == D("80.00")  # unapplied credit
    assert balance(customer) == D("-80.00")


def test_auto_allocation_takes_the_referenced_invoice_first_then_the_oldest_due(
    company, clerk, customer, three_invoices
):
    first, second, third = three_invoices
    payment = services.record_payment(
        company,
        actor=clerk,
        customer=customer,
        amount="400.00",
        currency="EUR",
        date=today(),
        method="transfer",
        reference=f"VIR SEPA {third.number}",
        auto=True,
    )
    made = [(a.debit_item_id, a.amount, a.rule) for a in payment_allocations(payment)]
    assert made == [
        (item_of(third).pk, D("360.00"), "reference"),
        (item_of(first).pk, D("40.00"), "oldest_due"),
    ]
    # One matched group, one lettering code, whatever rule chose each allocation.
    assert len({a.lettering for a in payment_allocations(payment)}) == 1
    assert status(first) == ("partially_paid", D("80.00"))
    assert status(second) == ("unpaid", D("240.00"))
    assert status(third) == ("paid", D("0.00"))


def test_cash_gets_its_receipt_numbered_without_gaps(company, clerk, customer):
    issue(company, clerk, customer, "100")
    payments = [
        services.record_payment(
            company,
            actor=clerk,
            customer=customer,
            amount=amount,
            currency="EUR",
            date=today(),
            method="cash",
            auto=True,
        )
        for amount in ("50.00", "70.00")
    ]
    year = today().year
    assert [p.receipt_number for p in payments] == [1, 2]
    assert payments[0].receipt_reference == f"RE-{year}-000001"
    stored = Payment.objects.get(pk=payments[1].pk)
    content = stored.receipt_pdf.read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == stored.receipt_sha256


def test_a_receipt_on_request_once_only(company, clerk, customer):
    payment = services.record_payment(
        company,
        actor=clerk,
        customer=customer,
        amount="10.00",
        currency="EUR",
        date=today(),
        method="card",
    )
    assert payment.receipt_number is None
    payment = services.issue_receipt(payment, actor=clerk)
    assert payment.receipt_number == 1
    with pytest.raises(Conflict) as error:
        services.issue_receipt(payment, actor=clerk)
    assert error.value.errors[0].rule == "already_issued"


def test_a_payment_is_never_changed_nor_deleted(company, clerk, customer):
    payment = services.record_payment(
        company,
        actor=clerk,
        customer=customer,
        amount="10.00",
        currency="EUR",
        date=today(),
        method="transfer",
    )
    payment.amount = D("1.00")
    with pytest.raises(AppendOnlyError):
        payment.save()
    with pytest.raises(AppendOnlyError):
        payment.delete()


def test_a_foreign_currency_payment_of_a_foreign_currency_invoice_keeps_its_rate(company, clerk):
    american = CustomerFactory(company=company, code="C-NYC", currency="USD")
    invoice = issue(company, clerk, american, "100")
    before = written()
    with pytest.raises(InvalidInput) as error:
        services.record_payment(
            company,
            actor=clerk,
            customer=american,
            amount="120.00",
            currency="USD",
            date=today(),
            method="transfer",
            allocations=[{"invoice": invoice, "amount": "120.00"}],
        )
    assert [(e.field, e.rule) for e in error.value.errors] == [("exchange_rate", "required")]
    assert written() == before
    payment = services.record_payment(
        company,
        actor=clerk,
        customer=american,
        amount="120.00",
        currency="USD",
        date=today(),
        method="transfer",
        exchange_rate="0.92",
        allocations=[{"invoice": invoice, "amount": "120.00"}],
    )
    assert Payment.objects.get(pk=payment.pk).exchange_rate == D("0.92")
    assert status(invoice) == ("paid", D("0.00"))


# ------------------------------------------------------------------ bad input


def refused(company, clerk, customer, exception=InvalidInput, **overrides):
    arguments = dict(
        actor=clerk,
        customer=customer,
        amount="100.00",
        currency="EUR",
        date=today(),
        method="transfer",
    )
    arguments.update(overrides)
    before = written()
    with pytest.raises(exception) as error:
        services.record_payment(company, **arguments)
    assert written() == before
    return [(e.field, e.rule) for e in error.value.errors]


def test_bad_amounts_are_refused_naming_the_field(company, clerk, customer):
    assert refused(company, clerk, customer, amount="0") == [("amount", "positive")]
    assert refused(company, clerk, customer, amount="-5") == [("amount", "positive")]
    assert refused(company, clerk, customer, amount="1.001") == [("amount", "precision")]
    assert refused(company, clerk, customer, amount="abc") == [("amount", "invalid")]


def test_allocations_to_the_wrong_invoices_are_refused_and_nothing_is_written(
    company, clerk, customer, three_invoices
):
    first = three_invoices[0]
    stranger = CustomerFactory(company=company, code="C-AUTRE")
    theirs = issue(company, clerk, stranger, "50")
    draft = make_draft(company, clerk, customer)
    assert refused(company, clerk, customer, allocations=[{"invoice": theirs, "amount": "10"}]) == [
        ("allocations[0].invoice", "other_customer")
    ]
    assert refused(company, clerk, customer, allocations=[{"invoice": draft, "amount": "10"}]) == [
        ("allocations[0].invoice", "not_issued")
    ]
    assert refused(
        company, clerk, customer, allocations=[{"invoice": first, "amount": "120.01"}]
    ) == [("allocations[0].amount", "exceeds_residual")]
    assert refused(
        company,
        clerk,
        customer,
        amount="100.00",
        allocations=[
            {"invoice": first, "amount": "100"},
            {"invoice": three_invoices[1], "amount": "10"},
        ],
    ) == [("allocations", "exceeds_payment")]
    assert refused(company, clerk, customer, allocations=[{"invoice": 999999, "amount": "10"}]) == [
        ("allocations[0].invoice", "not_found")
    ]


def test_a_currency_mismatch_is_refused(company, clerk, customer, three_invoices):
    assert refused(company, clerk, customer, currency="GBP", exchange_rate="1.15") == [
        ("currency", "currency_mismatch")
    ]
    assert refused(company, clerk, customer, exchange_rate="1.1") == [
        ("exchange_rate", "not_foreign")
    ]


def test_cheque_fields_belong_to_cheques(company, clerk, customer):
    assert refused(company, clerk, customer, method="cheque") == [("cheque_number", "required")]
    assert refused(company, clerk, customer, cheque_number="12") == [
        ("cheque_number", "cheque_only")
    ]
    assert refused(company, clerk, customer, method="bitcoin") == [("method", "invalid")]


def test_a_date_in_a_closed_period_is_refused(company, clerk, customer, admin_user):
    from ardoise.ledger.services import close_period

    last_month = today().replace(day=1) - datetime.timedelta(days=1)
    close_period(company, actor=admin_user, year=last_month.year, month=last_month.month)
    assert refused(company, clerk, customer, date=last_month) == [
        ("document_date", "closed_period")
    ]


def test_an_auditor_may_not_record_a_payment(company, auditor, customer):
    with pytest.raises(PermissionDenied):
        services.record_payment(
            company,
            actor=auditor,
            customer=customer,
            amount="1",
            currency="EUR",
            date=today(),
            method="cash",
        )
    assert Payment.objects.count() == 0
