"""Customer actions: validated before writing, audited, and all-or-nothing."""

from decimal import Decimal

import pytest

from ardoise.audit.models import AuditEvent
from ardoise.core.errors import InvalidInput
from ardoise.parties.models import Contact, Customer
from ardoise.parties.queries import search_customers
from ardoise.parties.services import (
    add_contact,
    create_customer,
    customer_snapshot,
    deactivate_customer,
    reactivate_customer,
    remove_contact,
    update_contact,
    update_customer,
)

from .factories import CompanyFactory


def valid_data(**overrides):
    data = {
        "code": "C001",
        "legal_name": "Boulangerie Dupont SARL",
        "country": "FR",
        "currency": "EUR",
        "email": "compta@dupont.example",
        "identifiers": {"siren": "732 829 320", "vat": "FR 44 732829320"},
        "billing_line1": "1 place du Marché",
        "billing_postal_code": "69001",
        "billing_city": "Lyon",
        "payment_terms_days": 45,
        "payment_terms_end_of_month": True,
        "credit_limit": "15000.50",
    }
    return data | overrides


def fields_of(error: InvalidInput) -> dict[str, str]:
    return {e.field: e.rule for e in error.errors}


@pytest.mark.django_db
class TestCreateCustomer:
    def test_creates_normalized_customer_and_audit_event(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())

        customer.refresh_from_db()
        assert customer.company == company
        assert customer.identifiers == {"siren": "732829320", "vat": "FR44732829320"}
        assert customer.identifiers_text == "732829320 FR44732829320"
        assert customer.credit_limit == Decimal("15000.50")
        assert customer.billing_country == "FR"
        assert customer.language == company.language
        event = AuditEvent.objects.get(action="customer.create")
        assert event.actor_id == clerk.pk
        assert event.object_id == str(customer.pk)
        assert event.company_id == company.pk
        assert event.after["code"] == "C001"
        assert event.after["credit_limit"] == "15000.50"
        assert event.after["identifiers"]["siren"] == "732829320"

    def test_snapshot_is_json_ready_with_the_documented_keys(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())
        customer.refresh_from_db()
        snapshot = customer_snapshot(customer)
        assert set(snapshot) == {
            "code",
            "legal_name",
            "trade_name",
            "country",
            "language",
            "currency",
            "email",
            "phone",
            "identifiers",
            "billing_address",
            "shipping_address",
            "payment_terms",
            "credit_limit",
            "business_line",
        }
        assert snapshot["billing_address"] == {
            "line1": "1 place du Marché",
            "line2": "",
            "postal_code": "69001",
            "city": "Lyon",
            "country": "FR",
        }
        assert snapshot["payment_terms"] == {"days": 45, "end_of_month": True}
        assert snapshot["credit_limit"] == "15000.50"

    def test_all_errors_are_reported_at_once_and_nothing_is_written(self, company, clerk):
        data = valid_data(
            code="",
            legal_name=" ",
            country="XX",
            currency="EURO",
            language="de",
            email="not-an-email",
            identifiers={"siren": "732829321", "vat": "FR00732829320"},
            payment_terms_days=400,
            credit_limit="-1",
            billing_country="ZZ",
        )
        with pytest.raises(InvalidInput) as raised:
            create_customer(company, actor=clerk, **data)

        assert fields_of(raised.value) == {
            "code": "required",
            "legal_name": "required",
            "country": "iso3166",
            "currency": "iso4217",
            "language": "choice",
            "email": "email",
            "identifiers.siren": "checksum",
            "identifiers.vat": "checksum",
            "payment_terms_days": "range",
            "credit_limit": "min",
            "billing_country": "iso3166",
        }
        assert Customer.objects.count() == 0
        assert AuditEvent.objects.count() == 0

    def test_floats_are_refused_for_the_credit_limit(self, company, clerk):
        with pytest.raises(InvalidInput) as raised:
            create_customer(company, actor=clerk, **valid_data(credit_limit=1500.5))
        assert fields_of(raised.value) == {"credit_limit": "not_float"}

    def test_credit_limit_cannot_have_more_decimals_than_the_currency(self, clerk):
        company = CompanyFactory(country="NE", currency="XOF")
        with pytest.raises(InvalidInput) as raised:
            create_customer(
                company,
                actor=clerk,
                **valid_data(country="NE", currency="XOF", identifiers={}, credit_limit="10.5"),
            )
        assert fields_of(raised.value) == {"credit_limit": "decimals"}

    def test_code_is_unique_per_company_only(self, company, other_company, clerk):
        create_customer(company, actor=clerk, **valid_data())
        with pytest.raises(InvalidInput) as raised:
            create_customer(company, actor=clerk, **valid_data(legal_name="Autre"))
        assert fields_of(raised.value) == {"code": "unique"}
        create_customer(other_company, actor=clerk, **valid_data())
        assert Customer.objects.filter(code="C001").count() == 2

    def test_unknown_fields_are_refused(self, company, clerk):
        with pytest.raises(InvalidInput) as raised:
            create_customer(company, actor=clerk, **valid_data(colour="blue"))
        assert fields_of(raised.value) == {"colour": "unknown"}

    def test_algerian_and_nigerien_customers(self, company, clerk):
        algerian = create_customer(
            company,
            actor=clerk,
            **valid_data(
                code="DZ1",
                country="DZ",
                currency="DZD",
                language="ar",
                identifiers={
                    "nif": "408 020 000 150 039",
                    "nis": "098716010012345",
                    "rc": "RC 16/00 - 0123456 B 19",
                    "ai": "16011234567",
                },
            ),
        )
        assert algerian.identifiers["rc"] == "16/00-0123456B19"
        nigerien = create_customer(
            company,
            actor=clerk,
            **valid_data(
                code="NE1",
                country="NE",
                currency="XOF",
                credit_limit="1000000",
                identifiers={"nif": "4382 R", "rccm": "RCCM NE-NIM-2019-B-1234"},
            ),
        )
        assert nigerien.identifiers == {"nif": "4382/R", "rccm": "NE-NIM-2019-B-1234"}

    def test_contacts_can_be_created_with_the_customer(self, company, clerk):
        customer = create_customer(
            company,
            actor=clerk,
            contacts=[{"name": "Anne Martin", "roles": ["billing"], "email": "anne@x.example"}],
            **valid_data(),
        )
        assert list(customer.contacts.values_list("name", "roles")) == [
            ("Anne Martin", ["billing"])
        ]

    def test_a_bad_contact_refuses_the_whole_creation(self, company, clerk):
        with pytest.raises(InvalidInput) as raised:
            create_customer(
                company,
                actor=clerk,
                contacts=[{"name": "", "email": "bad", "roles": ["boss"]}],
                **valid_data(code=""),
            )
        assert fields_of(raised.value) == {
            "code": "required",
            "contacts.0.name": "required",
            "contacts.0.email": "email",
            "contacts.0.roles": "choice",
        }
        assert Customer.objects.count() == 0
        assert Contact.objects.count() == 0


