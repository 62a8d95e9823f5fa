"""Companies, users, roles and tokens: administration actions are validated and audited."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ardoise.audit.models import AuditEvent
from ardoise.companies.services import (
    add_bank_account,
    create_company,
    create_token,
    revoke_token,
    user_for_token,
)
from ardoise.core.errors import InvalidInput
from ardoise.core.models import BankAccount, Company, Membership

from .factories import CompanyFactory, member


def test_create_company_is_audited(db):
    company = create_company(
        actor=None, code="acme", legal_name="Acme SAS", country="fr", currency="eur"
    )
    assert (company.country, company.currency) == ("FR", "EUR")
    assert AuditEvent.objects.filter(action="company.create", object_id=str(company.pk)).exists()


def test_bad_company_names_each_field_and_creates_nothing(db):
    with pytest.raises(InvalidInput) as error:
        create_company(
            actor=None,
            code="",
            legal_name="",
            country="France",
            currency="EURO",
            invoice_number_pattern="FA-{year}",
        )
    fields = {e.field for e in error.value.errors}
    assert fields == {"code", "legal_name", "country", "currency", "invoice_number_pattern"}
    assert Company.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_bank_account_iban_and_bic_are_checked(company):
    account = add_bank_account(
        company, actor=None, label="Main", iban="FR76 3000 6000 0112 3456 7890 189", bic="AGRIFRPP"
    )
    assert account.iban == "FR7630006000011234567890189"
    assert account.is_default
    with pytest.raises(InvalidInput) as error:
        add_bank_account(
            company, actor=None, label="Bad", iban="FR7630006000011234567890188", bic="ZZ"
        )
    assert {e.field for e in error.value.errors} == {"iban", "bic"}
    assert BankAccount.objects.filter(company=company).count() == 1


def test_tokens_are_stored_hashed_and_can_be_revoked(company):
    user = member(company, "clerk")
    token, raw = create_token(actor=None, user=user)
    assert raw not in token.key_hash and len(token.key_hash) == 64
    assert user_for_token(raw) == user
    assert user_for_token(raw + "x") is None
    revoke_token(token, actor=user)
    assert user_for_token(raw) is None


def test_createuser_and_create_token_commands(company, capsys):
    call_command(
        "createuser", username="nadia", password="pw-123456", company=company.code, role="approver"
    )
    assert Membership.objects.get(user__username="nadia").role == "approver"
    call_command("create_token", "nadia")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert user_for_token(raw).username == "nadia"


def test_createuser_refuses_unknown_company(db):
    with pytest.raises(CommandError, match="No company"):
        call_command("createuser", username="x", password="y", company="nope", role="clerk")


def test_api_lists_only_the_users_companies(api_as, company):
    CompanyFactory(code="not-mine")
    user = member(company, "auditor")
    response = api_as(user).get("/companies")
    assert response.status_code == 200
    assert [(c["code"], c["role"]) for c in response.json()] == [(company.code, "auditor")]


def test_api_refuses_missing_or_bad_token(client, db):
    response = client.get("/api/v1/companies")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "Authorization"
    bad = client.get("/api/v1/companies", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
