"""Products and tax codes: every bad field is named at once and nothing is written."""

from decimal import Decimal

import pytest

from ardoise.audit.models import AuditEvent
from ardoise.catalog.models import Product, TaxCode
from ardoise.catalog.services import (
    create_product,
    create_tax_code,
    deactivate_product,
    seed_tax_codes,
    update_product,
    update_tax_code,
)
from ardoise.catalog.units import UNITS, unit_label
from ardoise.core.errors import InvalidInput

from .factories import CompanyFactory, ProductFactory, TaxCodeFactory


@pytest.fixture
def seeded(company, clerk):
    seed_tax_codes(company, actor=clerk)
    return company


def rules(error: InvalidInput) -> dict[str, str]:
    return {e.field: e.rule for e in error.errors}


def test_create_product_is_audited(seeded, clerk):
    product = create_product(
        seeded,
        actor=clerk,
        code="DEV-H",
        name="Développement",
        unit="HUR",
        unit_price="95.5",
        tax_code="FR-S20",
    )
    product.refresh_from_db()
    assert product.unit_price == Decimal("95.5")
    assert str(product.unit_price) == "95.5000"
    assert product.tax_code.code == "FR-S20"
    event = AuditEvent.objects.get(action="product.create", object_id=str(product.pk))
    assert event.actor_id == clerk.pk
    assert event.after["unit_price"] == "95.5000"
    assert event.after["tax_code"] == "FR-S20"


def test_all_bad_fields_are_reported_and_nothing_is_written(seeded, clerk, other_company):
    foreign = TaxCodeFactory(company=other_company, code="FR-S20-X")
    ProductFactory(company=seeded, code="TAKEN", tax_code=TaxCode.objects.get(code="FR-S20"))
    before = (Product.objects.count(), AuditEvent.objects.count())

    with pytest.raises(InvalidInput) as caught:
        create_product(
            seeded,
            actor=clerk,
            code="TAKEN",
            name="",
            kind="robot",
            unit="XYZ",
            unit_price="-1",
            tax_code=foreign,
        )

    assert rules(caught.value) == {
        "code": "unique",
        "name": "required",
        "kind": "choice",
        "unit": "unece_rec20",
        "unit_price": "min_value",
        "tax_code": "unknown",
    }
    assert (Product.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("price", "rule"),
    [
        (12.5, "decimal_string"),
        ("12,5", "decimal"),
        ("abc", "decimal"),
        ("NaN", "decimal"),
        ("1.00001", "max_decimal_places"),
        ("1000000000000000", "max_value"),
        ("", "required"),
    ],
)
def test_unit_price_must_be_a_decimal_string(seeded, clerk, price, rule):
    with pytest.raises(InvalidInput) as caught:
        create_product(seeded, actor=clerk, code="P", name="P", unit_price=price, tax_code="FR-S20")
    assert rules(caught.value) == {"unit_price": rule}
    assert not Product.objects.exists()


def test_trailing_zeros_beyond_four_places_are_fine(seeded, clerk):
    product = create_product(
        seeded, actor=clerk, code="P", name="P", unit_price="1.500000", tax_code="FR-S20"
    )
    assert product.unit_price == Decimal("1.5")


def test_inactive_tax_code_is_refused(seeded, clerk):
    TaxCode.objects.filter(company=seeded, code="FR-S10").update(is_active=False)
    with pytest.raises(InvalidInput) as caught:
        create_product(seeded, actor=clerk, code="P", name="P", unit_price="1", tax_code="FR-S10")
    assert rules(caught.value) == {"tax_code": "inactive"}


def test_update_product_changes_only_given_fields_and_audits(seeded, clerk):
    product = create_product(
        seeded, actor=clerk, code="P1", name="Audit", unit_price="100", tax_code="FR-S20"
    )
    update_product(product, actor=clerk, unit_price="120.00", tax_code="FR-S10")
    product.refresh_from_db()
    assert (product.name, product.unit_price, product.tax_code.code) == (
        "Audit",
        Decimal("120"),
        "FR-S10",
    )
    event = AuditEvent.objects.get(action="product.update")
    assert event.before["tax_code"] == "FR-S20" and event.after["tax_code"] == "FR-S10"


