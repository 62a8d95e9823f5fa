"""The catalog through the HTTP API: products with cursor pagination, tax codes, errors that
name their field, and tenancy."""

import pytest

from ardoise.audit.models import AuditEvent
from ardoise.catalog.models import Product
from ardoise.catalog.services import seed_tax_codes

from .factories import ProductFactory, TaxCodeFactory


@pytest.fixture
def seeded(company, clerk):
    seed_tax_codes(company, actor=clerk)
    return company


def fields(response) -> dict[str, str]:
    return {e["field"]: e["rule"] for e in response.json()["errors"]}


def new_product(**overrides):
    return {
        "code": "DEV",
        "name": "Développement",
        "kind": "service",
        "unit": "HUR",
        "unit_price": "95.50",
        "tax_code": "FR-S20",
    } | overrides


def test_create_then_get_a_product(seeded, clerk_api):
    created = clerk_api.post("/products", new_product(description="Forfait"))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {
        "id": body["id"],
        "company": seeded.pk,
        "code": "DEV",
        "name": "Développement",
        "description": "Forfait",
        "kind": "service",
        "unit": "HUR",
        "unit_price": "95.5000",
        "tax_code": "FR-S20",
        "tax_code_id": body["tax_code_id"],
        "is_active": True,
    }
    fetched = clerk_api.get(f"/products/{body['id']}")
    assert fetched.status_code == 200 and fetched.json() == body


def test_bad_product_gets_422_naming_fields_and_nothing_changes(seeded, clerk_api):
    events = AuditEvent.objects.count()
    response = clerk_api.post(
        "/products", new_product(code="", unit="HOURS", unit_price="-3", tax_code="NOPE")
    )
    assert response.status_code == 422
    assert fields(response) == {
        "code": "required",
        "unit": "unece_rec20",
        "unit_price": "min_value",
        "tax_code": "unknown",
    }
    assert not Product.objects.exists()
    assert AuditEvent.objects.count() == events


def test_float_price_is_refused(seeded, clerk_api):
    response = clerk_api.post("/products", new_product(unit_price=95.5))
    assert response.status_code == 422
    assert fields(response) == {"unit_price": "decimal_string"}


def test_missing_fields_are_named(seeded, clerk_api):
    response = clerk_api.post("/products", {"code": "X"})
    assert response.status_code == 422
    assert {"name", "unit_price"} <= set(fields(response))


def test_list_filters_and_cursor(seeded, clerk_api, other_company):
    tax_code = TaxCodeFactory(company=seeded, code="T20")
    for n in range(5):
        ProductFactory(company=seeded, code=f"P{n}", name=f"Conseil {n}", tax_code=tax_code)
    ProductFactory(
        company=seeded, code="OLD", name="Ancien conseil", tax_code=tax_code, is_active=False
    )
    ProductFactory(company=other_company, code="THEIRS", name="Conseil ailleurs")

    first = clerk_api.get("/products", limit=3, active="true", q="conseil").json()
    assert [p["code"] for p in first["items"]] == ["P4", "P3", "P2"]
    second = clerk_api.get(
        "/products", limit=3, active="true", q="conseil", cursor=first["next_cursor"]
    ).json()
    assert [p["code"] for p in second["items"]] == ["P1", "P0"]
    assert second["next_cursor"] is None

    inactive = clerk_api.get("/products", active="false").json()
    assert [p["code"] for p in inactive["items"]] == ["OLD"]
    assert clerk_api.get("/products", cursor="garbage").status_code == 422


def test_list_has_no_n_plus_one(seeded, clerk_api, django_assert_max_num_queries):
    tax_code = TaxCodeFactory(company=seeded, code="T20")
    for n in range(20):
        ProductFactory(company=seeded, code=f"P{n}", tax_code=tax_code)
    with django_assert_max_num_queries(8):
        response = clerk_api.get("/products")
    assert len(response.json()["items"]) == 20


