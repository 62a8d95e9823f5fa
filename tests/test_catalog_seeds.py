"""Every company starts with its country's tax codes: categories, rates, and the legal
exemption texts with their VATEX codes, seeded once."""

from decimal import Decimal

import pytest

from ardoise.audit.models import AuditEvent
from ardoise.catalog.models import CATEGORIES_NEEDING_REASON, ZERO_RATE_CATEGORIES, TaxCode
from ardoise.catalog.seeds import TAX_CODE_SEEDS
from ardoise.catalog.services import seed_tax_codes

from .factories import CompanyFactory


def codes(company):
    return {t.code: t for t in TaxCode.objects.filter(company=company)}


@pytest.mark.parametrize("country", sorted(TAX_CODE_SEEDS))
def test_seeds_are_consistent_en16931_data(country):
    for seed in TAX_CODE_SEEDS[country]:
        assert seed.code.startswith(f"{country}-")
        assert len(seed.code) <= 20
        assert isinstance(seed.rate, Decimal)
        if seed.category in ZERO_RATE_CATEGORIES:
            assert seed.rate == 0
        if seed.category in CATEGORIES_NEEDING_REASON:
            assert seed.exemption_reason
        else:
            assert not seed.exemption_reason and not seed.exemption_reason_code


def test_french_company_gets_french_rates_and_reasons(db):
    company = CompanyFactory(country="FR")
    assert seed_tax_codes(company, actor=None) == 10
    fr = codes(company)
    assert {c: fr[c].rate for c in ("FR-S20", "FR-S10", "FR-S55", "FR-S21")} == {
        "FR-S20": Decimal("20"),
        "FR-S10": Decimal("10"),
        "FR-S55": Decimal("5.5"),
        "FR-S21": Decimal("2.1"),
    }
    franchise = fr["FR-E293B"]
    assert (franchise.category, franchise.rate) == ("E", Decimal(0))
    assert franchise.exemption_reason == "TVA non applicable, art. 293 B du CGI"
    assert franchise.exemption_reason_code == "VATEX-FR-FRANCHISE"
    assert fr["FR-AE"].exemption_reason == "Autoliquidation, art. 283-2 du CGI"
    assert fr["FR-AE"].exemption_reason_code == "VATEX-EU-AE"
    assert fr["FR-K"].exemption_reason == "Exonération de TVA, article 262 ter I du CGI"
    assert fr["FR-K"].exemption_reason_code == "VATEX-EU-IC"
    assert fr["FR-G"].exemption_reason == "Exonération de TVA, article 262 I du CGI"
    assert fr["FR-G"].exemption_reason_code == "VATEX-EU-G"
    assert "261" in fr["FR-E261"].exemption_reason
    assert fr["FR-O"].category == "O"
    assert {t.country for t in fr.values()} == {"FR"}


def test_algerian_spanish_and_nigerien_codes(db):
    dz = CompanyFactory(country="DZ", currency="DZD")
    es = CompanyFactory(country="ES")
    ne = CompanyFactory(country="NE", currency="XOF")
    for company in (dz, es, ne):
        seed_tax_codes(company, actor=None)
    dz_codes, es_codes, ne_codes = codes(dz), codes(es), codes(ne)
    assert dz_codes["DZ-S19"].rate == 19 and dz_codes["DZ-S9"].rate == 9
    assert "Code des taxes sur le chiffre d'affaires" in dz_codes["DZ-E"].exemption_reason
    assert dz_codes["DZ-O"].category == "O"
    assert [es_codes[c].rate for c in ("ES-S21", "ES-S10", "ES-S4")] == [21, 10, 4]
    assert "art. 20 LIVA" in es_codes["ES-E20"].exemption_reason
    assert es_codes["ES-AE"].exemption_reason == "Inversión del sujeto pasivo (art. 84.Uno.2º LIVA)"
    assert es_codes["ES-K"].exemption_reason == "Entrega intracomunitaria exenta (art. 25 LIVA)"
    assert es_codes["ES-G"].exemption_reason == "Exportación exenta (art. 21 LIVA)"
    assert ne_codes["NE-S19"].rate == 19 and ne_codes["NE-S10"].rate == 10
    assert ne_codes["NE-E"].category == "E" and ne_codes["NE-E"].exemption_reason
    assert ne_codes["NE-O"].category == "O"


def test_seeding_twice_creates_nothing_more_and_keeps_local_changes(db, company):
    assert seed_tax_codes(company, actor=None) == 10
    TaxCode.objects.filter(company=company, code="FR-S20").update(name="TVA normale")
    TaxCode.objects.filter(company=company, code="FR-O").delete()
    events = AuditEvent.objects.filter(action="tax_code.seed").count()

    assert seed_tax_codes(company, actor=None) == 1
    assert seed_tax_codes(company, actor=None) == 0

    assert TaxCode.objects.filter(company=company).count() == 10
    assert TaxCode.objects.get(company=company, code="FR-S20").name == "TVA normale"
    assert AuditEvent.objects.filter(action="tax_code.seed").count() == events + 1


def test_country_without_pack_gets_no_code(db):
    company = CompanyFactory(country="JP", currency="JPY")
    assert seed_tax_codes(company, actor=None) == 0
