"""A new installation starts with `ardoise createcompany`: the company, its country's tax
codes and its first administrator, all or nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ardoise.catalog.models import TaxCode
from ardoise.core.models import Company, Membership


def test_createcompany_with_tax_codes_and_admin(db, capsys):
    call_command(
        "createcompany",
        code="acme-es",
        legal_name="Acme Facturación S.L.",
        country="ES",
        currency="EUR",
        language="es",
        admin="ana",
        password="s3cret-pass",
    )
    company = Company.objects.get(code="acme-es")
    assert TaxCode.objects.filter(company=company, code="ES-S21").exists()
    assert Membership.objects.get(company=company, user__username="ana").role == "admin"
    assert "acme-es" in capsys.readouterr().out


def test_bad_company_is_refused_and_nothing_is_left(db):
    with pytest.raises(CommandError, match="currency"):
        call_command("createcompany", code="bad", legal_name="Bad", country="FR", currency="EURO")
    with pytest.raises(CommandError, match="--password"):
        call_command(
            "createcompany", code="half", legal_name="Half", country="FR", currency="EUR", admin="x"
        )
    assert not Company.objects.exists()
    assert not TaxCode.objects.exists()