@pytest.mark.django_db
class TestUpdateCustomer:
    def test_update_changes_only_given_fields_and_audits_before_after(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())
        update_customer(
            customer, actor=clerk, trade_name="Dupont", identifiers={"siret": "73282932000074"}
        )

        customer.refresh_from_db()
        assert customer.trade_name == "Dupont"
        assert customer.legal_name == "Boulangerie Dupont SARL"
        assert customer.identifiers == {"siret": "73282932000074"}
        assert customer.identifiers_text == "73282932000074"
        event = AuditEvent.objects.get(action="customer.update")
        assert event.before["trade_name"] == ""
        assert event.after["trade_name"] == "Dupont"
        assert event.before["identifiers"] == {"siren": "732829320", "vat": "FR44732829320"}

    def test_invalid_update_changes_nothing(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())
        with pytest.raises(InvalidInput) as raised:
            update_customer(customer, actor=clerk, legal_name="Nouveau nom", country="France")
        assert fields_of(raised.value) == {"country": "iso3166"}
        customer.refresh_from_db()
        assert customer.legal_name == "Boulangerie Dupont SARL"
        assert AuditEvent.objects.filter(action="customer.update").count() == 0

    def test_an_update_that_changes_nothing_is_not_audited(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())
        update_customer(customer, actor=clerk, credit_limit="15000.5")
        assert AuditEvent.objects.filter(action="customer.update").count() == 0

    def test_deactivate_and_reactivate(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())
        deactivate_customer(customer, actor=clerk)
        deactivate_customer(customer, actor=clerk)
        customer.refresh_from_db()
        assert customer.is_active is False
        assert AuditEvent.objects.filter(action="customer.deactivate").count() == 1
        reactivate_customer(customer, actor=clerk)
        customer.refresh_from_db()
        assert customer.is_active is True


@pytest.mark.django_db
class TestContacts:
    def test_add_update_remove_are_audited(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())
        contact = add_contact(
            customer, actor=clerk, name="Anne", roles=["accounting", "billing"], email="a@x.fr"
        )
        assert contact.company_id == company.pk
        assert contact.roles == ["billing", "accounting"]
        update_contact(contact, actor=clerk, phone="+33 1 23 45 67 89")
        contact.refresh_from_db()
        assert contact.phone == "+33 1 23 45 67 89"
        remove_contact(contact, actor=clerk)
        assert not Contact.objects.exists()
        actions = list(
            AuditEvent.objects.filter(action__startswith="customer.contact").values_list(
                "action", flat=True
            )
        )
        assert actions == [
            "customer.contact.add",
            "customer.contact.update",
            "customer.contact.remove",
        ]

    def test_invalid_contact_is_refused(self, company, clerk):
        customer = create_customer(company, actor=clerk, **valid_data())
        with pytest.raises(InvalidInput) as raised:
            add_contact(customer, actor=clerk, name="", email="nope")
        assert fields_of(raised.value) == {"name": "required", "email": "email"}
        assert not Contact.objects.exists()


@pytest.mark.django_db
def test_search_matches_codes_names_identifiers_and_contact_emails(company, clerk):
    dupont = create_customer(company, actor=clerk, **valid_data())
    other = create_customer(
        company,
        actor=clerk,
        **valid_data(
            code="C002",
            legal_name="Transports Martin",
            trade_name="TransMartin",
            email="",
            identifiers={"siren": "552100554"},
        ),
    )
    add_contact(other, actor=clerk, name="Paul", email="paul@martin.example")
    add_contact(other, actor=clerk, name="Léa", email="lea@martin.example")
    customers = Customer.objects.filter(company=company)

    def codes(q):
        return sorted(search_customers(customers, q).values_list("code", flat=True))

    assert codes("c00") == ["C001", "C002"]
    assert codes("dupont") == ["C001"]
    assert codes("transmartin") == ["C002"]
    assert codes("732 829 320") == ["C001"]
    assert codes("fr44732829320") == ["C001"]
    assert codes("compta@dupont") == ["C001"]
    assert codes("martin.example") == ["C002"]
    assert codes("") == ["C001", "C002"]
    assert codes("nothing") == []
    assert dupont.pk != other.pk
