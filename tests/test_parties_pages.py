"""Customer staff pages, through the Django test client as a clerk would click them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.audit.models import AuditEvent
from ardoise.parties.models import Contact, Customer

from .factories import CustomerFactory

FORM = {
    "code": "W001",
    "legal_name": "Quincaillerie Moreau",
    "trade_name": "",
    "country": "FR",
    "language": "fr",
    "currency": "EUR",
    "email": "moreau@example.fr",
    "phone": "",
    "business_line": "retail",
    "billing_line1": "3 rue Haute",
    "billing_postal_code": "44000",
    "billing_city": "Nantes",
    "billing_country": "",
    "payment_terms_days": "30",
    "credit_limit": "5000",
    "siren": "732 829 320",
    "vat": "",
}


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


@pytest.mark.django_db
class TestList:
    def test_list_search_and_filters(self, clerk_client, company, other_company):
        CustomerFactory(company=company, code="A1", legal_name="Alpha SA", country="FR")
        CustomerFactory(company=company, code="B2", legal_name="Beta SL", country="ES")
        CustomerFactory(company=company, code="C3", legal_name="Gamma", is_active=False)
        CustomerFactory(company=other_company, code="Z9", legal_name="Alpha Foreign")
        url = reverse("customers:list")

        def codes(**params):
            response = clerk_client.get(url, params)
            assert response.status_code == 200
            return [c.code for c in response.context["page"].object_list]

        assert codes() == ["A1", "B2", "C3"]
        assert codes(q="alpha") == ["A1"]
        assert codes(country="es") == ["B2"]
        assert codes(active="0") == ["C3"]
        assert codes(sort="-code") == ["C3", "B2", "A1"]
        assert codes(sort="name") == ["A1", "B2", "C3"]
        assert codes(sort="-country", active="1") == ["A1", "B2"]
        assert codes(sort="bogus") == ["A1", "B2", "C3"]
        page = clerk_client.get(url, {"q": "alpha"}).content.decode()
        assert "Alpha SA" in page
        assert "Alpha Foreign" not in page

    def test_pagination_is_fifty_per_page(self, clerk_client, company):
        CustomerFactory.create_batch(51, company=company)
        response = clerk_client.get(reverse("customers:list"))
        assert len(response.context["page"].object_list) == 50
        response = clerk_client.get(reverse("customers:list"), {"page": 2})
        assert len(response.context["page"].object_list) == 1

    def test_query_count_is_constant(self, clerk_client, company):
        CustomerFactory.create_batch(2, company=company)
        url = reverse("customers:list")
        clerk_client.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as few:
            clerk_client.get(url, {"q": "client"})
        CustomerFactory.create_batch(40, company=company)
        with CaptureQueriesContext(connection) as many:
            clerk_client.get(url, {"q": "client"})
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_login_required(self, client):
        response = client.get(reverse("customers:list"))
        assert response.status_code == 302


@pytest.mark.django_db
class TestCreateAndEdit:
    def test_create_customer_through_the_form(self, clerk_client, company):
        response = clerk_client.post(reverse("customers:create"), FORM)

        customer = Customer.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("customers:detail", args=[customer.pk])
        assert customer.company == company
        assert customer.identifiers == {"siren": "732829320"}
        assert str(customer.credit_limit) == "5000.0000"
        assert customer.billing_country == "FR"
        detail = clerk_client.get(response["Location"])
        assert detail.status_code == 200
        assert "Quincaillerie Moreau" in detail.content.decode()

    def test_service_errors_land_on_form_fields(self, clerk_client):
        data = FORM | {"code": "", "siren": "123456789", "email": "x", "credit_limit": "-3"}
        response = clerk_client.post(reverse("customers:create"), data)

        assert response.status_code == 200
        errors = response.context["form"].errors
        assert set(errors) == {"code", "siren", "email", "credit_limit"}
        assert "SIREN" in errors["siren"][0]
        assert Customer.objects.count() == 0

    def test_edit_keeps_identifiers_not_on_the_form(self, clerk_client, company, clerk):
        customer = CustomerFactory(company=company, identifiers={"cif": "B58378431"})
        form_page = clerk_client.get(reverse("customers:edit", args=[customer.pk]))
        assert form_page.status_code == 200
        data = FORM | {"code": customer.code, "legal_name": "Renamed", "siren": ""}
        response = clerk_client.post(reverse("customers:edit", args=[customer.pk]), data)
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.legal_name == "Renamed"
        assert customer.identifiers == {"cif": "B58378431"}
        assert AuditEvent.objects.filter(action="customer.update").count() == 1

    def test_auditor_cannot_create_or_edit(self, auditor_client, company):
        customer = CustomerFactory(company=company, legal_name="Original")
        assert auditor_client.get(reverse("customers:create")).status_code == 403
        assert auditor_client.post(reverse("customers:create"), FORM).status_code == 403
        response = auditor_client.post(
            reverse("customers:edit", args=[customer.pk]), FORM | {"legal_name": "Hacked"}
        )
        assert response.status_code == 403
        customer.refresh_from_db()
        assert customer.legal_name == "Original"
        assert Customer.objects.count() == 1
        assert not AuditEvent.objects.filter(action__startswith="customer").exists()
        # reading is allowed
        assert auditor_client.get(reverse("customers:list")).status_code == 200
        assert (
            auditor_client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
        )

    def test_another_companys_customer_is_404(self, clerk_client, other_company):
        foreign = CustomerFactory(company=other_company)
        assert clerk_client.get(reverse("customers:detail", args=[foreign.pk])).status_code == 404
        assert clerk_client.get(reverse("customers:edit", args=[foreign.pk])).status_code == 404


@pytest.mark.django_db
class TestContactsAndStatus:
    def test_add_and_remove_a_contact(self, clerk_client, company):
        customer = CustomerFactory(company=company)
        response = clerk_client.post(
            reverse("customers:contact-add", args=[customer.pk]),
            {"name": "Julie", "email": "julie@example.fr", "roles": ["billing", "accounting"]},
        )
        assert response.status_code == 302
        contact = Contact.objects.get()
        assert contact.roles == ["billing", "accounting"]
        assert "Julie" in clerk_client.get(response["Location"]).content.decode()

        response = clerk_client.post(
            reverse("customers:contact-delete", args=[customer.pk, contact.pk])
        )
        assert response.status_code == 302
        assert not Contact.objects.exists()

    def test_invalid_contact_shows_errors(self, clerk_client, company):
        customer = CustomerFactory(company=company)
        response = clerk_client.post(
            reverse("customers:contact-add", args=[customer.pk]), {"name": "", "email": "bad"}
        )
        assert response.status_code == 422
        assert set(response.context["contact_form"].errors) == {"name", "email"}
        assert not Contact.objects.exists()

    def test_auditor_cannot_touch_contacts(self, auditor_client, company, clerk):
        customer = CustomerFactory(company=company)
        contact = Contact.objects.create(company=company, customer=customer, name="Stay")
        add = reverse("customers:contact-add", args=[customer.pk])
        delete = reverse("customers:contact-delete", args=[customer.pk, contact.pk])
        assert auditor_client.post(add, {"name": "New"}).status_code == 403
        assert auditor_client.post(delete).status_code == 403
        assert list(Contact.objects.values_list("name", flat=True)) == ["Stay"]

    def test_deactivate_and_reactivate(self, clerk_client, company):
        customer = CustomerFactory(company=company)
        url = reverse("customers:set-active", args=[customer.pk])
        assert clerk_client.post(url).status_code == 302
        customer.refresh_from_db()
        assert customer.is_active is False
        clerk_client.post(url, {"active": "1"})
        customer.refresh_from_db()
        assert customer.is_active is True
