"""Jurisdiction packs: required identifiers, checks before issue and legal mentions for
France, Algeria, Spain and the OHADA zone (Niger)."""

import datetime

import pytest

from ardoise.compliance.rules import (
    check_before_issue,
    default_invoice_terms,
    legal_mentions,
    required_buyer_identifiers,
    required_seller_identifiers,
)

ISSUE = datetime.date(2026, 11, 27)
DUE = datetime.date(2026, 12, 27)


def french_seller(**overrides):
    return {
        "country": "FR",
        "legal_name": "Atelier Lumière SAS",
        "legal_form": "SAS",
        "share_capital": "10 000 €",
        "identifiers": {"siren": "732829320", "vat": "FR44732829320", "rcs": "Paris"},
        "address_line1": "12 rue des Lilas",
        "postal_code": "75011",
        "city": "Paris",
    } | overrides


def buyer(country="FR", identifiers=None, **overrides):
    return {
        "country": country,
        "legal_name": "Client SARL",
        "identifiers": {"siren": "552100554"} if identifiers is None else identifiers,
        "billing_address": {
            "line1": "5 avenue de la Gare",
            "postal_code": "69002",
            "city": "Lyon",
            "country": country,
        },
    } | overrides


def algerian_seller(**overrides):
    return {
        "country": "DZ",
        "legal_name": "Sarl Tassili",
        "legal_form": "SARL",
        "share_capital": "1 000 000 DA",
        "identifiers": {
            "nif": "000016001234567",
            "nis": "000116012345678",
            "rc": "16/00-1234567B12",
            "ai": "16012345678",
        },
        "address_line1": "3 rue Didouche Mourad",
        "postal_code": "16000",
        "city": "Alger",
    } | overrides


def nigerien_seller(**overrides):
    return {
        "country": "NE",
        "legal_name": "Sahel Services SARL",
        "legal_form": "SARL",
        "share_capital": "1 000 000 FCFA",
        "identifiers": {"nif": "12345/R", "rccm": "NI-NIA-2020-B-1234"},
        "address_line1": "Avenue de la Mairie",
        "postal_code": "BP 100",
        "city": "Niamey",
    } | overrides


def errors(found) -> dict[str, str]:
    return {e.field: e.rule for e in found}


# --- required identifiers --------------------------------------------------------------


def test_seller_identifiers_by_country():
    assert required_seller_identifiers("FR") == ["siren", "vat", "rcs"]
    assert required_seller_identifiers("FR", vat_franchise=True) == ["siren", "rcs"]
    assert required_seller_identifiers("DZ") == ["nif", "nis", "rc", "ai"]
    assert required_seller_identifiers("ES") == ["nif"]
    assert required_seller_identifiers("NE") == ["nif", "rccm"]
    assert required_seller_identifiers("US") == []


def test_buyer_identifiers_by_seller_and_buyer_country():
    assert required_buyer_identifiers("FR", "FR") == ["siren"]
    assert required_buyer_identifiers("FR", "FR", is_business=False) == []
    assert required_buyer_identifiers("FR", "DE") == ["vat"]
    assert required_buyer_identifiers("ES", "FR") == ["vat"]
    assert required_buyer_identifiers("FR", "US") == []
    assert required_buyer_identifiers("DZ", "DZ") == ["nif", "nis", "rc", "ai"]
    assert required_buyer_identifiers("DZ", "FR") == []
    assert required_buyer_identifiers("ES", "ES") == ["nif"]
    assert required_buyer_identifiers("NE", "NE") == ["nif"]


# --- checks before issue --------------------------------------------------------------------


def test_complete_french_invoice_passes():
    assert check_before_issue(french_seller(), buyer(), {"S"}) == []


def test_siret_stands_for_siren_and_cif_for_spanish_nif():
    assert (
        check_before_issue(french_seller(), buyer(identifiers={"siret": "55210055400013"}), {"S"})
        == []
    )
    spanish = french_seller(country="ES", identifiers={"cif": "B12345678"})
    assert check_before_issue(spanish, buyer("ES", {"nie": "X1234567L"}), {"S"}) == []


