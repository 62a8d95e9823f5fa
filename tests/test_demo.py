"""`ardoise demo` builds one company per jurisdiction through the real services: users for
each role, customers with valid identifiers, issued invoices with gapless numbers, and an
audit trail that verifies."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ardoise.core.models import Company, Membership
from ardoise.invoicing.models import Invoice
from ardoise.ledger.queries import aged_balance, balance
from ardoise.payments.models import Payment


def company_customers(company):
    from ardoise.parties.models import Customer

    return Customer.objects.filter(company=company)


def test_demo_builds_four_jurisdictions(db, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo", customers=3, invoices=4)
    assert sorted(Company.objects.values_list("code", flat=True)) == [
        "demo-dz",
        "demo-es",
        "demo-fr",
        "demo-ne",
    ]
    for company in Company.objects.all():
        roles = set(Membership.objects.filter(company=company).values_list("role", flat=True))
        assert roles == {"admin", "clerk", "approver", "accountant", "auditor"}
        issued = Invoice.objects.filter(company=company, status="issued").order_by(
            "sequence_number"
        )
        assert [i.sequence_number for i in issued] == list(range(1, issued.count() + 1))
        assert all(i.pdf_sha256 for i in issued)
        assert Payment.objects.filter(company=company).exists()
        aged = aged_balance(company, as_of=timezone.localdate())
        assert sum(row.total for row in aged) == sum(balance(c) for c in company_customers(company))
    assert "clerk-fr" in capsys.readouterr().out
    call_command("verify_audit")


def test_demo_if_empty_does_nothing_the_second_time(db, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo", customers=1, invoices=0)
    call_command("demo", customers=1, invoices=0, if_empty=True)
    assert "already present" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("demo", customers=1, invoices=0)


class _AlwaysPartly:
    """A random source under which every invoice is paid by transfer, 60 % of it."""

    def random(self) -> float:
        return 0.9

    def randint(self, low: int, high: int) -> int:
        return low


def test_demo_partial_payments_respect_a_currency_without_decimals(db, tmp_path, settings):
    from decimal import Decimal

    from ardoise.demo.generate import clerk_of, make_payments

    settings.MEDIA_ROOT = tmp_path
    call_command("demo", customers=3, invoices=6)
    company = Company.objects.get(code="demo-ne")
    assert company.currency == "XOF"
    issued = list(Invoice.objects.filter(company=company, status="issued", kind="invoice"))
    # The case that once failed: 60 % of a total with units that leave a fraction of a franc.
    assert any((i.total * Decimal("0.6")) % 1 for i in issued)
    before = Payment.objects.filter(company=company).count()
    make_payments(company, clerk_of(company), issued, _AlwaysPartly(), timezone.localdate())
    made = Payment.objects.filter(company=company).order_by("-id")[: len(issued)]
    assert Payment.objects.filter(company=company).count() > before
    assert all(payment.amount == payment.amount.to_integral_value() for payment in made)