def test_bad_update_changes_nothing(seeded, clerk):
    product = create_product(
        seeded, actor=clerk, code="P1", name="Audit", unit_price="100", tax_code="FR-S20"
    )
    create_product(seeded, actor=clerk, code="P2", name="Other", unit_price="1", tax_code="FR-S20")
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        update_product(product, actor=clerk, code="P2", name="New name", colour="red")
    assert rules(caught.value) == {"code": "unique", "colour": "unknown"}
    product.refresh_from_db()
    assert (product.code, product.name) == ("P1", "Audit")
    assert AuditEvent.objects.count() == events


def test_deactivate_is_idempotent(seeded, clerk):
    product = create_product(
        seeded, actor=clerk, code="P1", name="Audit", unit_price="100", tax_code="FR-S20"
    )
    deactivate_product(product, actor=clerk)
    deactivate_product(product, actor=clerk)
    product.refresh_from_db()
    assert product.is_active is False
    assert AuditEvent.objects.filter(action="product.deactivate").count() == 1


def test_tax_code_category_rate_and_reason_must_agree(company, admin_user):
    with pytest.raises(InvalidInput) as caught:
        create_tax_code(company, actor=admin_user, code="X1", name="X", category="E", rate="5")
    assert rules(caught.value) == {"rate": "zero_rate", "exemption_reason": "required"}

    with pytest.raises(InvalidInput) as caught:
        create_tax_code(company, actor=admin_user, code="X2", name="X", category="S", rate="0")
    assert rules(caught.value) == {"rate": "positive"}

    with pytest.raises(InvalidInput) as caught:
        create_tax_code(
            company, actor=admin_user, code="", name="", category="Q", rate="101", country="F"
        )
    assert rules(caught.value) == {
        "code": "required",
        "name": "required",
        "rate": "max_value",
        "country": "iso3166",
        "category": "choice",
    }
    assert not TaxCode.objects.filter(company=company).exists()


def test_create_and_update_tax_code(company, admin_user):
    tax_code = create_tax_code(
        company,
        actor=admin_user,
        code="FR-K2",
        name="Livraison UE",
        category="K",
        rate="0",
        exemption_reason="Exonération de TVA, article 262 ter I du CGI",
        exemption_reason_code="vatex-eu-ic",
    )
    assert (tax_code.country, tax_code.exemption_reason_code) == ("FR", "VATEX-EU-IC")
    with pytest.raises(InvalidInput) as caught:
        update_tax_code(tax_code, actor=admin_user, category="S")
    assert rules(caught.value) == {"rate": "positive", "exemption_reason": "not_allowed"}
    update_tax_code(tax_code, actor=admin_user, is_active=False)
    tax_code.refresh_from_db()
    assert tax_code.is_active is False and tax_code.category == "K"
    assert AuditEvent.objects.filter(action__startswith="tax_code.").count() == 2


def test_same_code_allowed_in_two_companies(seeded, clerk):
    other = CompanyFactory(code="other2")
    seed_tax_codes(other, actor=None)
    create_product(seeded, actor=clerk, code="P", name="P", unit_price="1", tax_code="FR-S20")
    create_product(other, actor=clerk, code="P", name="P", unit_price="1", tax_code="FR-S20")
    assert Product.objects.filter(code="P").count() == 2


def test_units_have_labels_in_four_languages():
    for code in ("C62", "H87", "HUR", "DAY", "MON", "KGM", "LTR", "KWH", "MIN", "E48"):
        assert code in UNITS
    assert unit_label("HUR", "fr") == "heure"
    assert unit_label("DAY", "es") == "día"
    assert unit_label("KGM", "ar") == "كيلوغرام"
    assert unit_label("MON", "en") == "month"
    assert unit_label("ZZZ", "fr") == "ZZZ"
