"""Receivables operations beyond allocation, as worked stories: an overpayment left as
unapplied cash and paid back, a credit note's residual refunded, small differences written
off, months closed and reopened; every refusal names its field and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import BusinessError, Conflict, InvalidInput
from ardoise.ledger import queries, services
from ardoise.ledger.models import Allocation, ClosedPeriod, OpenItem

from .factories import CustomerFactory
from .ledger_support import post

D = Decimal
JAN = datetime.date(2026, 1, 10)
FEB = datetime.date(2026, 2, 5)
MAR = datetime.date(2026, 3, 2)
APR = datetime.date(2026, 4, 15)


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="C-LYON")


def invoice(company, customer, amount, date=JAN, reference="FA-1"):
    return post(company, customer, "invoice", "debit", amount, date, reference)


def payment(company, customer, amount, date=FEB, reference="VIR"):
    return post(company, customer, "payment", "credit", amount, date, reference)


def credit_note(company, customer, amount, date=FEB, reference="AV-1"):
    return post(company, customer, "credit_note", "credit", amount, date, reference)


def residual(item, as_of):
    return queries.invoice_status(item, as_of)[1]


def ledger_state():
    return (OpenItem.objects.count(), Allocation.objects.count(), AuditEvent.objects.count())


@pytest.fixture
def overpaid(company, customer, clerk):
    """A 100.00 invoice paid by a 150.00 transfer: 50.00 stays as unapplied cash."""
    fa = invoice(company, customer, "100.00")
    transfer = payment(company, customer, "150.00")
    services.allocate(actor=clerk, debit_item=fa, credit_item=transfer, amount=D("100.00"))
    return fa, transfer


# ----------------------------------------------------------------------------- refunds


def test_unapplied_cash_is_refunded_and_the_account_settles(
    company, customer, accountant, overpaid
):
    _fa, transfer = overpaid
    assert queries.balance(customer, FEB) == D("-50.00")

    allocation = services.refund_credit(
        transfer,
        actor=accountant,
        amount="50.00",
        date=MAR,
        method="transfer",
        reference="Remboursement trop-perçu",
    )

    refund = allocation.debit_item
    assert (refund.kind, refund.direction, refund.amount, refund.currency) == (
        "refund",
        "debit",
        D("50.00"),
        "EUR",
    )
    assert (refund.document_date, refund.due_date, refund.method, refund.reference) == (
        MAR,
        MAR,
        "transfer",
        "Remboursement trop-perçu",
    )
    assert allocation.credit_item_id == transfer.pk
    assert (allocation.rule, allocation.lettering, allocation.amount) == ("refund", "AB", D(50))
    assert allocation.effective_date == MAR
    # Before the refund the customer had a credit; from its date on nothing is owed either way.
    assert queries.balance(customer, MAR - datetime.timedelta(days=1)) == D("-50.00")
    assert queries.balance(customer, MAR) == D(0)
    assert residual(transfer, MAR) == D(0) and residual(refund, MAR) == D(0)
    assert queries.aged_balance(company, as_of=MAR) == []
    (row,) = queries.aged_balance(company, as_of=FEB)
    assert row.amounts[-1] == D("-50.00") and row.total == D("-50.00")
    actions = list(
        AuditEvent.objects.filter(actor=accountant).values_list("action", "after__method")
    )
    assert actions == [("ledger.item.post", "transfer"), ("ledger.allocation.create", None)]


def test_part_of_the_unapplied_cash_is_refunded(company, customer, accountant, overpaid):
    _fa, transfer = overpaid
    services.refund_credit(transfer, actor=accountant, amount="20", date=MAR, method="cheque")
    assert residual(transfer, MAR) == D("30.00")
    assert queries.balance(customer, MAR) == D("-30.00")
    # What is left can still pay a later invoice.
    fb = invoice(company, customer, "30.00", date=APR, reference="FA-2")
    services.allocate(actor=accountant, debit_item=fb, credit_item=transfer, amount=D("30.00"))
    assert queries.balance(customer, APR) == D(0)


def test_a_credit_notes_residual_is_refunded(company, customer, clerk, accountant):
    fa = invoice(company, customer, "80.00")
    note = credit_note(company, customer, "120.00")
    services.allocate(
        actor=clerk, debit_item=fa, credit_item=note, amount=D("80.00"), rule="credit_note"
    )
    assert queries.balance(customer, FEB) == D("-40.00")

    allocation = services.refund_credit(
        note, actor=accountant, amount="40.00", date=FEB, method="transfer", reference="AV-1"
    )

    assert allocation.rule == "refund" and allocation.credit_item.kind == "credit_note"
    assert residual(note, FEB) == D(0)
    assert queries.balance(customer, FEB) == D(0)
    assert Allocation.objects.filter(rule="refund").count() == 1


def test_an_admin_may_refund_a_clerk_and_an_auditor_may_not(
    company, customer, admin_user, clerk, auditor, overpaid
):
    _fa, transfer = overpaid
    before = ledger_state()
    for user in (clerk, auditor):
        with pytest.raises(PermissionDenied):
            services.refund_credit(transfer, actor=user, amount="1", date=MAR, method="cash")
    assert ledger_state() == before
    services.refund_credit(transfer, actor=admin_user, amount="1", date=MAR, method="cash")


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"amount": "0"}, "amount", "positive"),
        ({"amount": "-5"}, "amount", "positive"),
        ({"amount": "abc"}, "amount", "invalid"),
        ({"amount": "1.005"}, "amount", "precision"),
        ({"amount": "50.01"}, "amount", "exceeds_residual"),
        ({"date": JAN}, "date", "before_document"),
        ({"date": "05/03/2026"}, "date", "invalid"),
        ({"method": "bitcoin"}, "method", "unknown"),
        ({"method": ""}, "method", "unknown"),
        ({"reference": "x" * 101}, "reference", "too_long"),
    ],
)
def test_bad_refunds_are_refused_and_change_nothing(
    company, customer, accountant, overpaid, changes, field, rule
):
    _fa, transfer = overpaid
    arguments = {"amount": "50.00", "date": MAR, "method": "transfer", "reference": ""} | changes
    before = ledger_state()
    with pytest.raises(InvalidInput) as error:
        services.refund_credit(transfer, actor=accountant, **arguments)
    assert [(e.field, e.rule) for e in error.value.errors] == [(field, rule)]
    assert ledger_state() == before


def test_every_bad_field_of_a_refund_is_named_at_once(company, customer, accountant, overpaid):
    _fa, transfer = overpaid
    before = ledger_state()
    with pytest.raises(InvalidInput) as error:
        services.refund_credit(
            transfer, actor=accountant, amount="-1", date=JAN, method="bitcoin", reference=""
        )
    assert [(e.field, e.rule) for e in error.value.errors] == [
        ("amount", "positive"),
        ("method", "unknown"),
        ("date", "before_document"),
    ]
    assert ledger_state() == before


def test_a_debit_cannot_be_refunded(company, customer, accountant, overpaid):
    fa, _transfer = overpaid
    before = ledger_state()
    with pytest.raises(InvalidInput) as error:
        services.refund_credit(fa, actor=accountant, amount="1", date=MAR, method="cash")
    assert error.value.errors[0].rule == "not_credit"
    assert ledger_state() == before


def test_a_refund_never_takes_cash_a_later_allocation_uses(company, customer, clerk, accountant):
    """150.00 received in February; a 100.00 invoice of April takes 100.00 of it. As of
    March the whole 150.00 looks free, but a refund dated March may take only 50.00: more
    would leave the April allocation above what the payment holds."""
    transfer = payment(company, customer, "150.00", FEB)
    fa = invoice(company, customer, "100.00", date=APR)
    services.allocate(actor=clerk, debit_item=fa, credit_item=transfer, amount=D("100.00"))
    assert residual(transfer, MAR) == D("150.00")
    before = ledger_state()
    with pytest.raises(InvalidInput) as error:
        services.refund_credit(transfer, actor=accountant, amount="60", date=MAR, method="cash")
    assert (error.value.errors[0].rule, error.value.errors[0].field) == (
        "exceeds_residual",
        "amount",
    )
    assert "(50.00)" in error.value.errors[0].message
    services.refund_credit(transfer, actor=accountant, amount="50", date=MAR, method="cash")
    with pytest.raises(Conflict) as settled:
        services.refund_credit(transfer, actor=accountant, amount="1", date=MAR, method="cash")
    assert settled.value.errors[0].rule == "settled"
    assert ledger_state()[0] == before[0] + 1


def test_a_refunds_allocation_can_be_reversed_to_match_it_elsewhere(
    company, customer, accountant, overpaid
):
    _fa, transfer = overpaid
    allocation = services.refund_credit(
        transfer, actor=accountant, amount="50", date=MAR, method="transfer"
    )
    services.reverse_allocation(allocation, actor=accountant, date=APR)
    # Un-matched, both stay open and the balance is unchanged.
    assert queries.balance(customer, APR) == D(0)
    assert residual(transfer, APR) == D(50) and residual(allocation.debit_item, APR) == D(50)


# ----------------------------------------------------------------------------- write-off


def test_write_off_is_refused_in_a_closed_month_and_before_its_item(
    company, customer, clerk, accountant
):
    company.write_off_tolerance = D("1.00")
    company.save()
    fa = invoice(company, customer, "100.00")
    services.allocate(
        actor=clerk, debit_item=fa, credit_item=payment(company, customer, "99.50"), amount=D(99.5)
    )
    services.close_period(company, actor=accountant, year=2026, month=3)
    before = ledger_state()
    for date, rule in ((MAR, "closed_period"), (datetime.date(2026, 1, 9), "before_document")):
        with pytest.raises(InvalidInput) as error:
            services.write_off_residual(fa, actor=clerk, reason="Frais bancaires", date=date)
        assert [(e.field, e.rule) for e in error.value.errors] == [("date", rule)]
    assert ledger_state() == before
    allocation = services.write_off_residual(fa, actor=clerk, reason="Frais bancaires", date=APR)
    assert allocation.amount == D("0.50") and allocation.credit_item.reference == "Frais bancaires"
    assert queries.invoice_status(fa, APR)[0] == "paid"


def test_write_off_of_a_settled_invoice_is_a_conflict(company, customer, clerk):
    fa = invoice(company, customer, "10.00")
    services.allocate(
        actor=clerk, debit_item=fa, credit_item=payment(company, customer, "10"), amount=D(10)
    )
    with pytest.raises(Conflict) as error:
        services.write_off_residual(fa, actor=clerk, reason="Arrondi", date=FEB)
    assert error.value.errors[0].rule == "settled"


# ----------------------------------------------------------------------------- periods


def test_a_closed_month_refuses_items_allocations_reversals_refunds_and_write_offs(
    company, customer, clerk, accountant
):
    company.write_off_tolerance = D("1.00")
    company.save()
    fa = invoice(company, customer, "100.00")
    transfer = payment(company, customer, "150.00")
    allocation = services.allocate(
        actor=clerk, debit_item=fa, credit_item=transfer, amount=D("99.40")
    )
    services.close_period(company, actor=accountant, year=2026, month=2)
    before = ledger_state()
    attempts = {
        "item": lambda: payment(company, customer, "5.00", datetime.date(2026, 2, 28)),
        "allocation": lambda: services.allocate(
            actor=clerk, debit_item=fa, credit_item=transfer, amount=D("0.10")
        ),
        "reversal": lambda: services.reverse_allocation(allocation, actor=clerk, date=FEB),
        "refund": lambda: services.refund_credit(
            transfer, actor=accountant, amount="10", date=FEB, method="transfer"
        ),
        "write-off": lambda: services.write_off_residual(
            fa, actor=clerk, reason="Arrondi", date=datetime.date(2026, 2, 20)
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(InvalidInput) as error:
            attempt()
        assert error.value.errors[0].rule == "closed_period", name
        assert "2026-02" in error.value.errors[0].message
    assert ledger_state() == before
    # March is open: the same operations dated there go through.
    services.refund_credit(transfer, actor=accountant, amount="10", date=MAR, method="transfer")
    services.write_off_residual(fa, actor=clerk, reason="Arrondi", date=MAR)
    assert queries.invoice_status(fa, MAR)[0] == "paid"


def test_closing_and_reopening_are_audited_with_who_and_when(company, accountant):
    period = services.close_period(company, actor=accountant, year=2026, month=1)
    assert (period.closed_by, str(period)) == (accountant, "2026-01")
    services.reopen_period(company, actor=accountant, year="2026", month="1")
    assert not ClosedPeriod.objects.exists()
    events = list(
        AuditEvent.objects.filter(action__startswith="ledger.period").values_list(
            "action", "actor", "company", "before", "after"
        )
    )
    assert events == [
        ("ledger.period.close", accountant.pk, company.pk, None, {"year": 2026, "month": 1}),
        ("ledger.period.reopen", accountant.pk, company.pk, {"year": 2026, "month": 1}, None),
    ]


@pytest.mark.parametrize(
    ("year", "month", "field", "rule"),
    [
        (2026, 13, "month", "invalid"),
        (2026, 0, "month", "invalid"),
        (26, 1, "year", "invalid"),
        ("x", 1, "month", "invalid"),
    ],
)
def test_bad_months_are_refused(company, accountant, year, month, field, rule):
    with pytest.raises(InvalidInput) as error:
        services.close_period(company, actor=accountant, year=year, month=month)
    assert [(e.field, e.rule) for e in error.value.errors] == [(field, rule)]
    assert not ClosedPeriod.objects.exists() and not AuditEvent.objects.exists()


def test_reopening_an_open_month_or_closing_twice_is_a_conflict(company, accountant):
    with pytest.raises(Conflict):
        services.reopen_period(company, actor=accountant, year=2026, month=1)
    services.close_period(company, actor=accountant, year=2026, month=1)
    before = AuditEvent.objects.count()
    with pytest.raises(BusinessError) as error:
        services.close_period(company, actor=accountant, year=2026, month=1)
    assert error.value.status == 409 and AuditEvent.objects.count() == before


def test_only_accountants_and_admins_close_or_reopen(company, clerk, auditor, accountant):
    for user in (clerk, auditor):
        with pytest.raises(PermissionDenied):
            services.close_period(company, actor=user, year=2026, month=1)
    services.close_period(company, actor=accountant, year=2026, month=1)
    for user in (clerk, auditor):
        with pytest.raises(PermissionDenied):
            services.reopen_period(company, actor=user, year=2026, month=1)
    assert ClosedPeriod.objects.count() == 1
