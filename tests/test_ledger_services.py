"""The receivables ledger as worked stories: items, allocations (lettrage), reversals,
write-offs, closed periods, and bad input that changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import Conflict, InvalidInput
from ardoise.ledger import queries, services
from ardoise.ledger.models import Allocation, AppendOnlyError, ClosedPeriod, OpenItem

from .factories import CompanyFactory, CustomerFactory

D = Decimal
JAN = datetime.date(2026, 1, 10)
FEB = datetime.date(2026, 2, 5)
MAR = datetime.date(2026, 3, 1)


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="C-LYON")


def invoice(company, customer, amount, date=JAN, due=None, reference="FA-1", currency="EUR"):
    return services.post_item(
        company,
        actor=None,
        customer=customer,
        kind="invoice",
        direction="debit",
        amount=D(amount),
        currency=currency,
        document_date=date,
        due_date=due or date + datetime.timedelta(days=30),
        reference=reference,
    )


def payment(company, customer, amount, date=FEB, currency="EUR"):
    return services.post_item(
        company,
        actor=None,
        customer=customer,
        kind="payment",
        direction="credit",
        amount=D(amount),
        currency=currency,
        document_date=date,
        reference="VIR",
    )


def residual(item, as_of=None):
    return queries.invoice_status(item, as_of)[1]


def ledger_state():
    return (OpenItem.objects.count(), Allocation.objects.count(), AuditEvent.objects.count())


def test_partial_payments_then_paid(company, customer, clerk):
    """A 1,200.00 invoice paid 500 in February and 700 in March."""
    fa = invoice(company, customer, "1200.00")
    first = payment(company, customer, "500.00", FEB)
    second = payment(company, customer, "700.00", MAR)

    a1 = services.allocate(actor=clerk, debit_item=fa, credit_item=first, amount=D("500.00"))
    assert a1.effective_date == FEB and a1.lettering == "AA" and a1.rule == "explicit"
    assert queries.invoice_status(fa, datetime.date(2026, 2, 20)) == ("partially_paid", D(700), 11)

    a2 = services.allocate(actor=clerk, debit_item=fa, credit_item=second, amount=D("700.00"))
    assert a2.lettering == "AB"
    assert queries.invoice_status(fa, MAR) == ("paid", D(0), 0)
    assert queries.balance(customer, MAR) == D(0)
    # As of the day before the first payment, the invoice is still wholly open.
    assert queries.invoice_status(fa, FEB - datetime.timedelta(days=1)) == ("unpaid", D(1200), 0)
    assert queries.balance(customer, FEB - datetime.timedelta(days=1)) == D(1200)
    assert AuditEvent.objects.filter(action="ledger.allocation.create").count() == 2


def test_one_payment_across_two_invoices_and_part_of_a_third(company, customer, clerk):
    invoices = [
        invoice(company, customer, amount, reference=f"FA-{n}")
        for n, amount in enumerate(["300.00", "200.00", "400.00"])
    ]
    cheque = payment(company, customer, "650.00")
    rows = services.allocate_many(
        actor=clerk,
        credit_item=cheque,
        allocations=[(invoices[0], "300.00"), (invoices[1], "200.00"), (invoices[2], "150.00")],
    )
    assert {row.lettering for row in rows} == {"AA"}
    assert [residual(item, FEB) for item in invoices] == [D(0), D(0), D(250)]
    assert residual(cheque, FEB) == D(0)
    assert queries.balance(customer, FEB) == D(250)


def test_allocate_many_is_all_or_nothing(company, customer, clerk):
    fa1, fa2 = invoice(company, customer, "100.00"), invoice(company, customer, "100.00")
    cheque = payment(company, customer, "150.00")
    before = ledger_state()
    with pytest.raises(InvalidInput) as error:
        services.allocate_many(
            actor=clerk, credit_item=cheque, allocations=[(fa1, "100.00"), (fa2, "100.00")]
        )
    assert error.value.errors[0].rule == "exceeds_residual"
    assert ledger_state() == before


def test_overpayment_stays_unapplied_and_is_reused(company, customer, clerk):
    fa1 = invoice(company, customer, "100.00")
    cash = payment(company, customer, "150.00")
    services.allocate(actor=clerk, debit_item=fa1, credit_item=cash, amount=D("100.00"))
    assert queries.balance(customer, FEB) == D(-50)
    (row,) = queries.aged_balance(company, as_of=FEB)
    assert row.amounts == (D(0), D(0), D(0), D(0), D(0), D(-50)) and row.total == D(-50)
    fa2 = invoice(company, customer, "80.00", date=MAR, reference="FA-2")
    services.allocate(actor=clerk, debit_item=fa2, credit_item=cash, amount=D("50.00"))
    assert residual(fa2, MAR) == D(30) and residual(cash, MAR) == D(0)
    assert queries.balance(customer, MAR) == D(30)


def test_reversal_then_reallocation(company, customer, clerk):
    fa1, fa2 = invoice(company, customer, "100.00"), invoice(company, customer, "100.00")
    pay = payment(company, customer, "100.00")
    first = services.allocate(actor=clerk, debit_item=fa1, credit_item=pay, amount=D(100))
    reversal = services.reverse_allocation(first, actor=clerk, date=MAR)
    assert reversal.amount == D(-100) and reversal.reverses == first
    assert reversal.lettering == first.lettering and reversal.effective_date == MAR
    assert residual(fa1, datetime.date(2026, 2, 15)) == D(0)  # before the reversal
    assert residual(fa1, MAR) == D(100)
    # Re-allocated from March on: the payment was spent on FA-1 until then.
    with pytest.raises(InvalidInput):
        services.allocate(actor=clerk, debit_item=fa2, credit_item=pay, amount=D(100))
    later = payment(company, customer, "1.00", MAR)  # a March item: effective in March
    services.allocate(actor=clerk, debit_item=fa2, credit_item=later, amount=D(1))
    assert residual(fa2, MAR) == D(99)


def test_reallocation_after_reversal_at_a_date_the_payment_is_free(company, customer, clerk):
    fa1 = invoice(company, customer, "100.00")
    fa2 = invoice(company, customer, "100.00", date=MAR, reference="FA-2")
    pay = payment(company, customer, "100.00")
    first = services.allocate(actor=clerk, debit_item=fa1, credit_item=pay, amount=D(100))
    services.reverse_allocation(first, actor=clerk, date=MAR)
    again = services.allocate(actor=clerk, debit_item=fa2, credit_item=pay, amount=D(100))
    assert again.effective_date == MAR
    assert residual(fa1, MAR) == D(100) and residual(fa2, MAR) == D(0)
    assert queries.balance(customer, MAR) == D(100)


def test_reversing_twice_is_refused_and_changes_nothing(company, customer, clerk):
    fa = invoice(company, customer, "100.00")
    pay = payment(company, customer, "100.00")
    allocation = services.allocate(actor=clerk, debit_item=fa, credit_item=pay, amount=D(40))
    reversal = services.reverse_allocation(allocation, actor=clerk, date=FEB)
    before = ledger_state()
    with pytest.raises(Conflict) as error:
        services.reverse_allocation(allocation, actor=clerk, date=FEB)
    assert error.value.errors[0].rule == "already_reversed"
    with pytest.raises(Conflict):
        services.reverse_allocation(reversal, actor=clerk, date=FEB)
    assert ledger_state() == before


def test_credit_note_against_invoice(company, customer, clerk):
    fa = invoice(company, customer, "500.00")
    av = services.post_item(
        company,
        actor=None,
        customer=customer,
        kind="credit_note",
        direction="credit",
        amount=D("120.00"),
        currency="EUR",
        document_date=FEB,
        reference="AV-1",
    )
    assert av.due_date is None
    services.allocate(actor=clerk, debit_item=fa, credit_item=av, amount=D(120), rule="credit_note")
    assert queries.invoice_status(fa, FEB) == ("partially_paid", D(380), 0)


@pytest.mark.parametrize(
    ("case", "field", "rule"),
    [
        ("currency", "credit_item", "currency_mismatch"),
        ("customer", "credit_item", "other_customer"),
        ("company", "credit_item", "other_company"),
        ("over_debit", "amount", "exceeds_residual"),
        ("over_credit", "amount", "exceeds_residual"),
        ("zero", "amount", "positive"),
        ("negative", "amount", "positive"),
        ("decimals", "amount", "precision"),
        ("sides", "debit_item", "not_debit"),
    ],
)
def test_bad_allocations_are_refused_and_change_nothing(
    company, customer, clerk, case, field, rule
):
    fa = invoice(company, customer, "100.00")
    pay = payment(company, customer, "80.00")
    amount = {
        "over_debit": "100.01",
        "over_credit": "80.01",
        "zero": "0",
        "negative": "-5",
        "decimals": "1.001",
    }.get(case, "10")
    debit, credit = fa, pay
    if case == "currency":
        credit = payment(company, customer, "80.00", currency="USD")
    elif case == "customer":
        credit = payment(company, CustomerFactory(company=company), "80.00")
    elif case == "company":
        other = CompanyFactory()
        credit = payment(other, CustomerFactory(company=other), "80.00")
    elif case == "over_debit":
        credit = payment(company, customer, "500.00")
    elif case == "sides":
        debit, credit = pay, fa
    before = ledger_state()
    with pytest.raises(InvalidInput) as error:
        services.allocate(actor=clerk, debit_item=debit, credit_item=credit, amount=amount)
    assert (error.value.errors[0].field, error.value.errors[0].rule) == (field, rule)
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"amount": D(0)}, "amount", "positive"),
        ({"amount": D("-1")}, "amount", "positive"),
        ({"currency": "XXQ"}, "currency", "unknown"),
        ({"kind": "payment"}, "direction", "invalid"),
        ({"kind": "gift"}, "kind", "invalid"),
    ],
)
def test_bad_items_are_refused(company, customer, changes, field, rule):
    spec = {
        "customer": customer,
        "kind": "invoice",
        "direction": "debit",
        "amount": D(10),
        "currency": "EUR",
        "document_date": JAN,
    } | changes
    with pytest.raises(InvalidInput) as error:
        services.post_item(company, actor=None, **spec)
    assert (error.value.errors[0].field, error.value.errors[0].rule) == (field, rule)
    assert OpenItem.objects.count() == 0


def test_another_companys_customer_is_refused(company, other_company):
    with pytest.raises(InvalidInput):
        invoice(company, CustomerFactory(company=other_company), "10.00")


def test_same_source_twice_is_a_conflict(company, customer):
    spec = {
        "customer": customer,
        "kind": "invoice",
        "direction": "debit",
        "amount": D(10),
        "currency": "EUR",
        "document_date": JAN,
        "source_type": "invoicing.invoice",
        "source_id": 7,
    }
    services.post_item(company, actor=None, **spec)
    with pytest.raises(Conflict):
        services.post_item(company, actor=None, **spec)
    assert OpenItem.objects.count() == 1


def test_rows_are_append_only(company, customer, clerk):
    fa = invoice(company, customer, "100.00")
    pay = payment(company, customer, "100.00")
    allocation = services.allocate(actor=clerk, debit_item=fa, credit_item=pay, amount=D(10))
    for row in (fa, allocation):
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()


def test_write_off_within_tolerance_and_refused_above(company, customer, clerk):
    company.write_off_tolerance = D("1.00")
    company.save()
    fa = invoice(company, customer, "100.00")
    fb = invoice(company, customer, "100.00", reference="FA-2")
    pay = payment(company, customer, "197.50")
    services.allocate(actor=clerk, debit_item=fa, credit_item=pay, amount=D("99.20"))
    services.allocate(actor=clerk, debit_item=fb, credit_item=pay, amount=D("98.30"))
    before = ledger_state()
    with pytest.raises(InvalidInput) as error:
        services.write_off_residual(fb, actor=clerk, reason="Frais bancaires", date=FEB)
    assert error.value.errors[0].rule == "above_tolerance"
    with pytest.raises(InvalidInput) as error:
        services.write_off_residual(fa, actor=clerk, reason="  ", date=FEB)
    assert error.value.errors[0].rule == "required"
    assert ledger_state() == before

    allocation = services.write_off_residual(fa, actor=clerk, reason="Frais bancaires", date=FEB)
    assert allocation.rule == "write_off" and allocation.amount == D("0.80")
    assert allocation.credit_item.kind == "write_off"
    assert queries.invoice_status(fa, FEB)[0] == "paid"
    assert queries.balance(customer, FEB) == D("1.70")


def test_closed_period_refuses_items_allocations_and_reversals(
    company, customer, clerk, accountant
):
    fa = invoice(company, customer, "100.00")
    pay = payment(company, customer, "100.00")
    allocation = services.allocate(actor=clerk, debit_item=fa, credit_item=pay, amount=D(10))
    with pytest.raises(PermissionDenied):
        services.close_period(company, actor=clerk, year=2026, month=2)
    services.close_period(company, actor=accountant, year=2026, month=2)
    with pytest.raises(Conflict):
        services.close_period(company, actor=accountant, year=2026, month=2)
    before = ledger_state()
    for attempt in (
        lambda: payment(company, customer, "5.00", datetime.date(2026, 2, 28)),
        lambda: services.allocate(actor=clerk, debit_item=fa, credit_item=pay, amount=D(10)),
        lambda: services.reverse_allocation(allocation, actor=clerk, date=FEB),
    ):
        with pytest.raises(InvalidInput) as error:
            attempt()
        assert error.value.errors[0].rule == "closed_period"
    assert ledger_state() == before
    services.reopen_period(company, actor=accountant, year=2026, month=2)
    assert not ClosedPeriod.objects.exists()
    services.reverse_allocation(allocation, actor=clerk, date=FEB)
    assert AuditEvent.objects.filter(action__startswith="ledger.period").count() == 2


def test_roles(company, customer, auditor):
    fa = invoice(company, customer, "100.00")
    pay = payment(company, customer, "100.00")
    with pytest.raises(PermissionDenied):
        services.allocate(actor=auditor, debit_item=fa, credit_item=pay, amount=D(1))


def test_lettering_codes():
    assert [services.lettering_code(n) for n in (0, 1, 25, 26, 675, 676)] == [
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_aged_balance_buckets_and_total(company, customer, clerk):
    as_of = datetime.date(2026, 6, 30)
    invoice(
        company, customer, "10.00", date=datetime.date(2026, 6, 1), due=datetime.date(2026, 7, 1)
    )
    invoice(
        company, customer, "20.00", date=datetime.date(2026, 5, 1), due=datetime.date(2026, 6, 15)
    )
    invoice(
        company, customer, "40.00", date=datetime.date(2026, 3, 1), due=datetime.date(2026, 4, 20)
    )
    invoice(
        company, customer, "80.00", date=datetime.date(2026, 1, 1), due=datetime.date(2026, 2, 1)
    )
    payment(company, customer, "5.00", datetime.date(2026, 6, 2))
    (row,) = queries.aged_balance(company, as_of=as_of)
    assert row.amounts == (D(10), D(20), D(0), D(40), D(80), D(-5))
    assert row.total == queries.balance(customer, as_of) == D(145)
    assert queries.bucket_labels() == ["not_due", "1-30", "31-60", "61-90", ">90", "unapplied"]
    (by_date,) = queries.aged_balance(company, as_of=as_of, basis="document_date")
    assert by_date.amounts == (D(0), D(10), D(20), D(0), D(120), D(-5))


def test_aged_balance_is_one_query_whatever_the_number_of_items(
    company, customer, django_assert_num_queries
):
    for n in range(5):
        invoice(company, customer, "10.00", reference=f"FA-{n}")
        payment(company, CustomerFactory(company=company), "3.00")
    with django_assert_num_queries(1):
        rows = queries.aged_balance(company, as_of=MAR)
    assert len(rows) == 6
    assert sum(row.total for row in rows) == D(35)