def test_french_b2b_buyer_without_siren_is_refused():
    found = check_before_issue(french_seller(), buyer(identifiers={}), {"S"})
    assert errors(found) == {"customer.identifiers.siren": "required"}
    assert "SIREN" in found[0].message


def test_consumer_needs_no_identifier():
    assert (
        check_before_issue(french_seller(), buyer(identifiers={}, is_business=False), {"S"}) == []
    )


def test_missing_seller_and_buyer_data_are_all_named():
    seller = french_seller(identifiers={"siren": "732829320"}, city="", address_line1="")
    customer = buyer(identifiers={}, legal_name="")
    customer["billing_address"]["postal_code"] = ""
    assert errors(check_before_issue(seller, customer, {"S"})) == {
        "company.address_line1": "required",
        "company.city": "required",
        "company.identifiers.vat": "required",
        "company.identifiers.rcs": "required",
        "customer.legal_name": "required",
        "customer.billing_address.postal_code": "required",
        "customer.identifiers.siren": "required",
    }


def test_franchise_seller_needs_no_vat_number():
    seller = french_seller(identifiers={"siren": "732829320", "rcs": "Paris"}, vat_franchise=True)
    assert check_before_issue(seller, buyer(), {"E"}) == []
    # Without the flag in the snapshot: a document charging no VAT needs no seller number.
    del seller["vat_franchise"]
    assert check_before_issue(seller, buyer(), {"E"}) == []
    assert errors(check_before_issue(seller, buyer(), {"S", "E"})) == {
        "company.identifiers.vat": "required"
    }


def test_intra_community_supply_needs_buyer_vat():
    german = buyer("DE", identifiers={})
    assert errors(check_before_issue(french_seller(), german, {"K"})) == {
        "customer.identifiers.vat": "required"
    }
    german["identifiers"] = {"vat": "DE123456789"}
    assert check_before_issue(french_seller(), german, {"K"}) == []


def test_reverse_charge_needs_buyer_vat_or_nif():
    assert errors(check_before_issue(french_seller(), buyer(), {"S", "AE"})) == {
        "customer.identifiers.vat": "required"
    }
    assert (
        check_before_issue(
            french_seller(),
            buyer(identifiers={"siren": "552100554", "vat": "FR03552100554"}),
            {"AE"},
        )
        == []
    )


def test_algerian_invoice_needs_all_four_numbers_on_both_sides():
    seller = algerian_seller(identifiers={"nif": "000016001234567"})
    customer = buyer("DZ", identifiers={"nif": "1", "nis": "2"})
    assert errors(check_before_issue(seller, customer, {"S"})) == {
        "company.identifiers.nis": "required",
        "company.identifiers.rc": "required",
        "company.identifiers.ai": "required",
        "customer.identifiers.rc": "required",
        "customer.identifiers.ai": "required",
    }


def test_nigerien_invoice_needs_rccm_and_nif():
    seller = nigerien_seller(identifiers={})
    assert errors(check_before_issue(seller, buyer("NE", identifiers={}), {"S"})) == {
        "company.identifiers.nif": "required",
        "company.identifiers.rccm": "required",
        "customer.identifiers.nif": "required",
    }


# --- legal mentions ---------------------------------------------------------------------------


def mentions(seller, customer=None, language="fr", **kwargs):
    arguments = {
        "kind": "invoice",
        "tax_categories": {"S"},
        "exemption_reasons": [],
        "due_date": DUE,
        "issue_date": ISSUE,
    } | kwargs
    return legal_mentions(seller, customer or buyer(), language, **arguments)


def test_french_b2b_invoice_mentions():
    found = mentions(french_seller())
    assert found == [
        "Atelier Lumière SAS, SAS au capital de 10 000 €",
        "RCS Paris 732829320",
        "N° de TVA intracommunautaire : FR44732829320",
        "Date d'échéance du paiement : 27 décembre 2026",
        "En cas de retard de paiement, des pénalités de retard sont exigibles au taux de la BCE "
        "à son opération de refinancement la plus récente majoré de 10 points "
        "(art. L441-10 du Code de commerce).",
        "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € "
        "(art. L441-10 et D441-5 du Code de commerce).",
        "Pas d'escompte pour paiement anticipé.",
    ]


