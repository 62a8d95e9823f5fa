"""Customers through the HTTP API, as an integration partner would use it."""

import pytest

from ardoise.audit.models import AuditEvent
from ardoise.parties.models import Customer

from .factories import CustomerFactory, member

PAYLOAD = {
    "code": "C100",
    "name": "Sonatrach Distribution SPA",
    "country": "DZ",
    "currency": "DZD",
    "language": "ar",
    "email": "factures@sd.example",
    "identifiers": {"nif": "408 020 000 150 039", "rc": "16/00-0123456B19"},
    "payment_terms": {"days": 60, "end_of_month": True},
    "credit_limit": "2500000.00",
    "billing_address": {"line1": "Route nationale 5", "city": "Alger", "postal_code": "16000"},
    "business_line": "energy",
    "contacts": [{"name": "Karim B.", "roles": ["billing"], "email": "karim@sd.example"}],
}


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["rule"] for e in response.json()["errors"]}


@pytest.mark.django_db
class TestCreate:
    def test_create_returns_the_customer_in_the_contract_shape(self, clerk_api, company):
        response = clerk_api.post("/customers", PAYLOAD)

        assert response.status_code == 201, response.content
        body = response.json()
        customer = Customer.objects.get()
        assert body["id"] == customer.pk
        assert body["company"] == company.pk
        assert body["code"] == "C100"
        assert body["name"] == body["legal_name"] == "Sonatrach Distribution SPA"
        assert body["identifiers"] == {"nif": "408020000150039", "rc": "16/00-0123456B19"}
        assert body["payment_terms"] == {"days": 60, "end_of_month": True}
        assert body["credit_limit"] == "2500000.00"
        assert body["billing_address"] == {
            "line1": "Route nationale 5",
            "line2": "",
            "postal_code": "16000",
            "city": "Alger",
            "country": "DZ",
        }
        assert body["shipping_address"]["line1"] == ""
        assert body["is_active"] is True
        assert [(c["name"], c["roles"]) for c in body["contacts"]] == [("Karim B.", ["billing"])]
        assert AuditEvent.objects.filter(action="customer.create").count() == 1

    def test_invalid_input_is_422_naming_every_field_and_writes_nothing(self, clerk_api):
        payload = PAYLOAD | {
            "code": "",
            "country": "Algeria",
            "identifiers": {"siren": "123"},
            "payment_terms": {"days": 500},
            "credit_limit": "-5",
        }
        response = clerk_api.post("/customers", payload)

        assert response.status_code == 422
        assert errors_of(response) == {
            "code": "required",
            "country": "iso3166",
            "identifiers.siren": "length",
            "payment_terms_days": "range",
            "credit_limit": "min",
        }
        assert Customer.objects.count() == 0
        assert AuditEvent.objects.filter(action__startswith="customer").count() == 0

    def test_a_float_credit_limit_is_refused(self, clerk_api):
        response = clerk_api.post("/customers", PAYLOAD | {"credit_limit": 12.5})
        assert response.status_code == 422
        assert errors_of(response) == {"credit_limit": "not_float"}
        assert Customer.objects.count() == 0

    def test_auditor_cannot_create(self, company, auditor, api_as):
        response = api_as(auditor).post("/customers", PAYLOAD)
        assert response.status_code == 403
        assert response.json()["errors"][0]["rule"] == "forbidden"
        assert Customer.objects.count() == 0

    def test_company_must_be_given_when_the_user_has_several(
        self, company, other_company, clerk, api_as
    ):
        member_of_other = other_company.memberships.create(user=clerk, role="clerk")
        api = api_as(clerk)
        response = api.post("/customers", PAYLOAD)
        assert response.status_code == 422
        assert errors_of(response) == {"company": "required"}
        response = api.post("/customers", PAYLOAD | {"company": other_company.pk})
        assert response.status_code == 201
        assert Customer.objects.get().company == other_company
        assert member_of_other.pk

    def test_idempotency_key_replay_returns_the_same_body_and_creates_one_row(self, clerk_api):
        first = clerk_api.post("/customers", PAYLOAD, **{"Idempotency-Key": "abc-123"})
        second = clerk_api.post("/customers", PAYLOAD, **{"Idempotency-Key": "abc-123"})

        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert second["Idempotent-Replayed"] == "true"
        assert Customer.objects.count() == 1
        assert AuditEvent.objects.filter(action="customer.create").count() == 1