def test_patch_product(seeded, clerk_api):
    product_id = clerk_api.post("/products", new_product()).json()["id"]
    response = clerk_api.patch(
        f"/products/{product_id}", {"unit_price": "100", "tax_code": "FR-S10", "is_active": False}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["unit_price"] == "100.0000"
    assert response.json()["tax_code"] == "FR-S10"
    assert response.json()["is_active"] is False
    assert response.json()["name"] == "Développement"

    bad = clerk_api.patch(f"/products/{product_id}", {"unit": "", "name": ""})
    assert bad.status_code == 422
    assert fields(bad) == {"unit": "unece_rec20", "name": "required"}


def test_auditor_may_read_but_not_write(seeded, clerk_api, auditor, api_as):
    product_id = clerk_api.post("/products", new_product()).json()["id"]
    auditor_api = api_as(auditor)
    events = AuditEvent.objects.count()

    assert auditor_api.get(f"/products/{product_id}").status_code == 200
    created = auditor_api.post("/products", new_product(code="NEW"))
    patched = auditor_api.patch(f"/products/{product_id}", {"name": "Hacked"})

    assert (created.status_code, patched.status_code) == (403, 403)
    assert fields(created) == {"__all__": "forbidden"}
    assert Product.objects.get(pk=product_id).name == "Développement"
    assert not Product.objects.filter(code="NEW").exists()
    assert AuditEvent.objects.count() == events


def test_other_companys_product_is_not_found(seeded, clerk_api, other_company):
    theirs = ProductFactory(company=other_company)
    assert clerk_api.get(f"/products/{theirs.pk}").status_code == 404
    response = clerk_api.patch(f"/products/{theirs.pk}", {"name": "Mine"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name != "Mine"


def test_cannot_use_another_companys_tax_code(seeded, clerk_api, other_company):
    TaxCodeFactory(company=other_company, code="ELSEWHERE")
    response = clerk_api.post("/products", new_product(tax_code="ELSEWHERE"))
    assert response.status_code == 422
    assert fields(response) == {"tax_code": "unknown"}


def test_tax_codes_list_and_filters(seeded, clerk_api, other_company):
    TaxCodeFactory(company=other_company, code="HIDDEN")
    everything = clerk_api.get("/tax-codes").json()
    assert len(everything) == 10
    assert "HIDDEN" not in {t["code"] for t in everything}
    exempt = clerk_api.get("/tax-codes", country="fr", category="E").json()
    assert [t["code"] for t in exempt] == ["FR-E261", "FR-E293B"]
    franchise = exempt[1]
    assert franchise == {
        "id": franchise["id"],
        "company": seeded.pk,
        "code": "FR-E293B",
        "country": "FR",
        "category": "E",
        "rate": "0.0000",
        "exemption_reason": "TVA non applicable, art. 293 B du CGI",
        "exemption_reason_code": "VATEX-FR-FRANCHISE",
        "name": "Franchise en base de TVA",
        "is_active": True,
    }
    standard = clerk_api.get("/tax-codes", category="S").json()
    assert {t["rate"] for t in standard} == {"20.0000", "10.0000", "5.5000", "2.1000"}


def test_only_an_admin_creates_tax_codes(company, clerk_api, admin_user, api_as):
    payload = {"code": "FR-Z", "name": "Taux zéro", "category": "Z", "rate": "0"}
    assert clerk_api.post("/tax-codes", payload).status_code == 403
    admin_api = api_as(admin_user)
    created = admin_api.post("/tax-codes", payload)
    assert created.status_code == 201, created.json()
    assert created.json()["category"] == "Z"
    bad = admin_api.post("/tax-codes", {**payload, "code": "FR-E", "category": "E", "rate": "5"})
    assert fields(bad) == {"rate": "zero_rate", "exemption_reason": "required"}
    assert admin_api.post("/tax-codes/seed", {}).json() == {"created": 10}
    assert admin_api.post("/tax-codes/seed", {}).json() == {"created": 0}


def test_idempotent_create(seeded, clerk_api):
    first = clerk_api.post("/products", new_product(), **{"Idempotency-Key": "k-1"})
    again = clerk_api.post("/products", new_product(), **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Product.objects.count() == 1