def test_french_consumer_invoice_has_no_recovery_indemnity():
    found = mentions(french_seller(), buyer(is_business=False))
    assert not any("40 €" in m for m in found)


def test_company_penalty_rate_and_discount_replace_defaults():
    seller = french_seller(
        late_penalty_rate="3 fois le taux d'intérêt légal",
        early_payment_discount="Escompte de 2 % pour paiement à 8 jours.",
    )
    found = mentions(seller)
    assert any("3 fois le taux d'intérêt légal" in m for m in found)
    assert "Escompte de 2 % pour paiement à 8 jours." in found
    assert "Pas d'escompte pour paiement anticipé." not in found


def test_franchise_and_reverse_charge_mentions():
    franchise = mentions(
        french_seller(identifiers={"siren": "732829320", "rcs": "Paris"}),
        tax_categories={"E"},
        exemption_reasons=["TVA non applicable, art. 293 B du CGI"],
    )
    assert "TVA non applicable, art. 293 B du CGI" in franchise
    assert not any("TVA intracommunautaire" in m for m in franchise)

    reverse = mentions(
        french_seller(),
        buyer(identifiers={"vat": "FR03552100554", "siren": "552100554"}),
        tax_categories={"AE"},
        exemption_reasons=[],
    )
    assert "Autoliquidation" in reverse
    assert "N° de TVA intracommunautaire du client : FR03552100554" in reverse


def test_credit_note_carries_no_payment_terms():
    found = mentions(french_seller(), kind="credit_note")
    assert not any("40 €" in m or "échéance" in m or "escompte" in m for m in found)
    assert "RCS Paris 732829320" in found


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "No discount for early payment."),
        ("es", "Sin descuento por pronto pago."),
        ("ar", "لا يمنح أي خصم على الدفع المسبق."),
    ],
)
def test_french_mentions_in_other_languages(language, expected):
    found = mentions(french_seller(), language=language)
    assert expected in found
    assert any("40" in m for m in found)


def test_algerian_mentions_in_french_and_arabic():
    french = mentions(algerian_seller(), buyer("DZ"))
    assert french == [
        "Sarl Tassili, SARL au capital de 1 000 000 DA",
        "NIF : 000016001234567",
        "NIS : 000116012345678",
        "RC : 16/00-1234567B12",
        "Article d'imposition (AI) : 16012345678",
        "Date d'échéance du paiement : 27 décembre 2026",
    ]
    arabic = mentions(algerian_seller(), buyer("DZ"), language="ar")
    assert "رقم التعريف الجبائي (NIF): 000016001234567" in arabic
    assert any("(AI)" in m for m in arabic)


def test_spanish_mentions():
    seller = french_seller(
        country="ES", legal_form="SL", share_capital="3 000 €", identifiers={"nif": "B12345678"}
    )
    found = mentions(
        seller,
        buyer("ES", {"nif": "A87654321"}),
        language="es",
        tax_categories={"E"},
        exemption_reasons=["Operación exenta de IVA (art. 20 LIVA)"],
    )
    assert "NIF: B12345678" in found
    assert "NIF del destinatario: A87654321" in found
    assert "Operación exenta de IVA (art. 20 LIVA)" in found
    assert not any("40 €" in m for m in found)


def test_nigerien_mentions():
    found = mentions(nigerien_seller(), buyer("NE"))
    assert "RCCM : NI-NIA-2020-B-1234" in found
    assert "NIF : 12345/R" in found
    assert "Sahel Services SARL, SARL au capital de 1 000 000 FCFA" in found


def test_default_terms():
    assert "40 €" in default_invoice_terms("FR", "fr")
    assert "Pas d'escompte" in default_invoice_terms("FR", "fr")
    assert "Ley 3/2004" in default_invoice_terms("ES", "es")
    assert default_invoice_terms("NE", "fr")
    assert default_invoice_terms("US", "en") == ""
