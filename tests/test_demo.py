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