@pytest.mark.django_db
class TestRead:
    def test_list_is_paginated_with_a_cursor_newest_first(self, clerk_api, company):
        customers = CustomerFactory.create_batch(5, company=company)
        first = clerk_api.get("/customers", limit=2)
        assert first.status_code == 200
        page1 = first.json()
        assert [c["id"] for c in page1["items"]] == [customers[4].pk, customers[3].pk]
        page2 = clerk_api.get("/customers", limit=2, cursor=page1["next_cursor"]).json()
        assert [c["id"] for c in page2["items"]] == [customers[2].pk, customers[1].pk]
        page3 = clerk_api.get("/customers", limit=2, cursor=page2["next_cursor"]).json()
        assert [c["id"] for c in page3["items"]] == [customers[0].pk]
        assert page3["next_cursor"] is None

    def test_list_filters_and_search(self, clerk_api, company, other_company):
        clerk_api.post("/customers", PAYLOAD)
        CustomerFactory(company=company, code="FR1", business_line="retail")
        CustomerFactory(company=company, code="FR2", is_active=False)
        CustomerFactory(company=other_company, code="HIDDEN", legal_name="Sonatrach Other")

        def codes(**params):
            response = clerk_api.get("/customers", **params)
            assert response.status_code == 200
            return sorted(c["code"] for c in response.json()["items"])

        assert codes() == ["C100", "FR1", "FR2"]
        assert codes(q="sonatrach") == ["C100"]
        assert codes(q="408020000150039") == ["C100"]
        assert codes(q="karim@") == ["C100"]
        assert codes(country="dz") == ["C100"]
        assert codes(business_line="retail") == ["FR1"]
        assert codes(active="false") == ["FR2"]
        assert codes(active="true") == ["C100", "FR1"]

    def test_bad_cursor_is_422(self, clerk_api):
        response = clerk_api.get("/customers", cursor="!!!")
        assert response.status_code == 422
        assert errors_of(response) == {"cursor": "invalid"}

    def test_get_one(self, clerk_api):
        created = clerk_api.post("/customers", PAYLOAD).json()
        response = clerk_api.get(f"/customers/{created['id']}")
        assert response.status_code == 200
        assert response.json() == created

    def test_another_companys_customer_is_404(self, clerk_api, other_company):
        foreign = CustomerFactory(company=other_company)
        assert clerk_api.get(f"/customers/{foreign.pk}").status_code == 404
        response = clerk_api.patch(f"/customers/{foreign.pk}", {"legal_name": "Pirate"})
        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.legal_name != "Pirate"


@pytest.mark.django_db
class TestPatch:
    def test_partial_update_merges_identifiers_and_address(self, clerk_api):
        created = clerk_api.post("/customers", PAYLOAD).json()
        response = clerk_api.patch(
            f"/customers/{created['id']}",
            {
                "trade_name": "SD",
                "identifiers": {"rc": None, "nis": "098716010012345"},
                "billing_address": {"line2": "Lot 12"},
                "payment_terms": {"days": 30},
                "credit_limit": None,
            },
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["trade_name"] == "SD"
        assert body["name"] == "Sonatrach Distribution SPA"
        assert body["identifiers"] == {"nif": "408020000150039", "nis": "098716010012345"}
        assert body["billing_address"]["line1"] == "Route nationale 5"
        assert body["billing_address"]["line2"] == "Lot 12"
        assert body["payment_terms"] == {"days": 30, "end_of_month": True}
        assert body["credit_limit"] is None
        customer = Customer.objects.get()
        assert customer.identifiers_text == "408020000150039 098716010012345"
        assert AuditEvent.objects.filter(action="customer.update").count() == 1

    def test_invalid_patch_is_422_and_changes_nothing(self, clerk_api):
        created = clerk_api.post("/customers", PAYLOAD).json()
        response = clerk_api.patch(
            f"/customers/{created['id']}",
            {"name": "Changed", "currency": "XYZ", "email": "nope"},
        )
        assert response.status_code == 422
        assert errors_of(response) == {"currency": "iso4217", "email": "email"}
        assert clerk_api.get(f"/customers/{created['id']}").json() == created

    def test_auditor_cannot_patch(self, clerk_api, auditor, api_as):
        created = clerk_api.post("/customers", PAYLOAD).json()
        response = api_as(auditor).patch(f"/customers/{created['id']}", {"name": "Changed"})
        assert response.status_code == 403
        assert Customer.objects.get().legal_name == "Sonatrach Distribution SPA"
        assert AuditEvent.objects.filter(action="customer.update").count() == 0
        # the auditor may still read it
        assert api_as(auditor).get(f"/customers/{created['id']}").status_code == 200

    def test_contacts_routes(self, clerk_api, company):
        created = clerk_api.post("/customers", PAYLOAD).json()
        url = f"/customers/{created['id']}/contacts"
        response = clerk_api.post(url, {"name": "Nadia", "roles": ["accounting"]})
        assert response.status_code == 201
        contact_id = response.json()["id"]
        response = clerk_api.post(url, {"email": "bad"})
        assert response.status_code == 422
        assert errors_of(response) == {"name": "required", "email": "email"}
        response = clerk_api.patch(f"{url}/{contact_id}", {"phone": "+213 21 00 00 00"})
        assert response.status_code == 200
        assert response.json()["phone"] == "+213 21 00 00 00"
        response = clerk_api.client.delete(f"/api/v1{url}/{contact_id}")
        assert response.status_code == 204
        assert [
            c["name"] for c in clerk_api.get(f"/customers/{created['id']}").json()["contacts"]
        ] == ["Karim B."]

    def test_unauthenticated_is_401(self, client):
        response = client.get("/api/v1/customers")
        assert response.status_code == 401


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(
    clerk_api, company, django_assert_max_num_queries
):
    CustomerFactory.create_batch(3, company=company)
    member(company, "clerk")
    with django_assert_max_num_queries(8) as small:
        clerk_api.get("/customers")
    CustomerFactory.create_batch(30, company=company)
    with django_assert_max_num_queries(len(small.captured_queries)):
        clerk_api.get("/customers")
