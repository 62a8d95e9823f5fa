"""Staff pages of the catalog through the Django test client."""

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.audit.models import AuditEvent
from ardoise.catalog.models import Product, TaxCode
from ardoise.catalog.services import seed_tax_codes

from .factories import ProductFactory


@pytest.fixture
def seeded(company, clerk):
    seed_tax_codes(company, actor=clerk)
    return company


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides):
    return {
        "code": "DEV",
        "name": "Développement",
        "description": "",
        "kind": "service",
        "unit": "HUR",
        "unit_price": "95.50",
        "tax_code": "FR-S20",
    } | overrides


def test_list_search_filter_sort_and_paginate(seeded, clerk, other_company):
    s20 = TaxCode.objects.get(company=seeded, code="FR-S20")
    for n in range(30):
        ProductFactory(company=seeded, code=f"P{n:02d}", name=f"Conseil {n}", tax_code=s20)
    ProductFactory(company=seeded, code="ZZ", name="Matériel", kind="goods", tax_code=s20)
    ProductFactory(company=other_company, code="THEIRS", name="Conseil ailleurs")
    client = browser(clerk)

    page = client.get(reverse("products:list"))
    assert page.status_code == 200
    assert [p.code for p in page.context["page"]][:2] == ["P00", "P01"]
    assert page.context["page"].paginator.count == 31
    assert "THEIRS" not in page.content.decode()

    second = client.get(reverse("products:list"), {"page": 2})
    assert [p.code for p in second.context["page"]] == [*(f"P{n}" for n in range(25, 30)), "ZZ"]

    found = client.get(reverse("products:list"), {"q": "matériel"})
    assert [p.code for p in found.context["page"]] == ["ZZ"]
    goods = client.get(reverse("products:list"), {"kind": "goods"})
    assert [p.code for p in goods.context["page"]] == ["ZZ"]
    by_name_desc = client.get(reverse("products:list"), {"sort": "-name"})
    assert by_name_desc.context["page"][0].code == "ZZ"


def test_create_with_errors_shows_them_next_to_fields(seeded, clerk):
    client = browser(clerk)
    response = client.post(reverse("products:create"), form(code="", unit_price="12,5"))
    assert response.status_code == 422
    assert set(response.context["errors"]) == {"code", "unit_price"}
    html = response.content.decode()
    assert 'id="error-code"' in html and 'id="error-unit_price"' in html
    assert 'value="Développement"' in html
    assert not Product.objects.exists()


def test_create_then_edit_then_deactivate(seeded, clerk):
    client = browser(clerk)
    response = client.post(reverse("products:create"), form())
    product = Product.objects.get(code="DEV")
    assert response.status_code == 302
    assert response.url == reverse("products:detail", args=[product.pk])
    detail = client.get(response.url)
    assert "Développement" in detail.content.decode()

    edit = client.get(reverse("products:edit", args=[product.pk]))
    assert edit.status_code == 200 and 'value="DEV"' in edit.content.decode()
    saved = client.post(
        reverse("products:edit", args=[product.pk]),
        form(name="Développement web", unit_price="100", is_active="on"),
    )
    assert saved.status_code == 302
    product.refresh_from_db()
    assert (product.name, str(product.unit_price)) == ("Développement web", "100.0000")

    client.post(reverse("products:deactivate", args=[product.pk]))
    product.refresh_from_db()
    assert product.is_active is False


def test_auditor_sees_but_cannot_change(seeded, auditor):
    product = ProductFactory(
        company=seeded, tax_code=TaxCode.objects.get(company=seeded, code="FR-S20")
    )
    client = browser(auditor)
    events = AuditEvent.objects.count()
    assert client.get(reverse("products:list")).status_code == 200
    assert client.get(reverse("products:detail", args=[product.pk])).status_code == 200
    assert client.get(reverse("products:tax-codes")).status_code == 200
    assert client.get(reverse("products:create")).status_code == 403
    assert client.post(reverse("products:create"), form()).status_code == 403
    response = client.post(reverse("products:edit", args=[product.pk]), form(name="Hacked"))
    assert response.status_code == 403
    assert client.post(reverse("products:deactivate", args=[product.pk])).status_code == 403
    assert client.post(reverse("products:tax-codes"), {"action": "seed"}).status_code == 403
    product.refresh_from_db()
    assert product.name != "Hacked" and product.is_active
    assert AuditEvent.objects.count() == events
    assert Product.objects.count() == 1


def test_other_companys_product_page_is_404(seeded, clerk, other_company):
    theirs = ProductFactory(company=other_company)
    client = browser(clerk)
    assert client.get(reverse("products:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("products:edit", args=[theirs.pk])).status_code == 404


def test_tax_codes_page_admin_creates_and_seeds(company, admin_user, clerk):
    admin = browser(admin_user)
    seeded = admin.post(reverse("products:tax-codes"), {"action": "seed"})
    assert seeded.status_code == 302
    assert TaxCode.objects.filter(company=company).count() == 10
    page = admin.get(reverse("products:tax-codes"))
    assert "TVA non applicable, art. 293 B du CGI" in page.content.decode()

    bad = admin.post(
        reverse("products:tax-codes"), {"code": "X", "name": "X", "category": "E", "rate": "5"}
    )
    assert bad.status_code == 422
    assert set(bad.context["errors"]) == {"rate", "exemption_reason"}

    clerk_page = browser(clerk).get(reverse("products:tax-codes"), {"category": "K"})
    assert [t.code for t in clerk_page.context["tax_codes"]] == ["FR-K"]
    assert "New tax code" not in clerk_page.content.decode()


def test_anonymous_is_sent_to_login(db):
    response = Client().get(reverse("products:list"))
    assert response.status_code == 302
